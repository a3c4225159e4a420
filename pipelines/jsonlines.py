"""Item pipeline that streams article records to a JSON Lines file per crawl."""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from archiver.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def record_json(article: Article) -> str:
    """One record as one line of JSON (UTF-8, keys in schema order)."""
    return json.dumps(ItemAdapter(article).asdict(), ensure_ascii=False, separators=(",", ":"))


class JsonLinesPipeline:
    """Appends every ``Article`` to ``<ARCHIVE_DIR>/articles/<crawl>.jsonl`` as it is scraped.

    Each line is flushed as soon as it is written, so a killed crawl keeps every
    record it reported; the file is fsynced when the spider closes.
    """

    def __init__(self, crawler: Crawler, directory: Path) -> None:
        self.crawler = crawler
        self.directory = directory
        self.path: Path | None = None
        self._file: IO[str] | None = None

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

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article) or self.path is None:
            return item
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")
        self._file.write(record_json(item) + "\n")
        self._file.flush()
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("jsonl/records")
        return item
