"""Item pipeline that adds each written record to the reading room's search index."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from archiver.items import Article

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class ReadingIndexPipeline:
    """Indexes every ``Article`` after the JSON Lines writer has written it (``archiver serve`` searches it).

    The records stay the source of truth: an index error is logged once and indexing stops
    for this crawl (the record is already written); ``archiver index`` rebuilds the index.
    """

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.writer = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("READING_INDEX_ENABLED") or not settings.getbool("JSONL_ENABLED"):
            raise NotConfigured
        from archiver.reading.index import index_path

        return cls(crawler, index_path(Path(settings.get("ARCHIVE_DIR"))))

    def open_spider(self) -> None:
        from archiver.reading.index import Writer, connect

        try:
            self.writer = Writer(connect(self.path, create=True))
        except sqlite3.Error as error:
            logger.warning("reading index %s cannot be opened (%s): not indexing this crawl; "
                           "run `archiver index` afterwards", self.path, error)

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.db.close()
            self.writer = None

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article) or self.writer is None:
            return item
        try:
            self.writer.add_one(ItemAdapter(item).asdict())
        except sqlite3.Error as error:
            logger.warning("reading index %s: %s; not indexing the rest of this crawl (run `archiver index`)",
                           self.path, error)
            self.writer.db.close()
            self.writer = None
            return item
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("reading/indexed")
        return item
