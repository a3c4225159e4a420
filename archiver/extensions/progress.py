"""Extension that logs a progress line during long crawls: pages, articles, errors, requisites, rate.

It counts as the crawl summary does (archiver.middlewares.outcome.FetchCounts): its "errors" are
the summary's and the exit code's, and requisite problems have their own words.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from archiver.middlewares.outcome import FetchCounts

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def pages_fetched(stats: dict) -> int:
    """Pages the crawl got a response for: not robots.txt, sitemaps, feeds or page requisites."""
    return FetchCounts(stats).pages


def progress_line(stats: dict, seconds: float, last_pages: int, interval: float) -> str:
    """``progress: 1,204 pages (3.1/s now, 2.8/s overall), 311 articles, 57 skipped as archived,
    2 errors of 1,260 fetches; requisites 4,100 archived, 230 missing``."""
    counts = FetchCounts(stats)
    pages = counts.pages
    articles = int(stats.get("jsonl/records", stats.get("item_scraped_count", 0)))
    skipped = sum(int(v) for k, v in stats.items() if k.startswith("seen/skipped/"))
    now_rate = (pages - last_pages) / interval if interval else 0.0
    overall = pages / seconds if seconds else 0.0
    line = (f"progress: {pages:,} pages ({now_rate:.1f}/s now, {overall:.1f}/s overall), "
            f"{articles:,} articles, {skipped:,} skipped as archived, "
            f"{counts.errors:,} errors of {counts.fetches:,} fetches")
    if "requisites/pages" in stats:
        archived, missing = counts.requisite_counts()
        line += f"; requisites {archived:,} archived, {missing:,} missing"
    return line


class ProgressExtension:
    """Every ``PROGRESS_INTERVAL`` seconds, one INFO line saying how the crawl is going."""

    def __init__(self, stats: StatsCollector, interval: float) -> None:
        self.stats = stats
        self.interval = interval
        self.started = time.monotonic()
        self.last_pages = 0
        self.task = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if not crawler.settings.getbool("PROGRESS_ENABLED") or interval <= 0:
            raise NotConfigured
        assert crawler.stats is not None
        extension = cls(crawler.stats, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.log)
        self.task.start(self.interval, now=False)

    def log(self) -> None:
        stats = self.stats.get_stats()
        logger.info(progress_line(stats, time.monotonic() - self.started, self.last_pages, self.interval))
        self.last_pages = pages_fetched(stats)

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
