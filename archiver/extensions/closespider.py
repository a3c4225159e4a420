"""Scrapy's CloseSpider, with page requisites left out of ``CLOSESPIDER_PAGECOUNT`` (``--max-pages``)."""

from __future__ import annotations

from typing import Any

from scrapy.extensions.closespider import CloseSpider


class PageCloseSpider(CloseSpider):
    """``--max-pages N`` stops after N pages, as the summary counts them: requisites are not pages."""

    def page_count(self, response: Any, request: Any, spider: Any = None) -> None:
        if request is not None and request.meta.get("requisite"):
            return
        super().page_count(response, request, spider)
