"""Capture scope: which URLs a crawl follows as pages and captures as page requisites, and why not.

``rules`` holds the decisions (pure functions over URLs); ``options`` reads them from the
command line (``--scope KEY=VALUE``) and the settings (``SCOPE_*``); ``explain`` prints them for
``archiver crawl --explain URL``. The sites file gives the same keys per site (archiver.crawl.sites).
See docs/crawling/scope.md.
"""

from archiver.scope.rules import Decision, PageScope, RequisiteScope

__all__ = ["Decision", "PageScope", "RequisiteScope"]
