"""Item pipeline that adds each written record to the reading room's search index."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from archiver.record.items import Article
from archiver.record.json_line import record_dict
from archiver.system.batches import Handover

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

BATCH = 200  # records per index transaction at most
# Seconds between the index's transactions. The analysis pool hands records on one or two at a time,
# and a transaction each costs SQLite's full-text index a new segment to merge: batching them halves
# the thread's CPU, which the crawl's other work shares the cores with.
LINGER = 0.5
CLOSE_TIMEOUT = 120.0  # seconds the crawl waits at its end for the index to catch up
WAL_PAGES = 200  # write-ahead log pages between checkpoints (SQLite's default: 1,000, 4 MiB)


class ReadingIndexPipeline:
    """Indexes every ``Article`` after the JSON Lines writer has written it (``archiver serve`` searches it).

    The index is written by a thread of its own, in batches, so the crawl never waits on
    SQLite's lock (several crawls, or distributed workers, can share one archive). The
    records stay the source of truth: an index error is logged once and indexing stops for
    this crawl, and records a killed crawl had not indexed yet are found by ``archiver index``.
    """

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self._records: Handover[dict[str, Any]] = Handover(LINGER)
        self._thread: threading.Thread | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("READING_INDEX_ENABLED") or not settings.getbool("JSONL_ENABLED"):
            raise NotConfigured
        from archiver.reading.index import index_path

        return cls(crawler, index_path(Path(settings.get("ARCHIVE_DIR"))))

    def open_spider(self) -> None:
        self._thread = threading.Thread(target=self._write, name="reading-index", daemon=True)
        self._thread.start()

    def close_spider(self) -> None:
        if self._thread is not None:
            self._records.close()
            self._thread.join(CLOSE_TIMEOUT)
            if self._thread.is_alive():
                logger.warning("reading index %s is still being written; run `archiver index` to complete it",
                               self.path)
            self._thread = None

    def process_item(self, item: object) -> object:
        if isinstance(item, Article) and not self.failed:
            self._records.put(record_dict(item))  # not copied: nothing changes a record once written
        return item

    def _write(self) -> None:
        from archiver.reading.index import Writer, connect

        try:
            writer = Writer(connect(self.path, create=True))
            # Records come one or two at a time (the analysis pool hands them on as they are made), so
            # each small commit adds index pages to the write-ahead log: checkpoint every WAL_PAGES pages,
            # not at SQLite's 1,000, so the log stays under a MiB instead of growing to 4 on a small disk.
            writer.db.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            writer.db.execute(f"PRAGMA journal_size_limit={WAL_PAGES * 4096}")
        except sqlite3.Error as error:
            self._fail(error)
            return
        try:
            done = False
            while not done:
                batch, _, done = self._records.take(BATCH)
                if batch:
                    writer.add_many(batch)
                    stats = self.crawler.stats
                    if stats is not None:
                        stats.inc_value("reading/indexed", len(batch))
        except sqlite3.Error as error:
            self._fail(error)
        finally:
            writer.db.close()

    def _fail(self, error: Exception) -> None:
        self.failed = True
        logger.warning("reading index %s: %s; not indexing the rest of this crawl (run `archiver index`)",
                       self.path, error)
