"""Item pipeline that streams article records to a JSON Lines file per crawl."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem, NotConfigured

from archiver.extensions.diskspace import close_crawl, out_of_space_text, stop_for_space
from archiver.record.items import Article
from archiver.record.json_line import record_json
from archiver.storage.append import AppendFile
from archiver.storage.space import is_out_of_space
from archiver.storage.torn import cut_torn_tail, lock_for_writing

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# The finish reason of a crawl stopped because a record could not be written (not for want of space).
WRITE_FAILED_REASON = "records_write_failed"


class JsonLinesPipeline:
    """Appends every ``Article`` to ``<ARCHIVE_DIR>/articles/<crawl>.jsonl`` as it is scraped.

    Each line reaches the file whole or not at all: written and flushed at once, and cut back
    off when the write fails (a full disk), so a killed crawl keeps every record it reported and
    a failed write leaves no half line. A record that could not be written is dropped (the
    seen-store is not marked, so the page is fetched again) and the crawl stops. The file is
    locked while written (``archiver verify`` and other crawls tell it from a torn one) and
    fsynced when the spider closes.
    """

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.directory = directory
        self.path: Path | None = None
        self._file: AppendFile | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("JSONL_ENABLED"):
            raise NotConfigured
        return cls(crawler, Path(settings.get("ARCHIVE_DIR")) / settings.get("JSONL_SUBDIR"))

    def open_spider(self) -> None:
        # The name is the crawl's id from the start (WARC files' warcinfo names it); the file is
        # created with the first record, so a crawl that recorded nothing leaves no empty file.
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.path = self.directory / f"{stamp}-{os.getpid()}.jsonl"
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("jsonl/path", str(self.path))
        if self.directory.is_dir():  # records cut by a crawl that stopped mid-line: their pages are fetched again
            torn = sum(cut_torn_tail(path) for path in sorted(self.directory.glob("*.jsonl")))
            if torn:
                stats.set_value("jsonl/torn_lines_cut", torn)

    def close_spider(self) -> None:
        if self._file is not None:
            try:
                self._file.sync()
            except OSError as error:
                logger.error("Could not sync %s: %s", self.path, error.strerror or error)
            finally:
                self._file.abandon()
                self._file = None

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article) or self.path is None:
            return item
        line = (record_json(item) + "\n").encode("utf-8")
        try:
            if self._file is None:
                self._file = self._create()
            self._file.append_whole(line)
        except OSError as error:
            self._not_written(item, error)
            raise DropItem(f"record not written ({error.strerror or error}): {item.url}") from None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("jsonl/records")
        return item

    def _create(self) -> AppendFile:
        assert self.path is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        records = AppendFile.open(self.path)
        lock_for_writing(records.fileno())
        return records

    def _not_written(self, item: Article, error: OSError) -> None:
        """The record is not in the file: count it, and stop the crawl (for space, or for the failure)."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("jsonl/errors")
        if self._file is not None and self._file.tell() == 0:  # no record in it: leave no empty file
            self._file.abandon()
            self._file = None
            if self.path is not None:
                self.path.unlink(missing_ok=True)
        if is_out_of_space(error):
            stop_for_space(self.crawler, out_of_space_text(f"writing the record of {item.url}", error, self.directory))
            return
        if stats.get_value("jsonl/errors") == 1:
            logger.error("Could not write the record of %s to %s: %s; stopping the crawl", item.url, self.path,
                         error.strerror or error)
            close_crawl(self.crawler, WRITE_FAILED_REASON)
