"""Item pipeline that turns fetched pages into article records."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from archiver.extract import EXTRACTOR_VERSION, analyze_page
from archiver.items import Article, FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def body_sha1(body: str) -> str:
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


class ArticleExtractionPipeline:
    """Extracts an ``Article`` from each ``FetchedPage``; drops pages that are not articles."""

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
        if item.status != 200:
            raise DropItem(f"status {item.status}: {item.url}")
        page = item.analysis or analyze_page(item.body, item.url, encoding=item.encoding)
        if page.kind != "article":
            stats.inc_value(f"extract/skipped/{page.kind}")
            raise DropItem(f"not an article ({page.kind}): {item.url}")
        article = page.article
        fill_capture_fields(article, item)
        stats.inc_value("extract/articles")
        return article


def fill_capture_fields(article: Article, page: FetchedPage) -> Article:
    """Copy what the crawl knows (not the page) into the record."""
    adapter = ItemAdapter(article)
    adapter["url"] = page.url
    adapter["status"] = page.status
    adapter["fetched_at"] = page.fetched_at
    adapter["warc"] = page.warc
    adapter["id"] = page.warc["record_id"] if page.warc else None
    adapter["discovered_via"] = page.discovered_via
    adapter["news_sitemap"] = page.news_sitemap
    adapter["truncated"] = article.truncated or page.truncated
    adapter["content_sha1"] = body_sha1(article.body)
    adapter["extractor_version"] = EXTRACTOR_VERSION
    return article
