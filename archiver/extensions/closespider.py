"""Scrapy's CloseSpider, counting for ``CLOSESPIDER_PAGECOUNT`` (``--max-pages``) the pages the summary counts."""

from __future__ import annotations

from typing import Any

from scrapy.extensions.closespider import CloseSpider

from archiver.middlewares.outcome import PAGE, fetch_kind


class PageCloseSpider(CloseSpider):
    """``--max-pages N`` stops after N pages, as the summary counts them: page requisites, robots.txt,
    sitemaps and feeds are not pages."""

    def page_count(self, response: Any, request: Any, spider: Any = None) -> None:
        if request is not None and (request.meta.get("requisite") or fetch_kind(request) != PAGE):
            return
        super().page_count(response, request, spider)
