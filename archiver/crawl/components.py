"""Check that the crawl's dependencies are importable, so a host that lacks one fails early.

Scrapyd lists an egg's spiders when it is uploaded (``addversion.json``, ``listspiders.json``);
importing the spiders alone succeeds without ``warcio`` and the rest, and the first job then
dies with ``ModuleNotFoundError`` in its log. ``spiders/__init__.py`` calls
``require_dependencies()``, so the listing, and with it the deploy, fails instead, naming
what is missing. Modules are found (``importlib.util.find_spec``), not imported: importing
the crawl's components here would install Twisted's reactor before Scrapy chooses it.
"""

from __future__ import annotations

import importlib.util
import sys

# Top-level module -> distribution, for every [project] dependency in pyproject.toml (a test
# checks they agree; the entries with a marker apply only where it holds).
DEPENDENCIES = {
    "scrapy": "scrapy",
    "lxml": "lxml",
    "warcio": "warcio",
    "itemadapter": "itemadapter",
    "cdxj_indexer": "cdxj-indexer",
    "py3langid": "py3langid",
    "charset_normalizer": "charset-normalizer",
    "tldextract": "tldextract",
    "isal": "isal",
    "htmldate": "htmldate",
}
if sys.version_info < (3, 11):
    DEPENDENCIES["tomli"] = "tomli"


class MissingDependency(ImportError):
    """A dependency of the crawl cannot be imported on this host."""


def missing_dependencies() -> list[str]:
    return [dist for module, dist in DEPENDENCIES.items() if importlib.util.find_spec(module) is None]


def require_dependencies() -> None:
    missing = missing_dependencies()
    if missing:
        raise MissingDependency(
            f"archiver cannot run here: no module for {', '.join(missing)}. Install the project's dependencies "
            "on this host (pip install -r requirements-scrapyd.txt), not the project itself")
