"""Downloader middleware that resumes a killed job: pages it already captured come from the archive."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator

from archiver.discovery.urls import url_key
from archiver.crawl.resume import Capture, JobJournal, Run, capture_index, mark_written_records
from archiver.crawl.seen import seen_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class ResumeMiddleware:
    """Keeps the job journal in ``JOBDIR`` and, after a killed run, answers requests from its captures.

    A request for a URL the killed runs of this job already fetched gets that response back
    from the WARC file (flagged ``cached``, so it is not archived twice) instead of a new
    download. Captured pages the resumed crawl does not ask for again are replayed when it
    would otherwise finish, so every captured article still gets its record. Priority 60:
    after the seen-store filter, before robots.txt and the download slots.
    """

    def __init__(self, crawler: Crawler, journal: JobJournal, replay_runs: list[Run]) -> None:
        self.crawler = crawler
        self.journal = journal
        self.replay_runs = replay_runs
        self.archive = Path(crawler.settings.get("ARCHIVE_DIR"))
        self.captures: dict[str, Capture] | None = None
        self.drained = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.get("JOBDIR") or not settings.getbool("RESUME_ENABLED"):
            raise NotConfigured
        journal = JobJournal(settings.get("JOBDIR"))
        # Here and not in spider_opened: the scheduler opens JOBDIR before any signal is sent,
        # and stale Scrapy state must be gone by then.
        middleware = cls(crawler, journal, journal.begin(os.getpid()))
        # engine_started: after spider_opened (WARC files closed) and before the first request.
        crawler.signals.connect(middleware.engine_started, signal=signals.engine_started)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.spider_idle, signal=signals.spider_idle)
        return middleware

    def engine_started(self) -> None:
        self._load()

    def spider_closed(self, reason: str) -> None:
        self.journal.finish(reason)

    def _load(self) -> dict[str, Capture]:
        """Index the killed runs' captures (after WarcCaptureMiddleware closed their ``.open`` files)."""
        if self.captures is None:
            self.captures = {}
            if self.replay_runs:
                settings = self.crawler.settings
                if settings.getbool("SEEN_ENABLED"):
                    marked = mark_written_records(seen_store(self.crawler), self.archive,
                                                  settings.get("JSONL_SUBDIR"), self.replay_runs)
                    logger.info("Resume: %d records of the killed run(s) marked in the seen-store", marked)
                self.captures = capture_index(self.archive, settings.get("WARC_SUBDIR"), self.replay_runs)
                logger.info("Resume: %d responses captured by the killed run(s) will not be fetched again",
                            len(self.captures))
        return self.captures

    def process_request(self, request: Request) -> Response | None:
        captures = self._load()
        if not captures:
            return None
        capture = captures.pop(url_key(request.url), None)
        if capture is None:
            return None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("resume/replayed")
        request.meta["warc_pointer"] = capture.pointer
        request.meta["warc_date"] = capture.warc_date
        return self.response_from_archive(capture, request)

    def response_from_archive(self, capture: Capture, request: Request) -> Response:
        """The captured response as Scrapy's downloader would have made it (body still content-encoded)."""
        pointer = capture.pointer
        with open(self.archive / pointer["filename"], "rb") as fh:
            fh.seek(pointer["offset"])
            record = next(iter(ArchiveIterator(fh)))
            body = record.raw_stream.read()
            headers = Headers(record.http_headers.headers)
        cls = responsetypes.from_args(headers=headers, url=capture.url, body=body)
        return cls(url=capture.url, status=capture.status, headers=headers, body=body, request=request,
                   flags=["cached", "replayed"])

    def spider_idle(self) -> None:
        """Replay the captures nothing asked for again (pages reached through a path that changed)."""
        captures = self._load()
        left = [c for c in captures.values() if c.status == 200]
        if self.drained or not left:
            return
        self.drained = True
        spider = self.crawler.spider
        logger.info("Resume: replaying %d captured responses the crawl did not reach again", len(left))
        for capture in left:
            site = getattr(spider, "site_for", lambda r: None)(Request(capture.url))
            meta = {"site": site.name} if site is not None else {}
            self.crawler.engine.crawl(Request(capture.url, meta=meta, dont_filter=True))
        raise DontCloseSpider
