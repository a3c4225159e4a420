"""The news spider: finds articles through sitemaps, feeds and section pages, site by site."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.utils.defer import maybe_deferred_to_future
from w3lib.url import canonicalize_url

from archiver.analysis.pool import analysis_pool
from archiver.analysis.work import ALTERNATE_LINKS
from archiver.capture.fetch import RequisiteSettings
from archiver.capture.requisites import page_requisites
from archiver.discovery.feeds import parse_feed
from archiver.discovery.sitemaps import parse_sitemap, robots_sitemap_urls
from archiver.discovery.urls import clean_url
from archiver.discovery.xml import XmlTooLarge, xml_body
from archiver.extract import analyze_page
from archiver.record.items import FetchedPage
from archiver.record.build import fetched_page, is_feed_response, is_html_page
from archiver.scope.explain import ScopeLog
from archiver.scope.options import crawl_scope
from archiver.crawl.seen import next_feed_state, seen_store
from archiver.crawl.sites import Site, load_sites, site_from_urls

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

    from archiver.extract.text import Element

logger = logging.getLogger(__name__)

# Documents are worth archiving (a linked PDF report is part of the story);
# images, media and archives are left to a page-requisites pass.
FOLLOWED_EXTENSIONS = {"pdf"}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml")
# <html amp> or <html ⚡>: an AMP rendering, whose canonical page is the one to archive.
AMP_HTML = re.compile(rb"<html\b[^>]*?\s(?:amp|\xe2\x9a\xa1)(?:[\s=>/])", re.IGNORECASE)
# An article follows its links only when it is a start page: whether an article was reached by a
# link or by a feed first is a race, and the crawl's pages must not depend on it (one crawl profile).
ARTICLE_FOLLOWS_FROM = ("start",)


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """Accept start URLs as a list or as one comma- or space-separated string (``-a urls=``)."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [url.strip() for url in value if url.strip()]


