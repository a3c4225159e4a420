"""Extension that stops the crawl cleanly while its file system still has room to finish: the free-space guard."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro

from archiver.storage.space import FreeSpace, SpaceRule, size_text

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# The finish reason of a crawl stopped for want of space; `archiver crawl` exits 5 (docs/crawling/exit-codes.md).
DISKSPACE_REASON = "diskspace_low"
STOPPED_STAT = "diskspace/stopped"  # why, in one line


def guarded_paths(settings: object) -> list[Path]:
    """The folders whose file systems the crawl writes: the archive, and the job directory when it has one."""
    paths = [Path(settings.get("ARCHIVE_DIR"))]  # type: ignore[attr-defined]
    if settings.get("JOBDIR"):  # type: ignore[attr-defined]
        paths.append(Path(settings.get("JOBDIR")))  # type: ignore[attr-defined]
    return paths


def out_of_space_text(what: str, error: BaseException, path: Path) -> str:
    """``writing the record of URL: No space left on device (0 bytes free on /mnt/archive)``."""
    reason = getattr(error, "strerror", None) or str(error)
    try:
        space = FreeSpace.of(path)
        return f"{what}: {reason} ({size_text(space.free)} free on {space.path})"
    except OSError:
        return f"{what}: {reason}"


def stop_for_space(crawler: Crawler, why: str) -> None:
    """Stop the crawl as Ctrl-C does (records in flight are finished, files closed, the job can resume), once.

    Call it in the reactor's thread (``reactor.callFromThread`` from another one).
    """
    stats = crawler.stats
    assert stats is not None
    if stats.get_value(STOPPED_STAT):
        return
    stats.set_value(STOPPED_STAT, why)
    logger.error("Stopping the crawl: %s", why)
    close_crawl(crawler, DISKSPACE_REASON)


def close_crawl(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the spider (not awaited: closing waits for what is in flight), if it runs."""
    try:
        engine = crawler.engine
    except RuntimeError:  # no crawl started (a component used on its own)
        return
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


class DiskSpaceExtension:
    """Checks free space when the spider opens and every ``DISKSPACE_CHECK_INTERVAL`` seconds.

    Below the ``DISKSPACE_*`` minimum the crawl stops with finish reason ``diskspace_low``.
    The WARC capture middleware asks the same rule before each new WARC file.
    """

    def __init__(self, crawler: Crawler, rule: SpaceRule, paths: list[Path], interval: float) -> None:
        self.crawler = crawler
        self.rule = rule
        self.paths = paths
        self.interval = interval
        self.task = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        rule = SpaceRule.from_settings(crawler.settings)
        if rule is None:
            raise NotConfigured
        extension = cls(crawler, rule, guarded_paths(crawler.settings),
                        crawler.settings.getfloat("DISKSPACE_CHECK_INTERVAL"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        if self.interval > 0:
            self.task = create_looping_call(self.check)
            self.task.start(self.interval, now=True)
        else:
            self.check()

    def check(self) -> None:
        shortfall = self.rule.check_all(self.paths)
        if shortfall is not None:
            self.spider_closed()
            stop_for_space(self.crawler, str(shortfall))

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
