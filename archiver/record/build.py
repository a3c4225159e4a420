"""From a fetched response to an article record: the one code path the crawl and ``reextract`` share.

The crawl runs it on live responses (``spiders/news.py`` makes the ``FetchedPage``,
``pipelines/extract.py`` decides); ``archiver reextract`` runs it on responses read
back from WARC files. Keeping both on these functions is what makes a re-extraction
reproduce the crawl's records and its article/not-article decisions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse, Response, TextResponse
from w3lib.encoding import http_content_type_encoding

from archiver.extract import EXTRACTOR_VERSION, analyze_page
from archiver.record.items import Article, FetchedPage
from archiver.system.domains import registrable_domain

# Record fields only the crawl knows: a WARC response cannot give them back, so
# ``reextract`` carries them over from the existing record with the same id.
CRAWL_ONLY_FIELDS = ("discovered_via", "news_sitemap", "version", "previous_version_id", "browser", "capture")

# The only status the extraction pipeline makes records from.
ARTICLE_STATUS = 200


def body_sha1(body: str) -> str:
    return hashlib.sha1(body.encode("utf-8")).hexdigest()


def is_feed_response(response: Response) -> bool:
    """An RSS/Atom/XML document served as text: parsed for links, never extracted."""
    if not isinstance(response, TextResponse):
        return False
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return any(kind in content_type for kind in ("rss", "atom", "/xml"))


def is_html_page(response: Response) -> bool:
    """Whether the spider hands this response to extraction (HTML, not a feed)."""
    return isinstance(response, HtmlResponse) and not is_feed_response(response)


def fetched_page(response: Response) -> FetchedPage:
    """The ``FetchedPage`` of an HTML response; WARC pointer and date come from ``response.meta``."""
    meta = response.meta
    content_type = response.headers.get("Content-Type", b"").decode("latin-1")
    return FetchedPage(
        url=response.url,
        status=response.status,
        body=response.body,
        encoding=http_content_type_encoding(content_type),
        fetched_at=iso_from_warc_date(meta.get("warc_date")),
        warc=meta.get("warc_pointer"),
        discovered_via=meta.get("discovered_via"),
        news_sitemap=meta.get("news_sitemap"),
        browser=meta.get("browser_summary"),
        # Cut off by the server (data loss) or by WARC_MAX_PAYLOAD_SIZE.
        truncated="dataloss" in response.flags or bool(meta.get("warc_truncated")),
    )


def iso_from_warc_date(warc_date: str | None) -> str:
    """The fetch time as ISO 8601 UTC: the WARC-Date of the response record when there is one."""
    if warc_date:
        return warc_date
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Decision:
    """What a page is (``article``, ``listing``, ``other``, or ``status`` for a non-200) and its record."""

    kind: str
    article: Article | None = None
    reason: str = ""  # the page-kind signal (or gate) that decided it


def decide(page: FetchedPage) -> Decision:
    """The crawl's decision for one page: an article record, or the reason there is none."""
    if page.status != ARTICLE_STATUS:
        return Decision("status")
    # The spider may have analysed the page already (to decide which links to follow).
    analysis = page.analysis or analyze_page(page.body, page.url, encoding=page.encoding)
    if analysis.kind != "article":
        return Decision(analysis.kind, reason=analysis.reason)
    return Decision("article", fill_capture_fields(analysis.article, page), reason=analysis.reason)


def fill_capture_fields(article: Article, page: FetchedPage) -> Article:
    """Copy what the crawl knows (not the page) into the record."""
    adapter = ItemAdapter(article)
    adapter["url"] = page.url
    adapter["site"] = registrable_domain(page.url)
    adapter["status"] = page.status
    adapter["fetched_at"] = page.fetched_at
    adapter["warc"] = page.warc
    adapter["capture"] = page.capture
    adapter["id"] = page.warc["record_id"] if page.warc else None
    adapter["discovered_via"] = page.discovered_via
    adapter["news_sitemap"] = page.news_sitemap
    adapter["browser"] = page.browser
    adapter["truncated"] = article.truncated or page.truncated
    adapter["content_sha1"] = body_sha1(article.body)
    adapter["extractor_version"] = EXTRACTOR_VERSION
    return article