class NewsSpider(Spider):
    """Crawls news sites; article pages go to the extraction pipeline.

    Arguments (``scrapy crawl news -a ...``): ``sites`` a sites file (TOML, see the
    README) and optionally ``site`` the names to crawl from it; or ``url``/``urls``
    start pages with ``allowed_domains`` (comma-separated; by default their hosts).
    """

    name = "news"

    def __init__(
        self,
        url: str | None = None,
        urls: str | list[str] | None = None,
        allowed_domains: str | list[str] | None = None,
        sites: str | None = None,
        site: str | None = None,
        crawl_scope: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        start_urls = split_urls(urls) + split_urls(url)
        # crawl_scope: the crawl's scope rules (--scope, SCOPE_*) for sites that do not set their own.
        self.sites: list[Site] = load_sites(sites, only=split_urls(site), crawl_scope=crawl_scope) if sites else []
        if start_urls:
            self.sites.append(site_from_urls(start_urls, split_urls(allowed_domains), crawl_scope))
        self.allowed_domains = sorted({d for s in self.sites for d in s.allowed_domains})
        # Scrapy's usual attribute (start() below does the work); the warcinfo record names them.
        self.start_urls = [url for s in self.sites for url in s.start]
        self._by_name = {s.name: s for s in self.sites}
        # Scope is OffsiteMiddleware's job (it compares host names; LinkExtractor's
        # allow_domains compares host:port and would drop every link of a site on a port).
        self.link_extractor = LinkExtractor(deny_extensions=sorted(set(IGNORED_EXTENSIONS) - FOLLOWED_EXTENSIONS))
        self._requisites: RequisiteSettings | None = None  # read from the settings at the first page
        self.scope_log: ScopeLog | None = None  # set by from_crawler (it needs the stats)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        kwargs.setdefault("crawl_scope", crawl_scope(crawler.settings))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.scope_log = ScopeLog(crawler)
        # Per-site politeness: the settings are not frozen until the spider exists.
        slots = {host: conf for site in spider.sites for host, conf in site.slot_settings().items()}
        if slots:
            merged = {**crawler.settings.getdict("DOWNLOAD_SLOTS"), **slots}
            crawler.settings.set("DOWNLOAD_SLOTS", merged, priority="spider")
        # robots.txt is fetched once, by RobotsTxtMiddleware; its Sitemap: lines come from there.
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    # -- start

    async def start(self) -> AsyncIterator[Request]:
        if not self.sites:
            raise ValueError("no start URL: pass -a url=https://example.com/ (or -a urls=a,b, or -a sites=sites.toml)")
        revisit_days = self.settings.getfloat("SEEN_REVISIT_DAYS")
        for site in self.sites:
            for url in site.sitemaps:
                if self._due(url):
                    yield self.xml_request(url, site, "sitemap")
            for url in site.feeds:
                if self._due(url):
                    yield self.xml_request(url, site, "feed")
            for url in site.start:
                yield Request(url, callback=self.parse, meta=self._page_meta(site, "start", dont_skip_seen=True))
            if site.robots_sitemaps and not self.settings.getbool("ROBOTSTXT_OBEY"):
                for host_url in {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in site.urls}:
                    yield Request(host_url + "/robots.txt", callback=self.parse_robots,
                                  meta=self._meta(site, "robots", dont_skip_seen=True, fetch_kind="robots"))
            if revisit_days > 0:
                for entry in seen_store(self.crawler).recent(revisit_days, site.name):
                    yield Request(entry.url, callback=self.parse, meta=self._page_meta(site, "revisit"))

    def xml_request(self, url: str, site: Site, via: str) -> Request:
        # fetch_kind: counted apart from pages in the summary (archiver.middlewares.outcome)
        return Request(url, callback=self.parse_xml,
                       meta=self._meta(site, via, dont_skip_seen=True, fetch_kind="discovery"))

    def _meta(self, site: Site, via: str, **extra: Any) -> dict[str, Any]:
        return {"site": site.name, "discovered_via": via, **extra}

    def _page_meta(self, site: Site, via: str, **extra: Any) -> dict[str, Any]:
        """Meta of a page request: rendered in the browser when the site or the crawl says so."""
        meta = self._meta(site, via, **extra)
        if site.browser or self.settings.getbool("BROWSER_ENABLED"):
            meta["browser"] = True
        return meta

    # -- robots.txt

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Queue the Sitemap: URLs of a robots.txt RobotsTxtMiddleware has just read."""
        site = self.site_for(request)
        if site is None or not site.robots_sitemaps:
            return
        host_url = f"{urlsplit(request.url).scheme}://{urlsplit(request.url).netloc}/robots.txt"
        for url in _robots_sitemaps(robotparser, host_url):
            if site.in_scope(url) and self._due(url):
                self.crawler.engine.crawl(self.xml_request(url, site, "robots"))

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """robots.txt fetched by the spider itself (only when ROBOTSTXT_OBEY is off)."""
        site = self.site_for(response.request)
        if site is None or response.status != 200:
            return
        lines = response.body.decode("utf-8", "replace").splitlines()
        for url in robots_sitemap_urls(lines, response.url):
            if site.in_scope(url) and self._due(url):
                yield self.xml_request(url, site, "robots")

    # -- pages

    def _requisites_limit(self, page: FetchedPage) -> int | None:
        """How many requisites to read off the tree the analysis parses, for the requisites middleware
        (one parse per page instead of two); None when the middleware will not fetch them."""
        if self._requisites is None:
            self._requisites = RequisiteSettings.from_settings(self.settings)
        config = self._requisites
        if not config.enabled or page.browser is not None or not 200 <= page.status < 300:
            return None
        return config.discovery_limit

    async def _analyse(self, page: FetchedPage, response: Response) -> list[tuple[str, str]] | None:
        """The page's analysis (and requisites) into ``page``: in the analysis pool's processes
        (``archiver.analysis``) while this thread goes on with other responses, or here when
        ``ANALYSIS_WORKERS`` is 0. A worker also reads the page's alternate links (returned; None: not read)."""
        limit = self._requisites_limit(page)
        pool = analysis_pool(self.crawler)
        if pool is None:
            def read(tree: Element) -> None:
                page.requisites = page_requisites(tree, page.url, limit)  # type: ignore[arg-type]

            page.analysis = analyze_page(page.body, page.url, encoding=page.encoding,
                                         read_tree=read if limit is not None else None)
            return None
        encoding = response.encoding if isinstance(response, TextResponse) else None
        done = await maybe_deferred_to_future(pool.analyse(page.body, page.url, page.encoding, limit, encoding))
        for name, level, message in done.logs:  # what the analysis logged, in this crawl's log
            logging.getLogger(name).log(level, "%s", message)
        if done.requisites is not None:
            page.requisites = done.requisites
        page.analysis = done.analysis
        return done.alternates

    @staticmethod
    def _alternates(response: Response) -> list[tuple[str, str]]:
        """The page's ``<link rel="alternate" href>`` as (type, absolute URL)."""
        return [(link.attrib.get("type") or "", response.urljoin(link.attrib["href"]))
                for link in response.xpath(ALTERNATE_LINKS)]

    async def parse(self, response: Response) -> AsyncIterator[Request | FetchedPage]:
        if response.status == 304:
            return  # a revisit found the article unchanged (archiver.middlewares.seen)
        if isinstance(response, XmlResponse) or is_feed_response(response):
            for request in self.parse_xml(response):
                yield request
            return
        if not is_html_page(response):
            # PDFs, images, ...: archived by the capture middleware, nothing to extract; the summary counts them
            if response.status == 200:  # other answers are counted by their status (FetchOutcomeMiddleware)
                self.crawler.stats.inc_value("extract/not_read/not-html")
            return
        site = self.site_for(response.request)
        page = fetched_page(response)
        alternates = None
        if self.settings.getbool("SPIDER_PAGE_ANALYSIS"):
            alternates = await self._analyse(page, response)
        canonical = page.analysis.article.canonical_url if page.analysis else None
        is_amp = AMP_HTML.search(response.body[:4096]) is not None
        if is_amp and canonical and canonicalize_url(canonical) != canonicalize_url(response.url):
            # An AMP page: archive the canonical article instead of extracting this rendering.
            self.crawler.stats.inc_value("discovery/amp_to_canonical")
            self.crawler.stats.inc_value("extract/not_read/amp")
            yield Request(clean_url(canonical), callback=self.parse, meta={
                k: v for k, v in response.meta.items() if k in ("site", "discovered_via", "news_sitemap", "browser")})
            return
        yield page
        if site is None:
            return
        for kind, url in alternates if alternates is not None else self._alternates(response):
            if kind.lower() in FEED_TYPES and site.in_scope(url) and self._due(url):
                yield self.xml_request(url, site, "feed")
        if not self._follows_links(site, response, page):
            return
        for link in self.link_extractor.extract_links(response):
            url = clean_url(link.url)
            if self._follows(site, url):
                yield Request(url, callback=self.parse, meta=self._page_meta(site, "link"))

    def _follows_links(self, site: Site, response: Response, page: FetchedPage) -> bool:
        """Links are followed from listing pages and start pages; other articles are leaves."""
        if site.depth is not None and response.meta.get("depth", 0) >= site.depth:
            return False
        if page.analysis is None:
            return True  # without analysis every page is treated as a listing
        return page.analysis.kind != "article" or response.meta.get("discovered_via") in ARTICLE_FOLLOWS_FROM

    # -- sitemaps and feeds

    def parse_xml(self, response: Response) -> Iterator[Request]:
        """A sitemap, sitemap index or feed (told apart by their root element)."""
        site = self.site_for(response.request)
        stats = self.crawler.stats
        if site is None or response.status != 200:
            return
        try:
            body = xml_body(response.body, self.settings.getint("DISCOVERY_MAX_XML_SIZE"))
        except XmlTooLarge as exc:
            logger.warning("Ignoring %s: %s", response.url, exc)
            stats.inc_value("discovery/xml_too_large")
            return
        except zlib.error as exc:
            logger.warning("Ignoring %s: broken gzip (%s)", response.url, exc)
            stats.inc_value("discovery/xml_broken")
            return
        max_entries = self.settings.getint("DISCOVERY_MAX_ENTRIES")
        cutoff = datetime.now(timezone.utc) - site.max_age if site.max_age else None
        sitemap = parse_sitemap(body, response.url, max_entries)
        if sitemap.truncated:
            stats.inc_value("discovery/sitemap_truncated")
        if sitemap.kind == "sitemapindex":
            urls = []
            for entry in sitemap.entries:
                # A child sitemap unchanged since the cutoff lists nothing newer.
                if cutoff and entry.lastmod and entry.lastmod < cutoff:
                    stats.inc_value("discovery/too_old/sitemap")
                elif site.in_scope(entry.url) and self._due(entry.url):
                    urls.append(entry.url)
                    yield self.xml_request(entry.url, site, "sitemap")
            self._note_feed(response.url, urls, site)
            return
        if sitemap.kind == "urlset":
            stats.inc_value("discovery/sitemaps")
            found = [(e.url, e.date, "news-sitemap" if e.news else "sitemap", e.news) for e in sitemap.entries]
        else:
            entries = parse_feed(body, response.url, max_entries)
            stats.inc_value("discovery/feeds" if entries else "discovery/xml_unknown")
            found = [(e.url, e.published, "feed", None) for e in entries]
        self._note_feed(response.url, [url for url, *_ in found], site)
        for url, date, via, news in found:
            if cutoff and date and date < cutoff:
                stats.inc_value("discovery/too_old")  # never fetched: the sitemap/feed dates it
                continue
            url = clean_url(url)
            if self._follows(site, url):
                yield Request(url, callback=self.parse, meta=self._page_meta(site, via, news_sitemap=news))

    # -- adaptive refetching of feeds and sitemaps (archiver schedule)

    def _due(self, url: str) -> bool:
        """With DISCOVERY_ADAPTIVE, a feed or sitemap unchanged for a while is read less often."""
        if not self.settings.getbool("DISCOVERY_ADAPTIVE"):
            return True
        state = seen_store(self.crawler).feed_state(url)
        if state is None or time.time() >= state.checked_at + state.interval:
            return True
        self.crawler.stats.inc_value("discovery/not_due")
        return False

    def _note_feed(self, url: str, entry_urls: list[str], site: Site) -> None:
        if not self.settings.getbool("DISCOVERY_ADAPTIVE"):
            return
        store = seen_store(self.crawler)
        signature = hashlib.sha1("\n".join(sorted(entry_urls)).encode()).hexdigest()
        store.save_feed_state(next_feed_state(store.feed_state(url), url, signature, time.time(),
                                              site.interval.total_seconds(),
                                              self.settings.getfloat("DISCOVERY_MAX_BACKOFF")))

    # -- helpers

    def _follows(self, site: Site, url: str) -> bool:
        """Whether a discovered URL is in the site's page scope; what is left out is counted and logged."""
        decision = site.page_scope.decide(url)
        if not decision.allowed and self.scope_log is not None:
            self.scope_log.left_out(site.name, "pages", url, decision)
        return decision.allowed

    def site_for(self, request: Request | None) -> Site | None:
        """The site a request belongs to: its ``site`` meta key, else the first site whose scope has it."""
        if request is None:
            return None
        site = self._by_name.get(request.meta.get("site", ""))
        if site is None:
            site = next((s for s in self.sites if s.in_scope(request.url)), None)
        return site


def _robots_sitemaps(robotparser: Any, robots_url: str) -> list[str]:
    """Sitemap: URLs from a parser of ROBOTSTXT_PARSER (Protego, by default, keeps them)."""
    parser = getattr(robotparser, "rp", None)
    if parser is not None and hasattr(parser, "sitemaps"):  # Protego
        found = list(parser.sitemaps)
    elif parser is not None and hasattr(parser, "site_maps"):  # urllib.robotparser
        found = list(parser.site_maps() or [])
    else:
        found = []
    return list(dict.fromkeys(urljoin(robots_url, url) for url in found))


