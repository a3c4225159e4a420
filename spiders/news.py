"""The news spider: follows a site's links and feeds from its start pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from w3lib.encoding import http_content_type_encoding

from archiver.feeds import feed_links
from archiver.items import FetchedPage

# Documents are worth archiving (a linked PDF report is part of the story);
# images, media and archives are left to a page-requisites pass.
FOLLOWED_EXTENSIONS = {"pdf"}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml")


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """Accept start URLs as a list or as one comma- or space-separated string (``-a urls=``)."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [url.strip() for url in value if url.strip()]


def domains_of(urls: Iterable[str]) -> list[str]:
    return sorted({(urlsplit(url).hostname or "").lower() for url in urls} - {""})


class NewsSpider(Spider):
    """Crawls news sites from start pages; article pages go to the extraction pipeline.

    Arguments (``scrapy crawl news -a url=https://example.com/``):
    ``url``/``urls`` start pages; ``allowed_domains`` (comma-separated), by default
    the start pages' hosts.
    """

    name = "news"

    def __init__(
        self,
        url: str | None = None,
        urls: str | list[str] | None = None,
        allowed_domains: str | list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_urls = split_urls(urls) + split_urls(url)
        self.allowed_domains = split_urls(allowed_domains) or domains_of(self.start_urls)
        # Scope is OffsiteMiddleware's job (it compares host names; LinkExtractor's
        # allow_domains compares host:port and would drop every link of a site on a port).
        self.link_extractor = LinkExtractor(
            deny_extensions=sorted(set(IGNORED_EXTENSIONS) - FOLLOWED_EXTENSIONS),
        )

    async def start(self) -> AsyncIterator[Request]:
        if not self.start_urls:
            raise ValueError("no start URL: pass -a url=https://example.com/ (or -a urls=a,b)")
        for url in self.start_urls:
            yield Request(url, callback=self.parse, meta={"discovered_via": "start"})

    def parse(self, response: Response) -> Iterator[Request | FetchedPage]:
        if isinstance(response, XmlResponse) or _is_feed(response):
            yield from self.parse_feed(response)
            return
        if not isinstance(response, HtmlResponse):
            return  # PDFs, images, ...: archived by the capture middleware, nothing to extract
        yield self.fetched_page(response)
        for href in response.xpath("//link[@rel='alternate'][@href]"):
            if (href.attrib.get("type") or "").lower() in FEED_TYPES:
                yield response.follow(href.attrib["href"], callback=self.parse_feed,
                                      meta={"discovered_via": "feed"})
        for link in self.link_extractor.extract_links(response):
            yield Request(link.url, callback=self.parse, meta={"discovered_via": "link"})

    def parse_feed(self, response: Response) -> Iterator[Request]:
        for url in feed_links(response.body, response.url):
            yield Request(url, callback=self.parse, meta={"discovered_via": "feed"})

    def fetched_page(self, response: HtmlResponse) -> FetchedPage:
        meta = response.meta
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        return FetchedPage(
            url=response.url,
            status=response.status,
            body=response.body,
            encoding=http_content_type_encoding(content_type),
            fetched_at=_iso_from_warc_date(meta.get("warc_date")),
            warc=meta.get("warc_pointer"),
            discovered_via=meta.get("discovered_via"),
            truncated="dataloss" in response.flags,
        )


def _is_feed(response: Response) -> bool:
    if not isinstance(response, TextResponse):
        return False
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return any(kind in content_type for kind in ("rss", "atom", "/xml"))


def _iso_from_warc_date(warc_date: str | None) -> str:
    """The fetch time as ISO 8601 UTC: the WARC-Date of the response record when there is one."""
    if warc_date:
        return warc_date
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
