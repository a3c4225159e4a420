"""Item pipeline that keeps the seen-store in step with the records: versions in, marks out."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from archiver.crawl.reconcile import note_complete, reconcile
from archiver.crawl.seen import SeenEntry, SeenStore, seen_store
from archiver.extensions.diskspace import out_of_space_text, stop_for_space
from archiver.record.items import Article
from archiver.storage.space import is_out_of_space

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class SeenStorePipeline:
    """Numbers versions of articles the archive already has, and marks each article once its record is written.

    Before the record is written (``process_item``): an article whose canonical URL is in
    the seen-store with the same body is dropped (``unchanged``); with a different body it
    becomes the next ``version``, ``previous_version_id`` naming the record it supersedes.
    After it is written (``item_scraped``, sent once every pipeline, the JSON Lines writer
    included, has passed it): the seen-store is marked, so a killed crawl never marks an
    article whose record was lost.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        archive = Path(settings.get("ARCHIVE_DIR"))
        self.articles_dir = archive / settings.get("JSONL_SUBDIR")
        self.state_dir = archive / "state"
        self.mark_failed = False

    def open_spider(self) -> None:
        # Before the first request: articles a killed crawl recorded but did not mark are not fetched again.
        marked = reconcile(self.store, self.articles_dir, self.state_dir, skip=self._own_records())
        if marked:
            stats = self.crawler.stats
            assert stats is not None
            stats.set_value("seen/reconciled", marked)

    def close_spider(self) -> None:
        try:
            self.store.flush()  # the marks written in batches: all in, or one failed
        except (sqlite3.Error, OSError) as error:
            self._not_marked(error, "the last articles")
        own = self._own_records()
        # A mark that failed leaves a record the seen-store lacks: the next start must read this file again.
        if own is not None and not self.mark_failed:
            note_complete(own, self.state_dir)

    def _own_records(self) -> Path | None:
        stats = self.crawler.stats
        path = stats.get_value("jsonl/path") if stats is not None else None
        return Path(path) if path else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SEEN_ENABLED"):
            raise NotConfigured
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    @property
    def store(self) -> SeenStore:
        return seen_store(self.crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, Article):
            return item
        stats = self.crawler.stats
        assert stats is not None
        previous = self.store.get(item.canonical_url or item.url) or self.store.get(item.url)
        if previous is None or previous.kind != "article":
            return item
        if previous.record_id == item.id:
            stats.inc_value("seen/dropped/recorded")
            raise DropItem(f"already recorded: {item.url}")
        if previous.content_sha1 == item.content_sha1:
            self.store.touch(previous.url, time.time())
            stats.inc_value("seen/dropped/unchanged")
            raise DropItem(f"unchanged since {previous.fetched_at}: {item.url}")
        adapter = ItemAdapter(item)
        adapter["version"] = previous.version + 1
        adapter["previous_version_id"] = previous.record_id
        stats.inc_value("seen/new_version")
        return item

    def item_scraped(self, item: object, response: Response) -> None:
        if not isinstance(item, Article):
            return
        headers = response.headers
        entry = SeenEntry(
            url=item.url,
            record_id=item.id,
            fetched_at=item.fetched_at,
            content_sha1=item.content_sha1,
            published=item.published,
            etag=_header(headers.get("ETag")),
            last_modified=_header(headers.get("Last-Modified")),
            version=item.version,
            site=response.meta.get("site"),
            checked_at=time.time(),
        )
        aliases = [item.canonical_url or item.url, response.request.url if response.request else item.url,
                   *response.meta.get("redirect_urls", [])]
        stats = self.crawler.stats
        assert stats is not None
        try:
            self.store.mark(entry, aliases=aliases)
        except (sqlite3.Error, OSError) as error:  # this mark's write, or an earlier one's (written in batches)
            self._not_marked(error, item.url)
            return
        stats.inc_value("seen/marked/article")

    def _not_marked(self, error: BaseException, what: str) -> None:
        # The records are written; the next crawl's start-up reconciliation marks them from the records file.
        self.mark_failed = True
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("seen/mark_failed")
        if is_out_of_space(error):
            stop_for_space(self.crawler, out_of_space_text(f"marking {what} in the seen-store", error, self.state_dir))
        elif stats.get_value("seen/mark_failed") == 1:
            logger.error("Could not mark %s in the seen-store (%s); the next crawl marks it from its record",
                         what, error)


def _header(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None
