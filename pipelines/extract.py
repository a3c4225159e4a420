"""Item pipeline that turns fetched pages into article records."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import DropItem

from archiver.record.items import FetchedPage
from archiver.record.build import body_sha1, decide, fill_capture_fields

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

__all__ = ["ArticleExtractionPipeline", "body_sha1", "fill_capture_fields"]

logger = logging.getLogger(__name__)


class ArticleExtractionPipeline:
    """Extracts an ``Article`` from each ``FetchedPage``; drops pages that are not articles.

    The decision itself is ``archiver.record.build.decide``, shared with ``archiver reextract``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedPage):
            return item
        stats = self.crawler.stats
        assert stats is not None
        decision = decide(item)
        if decision.kind == "status":
            raise DropItem(f"status {item.status}: {item.url}")
        # Every page's kind with the signal that decided it ("extract/kind/listing/teasers-in-story").
        stats.inc_value(f"extract/kind/{decision.kind}/{decision.reason or 'unknown'}")
        if decision.article is None:
            stats.inc_value(f"extract/skipped/{decision.kind}")
            raise DropItem(f"not an article ({decision.kind}, {decision.reason}): {item.url}")
        stats.inc_value("extract/articles")
        return decision.article
