"""The news spider: follows a site's links and feeds from its start pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor

from archiver.feeds import feed_links
from archiver.items import FetchedPage
from archiver.records import fetched_page, is_feed_response, is_html_page

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
        if isinstance(response, XmlResponse) or is_feed_response(response):
            yield from self.parse_feed(response)
            return
        if not is_html_page(response):
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

    def fetched_page(self, response: Response) -> FetchedPage:
        # Shared with `archiver reextract` (archiver.records), so both make the same page.
        return fetched_page(response)
