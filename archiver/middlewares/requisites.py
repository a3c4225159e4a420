"""Spider middleware that archives each HTML page's requisites and says in the page how complete it is."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import DeferredList

from archiver.capture.fetch import Outcome, RequisiteFetcher, RequisiteSettings, ignored_host
from archiver.capture.requisites import IMAGE, Requisite, absolute_url, page_requisites
from archiver.extract.parse import parse_html
from archiver.items import FetchedPage

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Missing requisites listed in one record; the count says how many there were.
MAX_LISTED_MISSING = 100


class RequisitesMiddleware:
    """Fetches what every 2xx HTML page (article or listing) needs to render, then lets the page on.

    The page's requests (links, feeds) pass at once; the ``FetchedPage`` waits until its
    requisites are archived or known missing, and carries ``capture`` (see
    ``capture_summary``) to the article record. Requisites do not go through the
    scheduler, so waiting pages never hold back the downloads they wait for.
    """

    def __init__(self, crawler: Crawler, config: RequisiteSettings) -> None:
        self.crawler = crawler
        self.config = config
        self.fetcher = RequisiteFetcher(crawler, config)

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
                held.append((item, deferred_from_coro(self.capture(item))))
            else:
                yield item
        for page, capture in held:
            page.capture = await maybe_deferred_to_future(capture)
            yield page

    async def capture(self, page: FetchedPage) -> dict[str, Any] | None:
        try:
            found = page.requisites
            if found is None:  # the spider made no analysis: the page is parsed here
                found = page_requisites(parse_html(page.body, page.encoding), page.url, self.config.discovery_limit)
            return capture_summary(*await self.fetch_all(found + record_images(page), referer=page.url))
        except Exception:  # noqa: BLE001 - the one boundary: requisites must never cost the page its record
            logger.warning("Could not capture the requisites of %s", page.url, exc_info=True)
            self.crawler.stats.inc_value("requisites/capture_failed")  # type: ignore[union-attr]
            return None

    async def fetch_all(self, found: list[Requisite], referer: str | None = None) -> tuple[int, list[Outcome], int]:
        """Fetch a page's requisites and, level by level, what its stylesheets and frames need.

        Returns (requisites found, outcomes, how many were not fetched because of a limit).
        """
        hosts = self.config.ignore_hosts
        seen: set[str] = set()
        outcomes: list[Outcome] = []
        total = not_fetched = 0
        level = found
        while level:
            batch = []
            for requisite in level:
                if requisite.url in seen or ignored_host(requisite.url, hosts):
                    continue
                seen.add(requisite.url)
                total += 1
                if len(batch) + len(outcomes) >= self.config.max_per_page or self.fetcher.over_limit(requisite.url):
                    not_fetched += 1
                else:
                    batch.append(requisite)
            results = await maybe_deferred_to_future(DeferredList(
                [deferred_from_coro(self.fetcher.outcome(r, referer)) for r in batch], consumeErrors=True))
            level_outcomes = [value for ok, value in results if ok]
            outcomes += level_outcomes
            level = [child for outcome in level_outcomes for child in outcome.children]
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("requisites/pages")
        stats.inc_value("requisites/uses", len(outcomes))
        if not_fetched or any(not o.archived for o in outcomes):
            stats.inc_value("requisites/pages_incomplete")
        return total, outcomes, not_fetched


def record_images(page: FetchedPage) -> list[Requisite]:
    """The images an article's record names (og:image, JSON-LD image), so each one resolves in the archive."""
    analysis = page.analysis
    if analysis is None or analysis.kind != "article":
        return []
    article = analysis.article
    urls = [article.lead_image, *article.images]
    return [Requisite(url, IMAGE) for url in filter(None, (absolute_url(u, page.url) for u in urls))]


def capture_summary(total: int, outcomes: list[Outcome], not_fetched: int) -> dict[str, Any]:
    """The record's ``capture`` field (schema 1.2): how complete the page's capture is."""
    missing = [{"url": o.url, "status": o.status, "reason": o.reason} for o in outcomes if not o.archived]
    archived = sum(o.archived for o in outcomes)
    return {
        "requisites": total,
        "archived": archived,
        "missing_count": len(missing),
        "missing": missing[:MAX_LISTED_MISSING],
        "not_fetched": not_fetched,
        "complete": not missing and not not_fetched,
    }
