"""Spider middleware that archives each HTML page's requisites and says in the page how complete it is."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from archiver.capture.fetch import RequisiteFetcher, RequisiteSettings
from archiver.capture.page import PageCapture
from archiver.capture.requisites import IMAGE, Requisite, absolute_url, page_requisites
from archiver.extract.parse import parse_html
from archiver.record.items import FetchedPage
from archiver.scope.explain import ScopeLog
from archiver.scope.rules import RequisiteScope

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class RequisitesMiddleware:
    """Fetches what every 2xx HTML page (article or listing) needs to render, then lets the page on.

    The page's requests (links, feeds) pass at once; the ``FetchedPage`` waits until its
    requisites are archived or known missing, at most ``REQUISITES_PAGE_WAIT`` seconds, and
    carries ``capture`` (see ``archiver.capture.page``) to the article record. Requisites do
    not go through the scheduler nor take the pages' download slots
    (``archiver.capture.downloader``), so waiting pages never hold back the crawl.
    """

    def __init__(self, crawler: Crawler, config: RequisiteSettings) -> None:
        self.crawler = crawler
        self.config = config
        self.fetcher = RequisiteFetcher(crawler, config)
        self.scope_log = ScopeLog(crawler)
        self._scopes: dict[str, RequisiteScope] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = RequisiteSettings.from_settings(crawler.settings)
        if not config.enabled:
            raise NotConfigured
        return cls(crawler, config)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        held: list[tuple[FetchedPage, Any]] = []
        async for item in result:
            # A page rendered in browser mode had its requisites fetched and archived by the browser itself.
            if isinstance(item, FetchedPage) and 200 <= item.status < 300 and item.browser is None:
                held.append((item, self.capture(item, response)))
            else:
                yield item
        for page, capture in held:
            if isinstance(capture, defer.Deferred):
                with self._held(page):
                    capture = await maybe_deferred_to_future(capture)
            page.capture = capture
            yield page

    def capture(self, page: FetchedPage, response: Response) -> dict[str, Any] | None | defer.Deferred[Any]:
        """The page's capture summary, or a Deferred of it (fired within REQUISITES_PAGE_WAIT)."""
        try:
            found = page.requisites
            if found is None:  # the spider made no analysis: the page is parsed here
                found = page_requisites(parse_html(page.body, page.encoding), page.url, self.config.discovery_limit)
            site, scope = self._scope_of(response)

            def in_scope(url: str) -> bool:
                decision = scope.decide(url)
                if not decision.allowed:
                    self.scope_log.left_out(site, "requisites", url, decision)
                return decision.allowed

            capture = PageCapture(self.fetcher, page.url, in_scope)
            capture.add(found + record_images(page))
            self.crawler.stats.inc_value("requisites/pages")  # type: ignore[union-attr]
            result = capture.result(self.config.page_wait)
        except Exception:  # noqa: BLE001 - the one boundary: requisites must never cost the page its record
            logger.warning("Could not capture the requisites of %s", page.url, exc_info=True)
            self.crawler.stats.inc_value("requisites/capture_failed")  # type: ignore[union-attr]
            return None
        if isinstance(result, defer.Deferred):
            result.addCallback(self._counted_incomplete)
            return result
        return self._counted_incomplete(result)

    def _counted_incomplete(self, summary: dict[str, Any]) -> dict[str, Any]:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("requisites/uses", summary["archived"] + summary["missing_count"])
        if not summary["complete"]:
            stats.inc_value("requisites/pages_incomplete")
        return summary

    def _scope_of(self, response: Response) -> tuple[str, RequisiteScope]:
        """The requisite scope of the page's site (the spider's ``site_for``); any host when there is none."""
        spider = self.crawler.spider
        site_for = getattr(spider, "site_for", None)
        site = site_for(response.request) if site_for is not None else None
        name = site.name if site is not None else ""
        if name not in self._scopes:
            self._scopes[name] = (site.requisite_scope(self.config.ignore_hosts) if site is not None
                                  else RequisiteScope(ignore_hosts=self.config.ignore_hosts))
        return name, self._scopes[name]

    def _held(self, page: FetchedPage) -> _Held:
        return _Held(self.crawler, len(page.body))


class _Held:
    """While a page waits for its requisites, Scrapy's scraper slot counts its body against
    SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB) and stops new downloads past it; waiting is not work, so the
    limit is raised by the page's size for the (bounded) wait."""

    def __init__(self, crawler: Crawler, size: int) -> None:
        scraper = getattr(crawler.engine, "scraper", None)
        self.slot = getattr(scraper, "slot", None)
        self.size = max(size, 1024)

    def __enter__(self) -> None:
        if self.slot is not None and hasattr(self.slot, "max_active_size"):
            self.slot.max_active_size += self.size

    def __exit__(self, *exc: object) -> None:
        if self.slot is not None and hasattr(self.slot, "max_active_size"):
            self.slot.max_active_size -= self.size


def record_images(page: FetchedPage) -> list[Requisite]:
    """The images an article's record names (og:image, JSON-LD image), so each one resolves in the archive."""
    analysis = page.analysis
    if analysis is None or analysis.kind != "article":
        return []
    article = analysis.article
    urls = [article.lead_image, *article.images]
    return [Requisite(url, IMAGE) for url in filter(None, (absolute_url(u, page.url) for u in urls))]
