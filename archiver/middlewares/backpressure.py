"""Downloader middleware that holds page requests while the analysis pool is full (back-pressure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from archiver.analysis.pool import analysis_pool, pool_workers

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request
    from typing_extensions import Self


class AnalysisBackpressureMiddleware:
    """A request for a page (the spider's ``parse`` callback) waits here, before its download, while
    ``ANALYSIS_MAX_PENDING`` pages wait for analysis (``archiver.analysis.pool``).

    Waiting requests fill the downloader, so Scrapy stops taking new ones from the scheduler
    until results come back: the crawl fetches no faster than its pages are analysed, and
    memory stays flat. Requisites, robots.txt, sitemaps and feeds are never held.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if pool_workers(crawler.settings) <= 0:
            raise NotConfigured  # pages are analysed in the crawl's own thread: it cannot run ahead
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        if spider is None or request.callback != getattr(spider, "parse", None):
            return None
        pool = analysis_pool(self.crawler)
        if pool is not None and pool.full:
            await maybe_deferred_to_future(pool.room())
        return None
