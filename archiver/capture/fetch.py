"""Fetching requisites for the crawl: each URL once per crawl, through the downloader, failures as outcomes.

``RequisiteFetcher`` downloads a requisite with ``engine.download_async``: the request
passes every downloader middleware (the WARC capture middleware writes its records;
an unchanged payload becomes a revisit through the digest index) but not the spider,
the scheduler, the seen-store's article skip or the link-following scope. Pages that
share a stylesheet wait for the same single download. A download never raises: it
ends as an ``Outcome`` (archived, or missing with a status or a reason).

Requisites never take the pages' place: they have their own download slots
(``archiver.capture.downloader``), their own concurrency (``REQUISITES_CONCURRENT_REQUESTS``
in all, ``REQUISITES_CONCURRENT_REQUESTS_PER_HOST`` per host), no back-off pauses, and a
host found dead is not asked again until its re-check (``archiver.capture.hosts``).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy import Request, signals
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer

from archiver.capture.hosts import HostGate
from archiver.capture.outcome import DNS, HTTP, RETRIED, TOO_BIG, Outcome, failure_reason
from archiver.capture.requisites import FRAME, STYLESHEET, Requisite, page_requisites, stylesheet_requisites
from archiver.extract.parse import parse_html

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# The request meta key the downloader (archiver.capture.downloader) and every middleware know requisites by.
REQUISITE_META = "requisite"


@dataclass(frozen=True)
class RequisiteSettings:
    """The ``REQUISITES_*`` settings (see archiver/settings.py)."""

    enabled: bool
    max_per_page: int
    max_total: int
    max_size: int
    timeout: float
    host_timeout: float
    page_wait: float
    retry_times: int
    concurrency: int
    concurrency_per_host: int
    host_recheck: float
    host_max_recheck: float
    obey_robots: bool
    ignore_hosts: tuple[str, ...]

    @property
    def discovery_limit(self) -> int:
        """Requisites read off one page: past the fetch limit they are still counted, as not fetched."""
        return self.max_per_page * 4

    @classmethod
    def from_settings(cls, settings: Any) -> RequisiteSettings:
        return cls(
            enabled=settings.getbool("REQUISITES_ENABLED"),
            max_per_page=settings.getint("REQUISITES_MAX_PER_PAGE"),
            max_total=settings.getint("REQUISITES_MAX_TOTAL"),
            max_size=settings.getint("REQUISITES_MAX_SIZE"),
            timeout=settings.getfloat("REQUISITES_TIMEOUT"),
            host_timeout=settings.getfloat("REQUISITES_HOST_TIMEOUT"),
            page_wait=settings.getfloat("REQUISITES_PAGE_WAIT"),
            retry_times=settings.getint("REQUISITES_RETRY_TIMES"),
            concurrency=settings.getint("REQUISITES_CONCURRENT_REQUESTS"),
            concurrency_per_host=settings.getint("REQUISITES_CONCURRENT_REQUESTS_PER_HOST"),
            host_recheck=settings.getfloat("REQUISITES_HOST_RECHECK"),
            host_max_recheck=settings.getfloat("REQUISITES_HOST_MAX_RECHECK"),
            obey_robots=settings.getbool("REQUISITES_OBEY_ROBOTSTXT"),
            ignore_hosts=tuple(h.lower().lstrip(".") for h in settings.getlist("REQUISITES_IGNORE_HOSTS")),
        )


class RequisiteFetcher:
    """Fetches requisite URLs once per crawl; concurrent askers of one URL share its download."""

    def __init__(self, crawler: Crawler, config: RequisiteSettings) -> None:
        self.crawler = crawler
        self.config = config
        self.done: dict[str, Outcome] = {}
        self._waiting: dict[str, list[defer.Deferred[Outcome]]] = {}
        self.hosts = HostGate(config.concurrency_per_host, config.host_recheck, config.host_max_recheck)
        self._slots = defer.DeferredSemaphore(max(1, config.concurrency))
        # Behind a proxy the proxy resolves host names: no lookup of our own first.
        self._resolve_first = not getproxies()
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    def spider_opened(self) -> None:
        """Tell the downloader how far behind requisites are (archiver.capture.downloader)."""
        downloader = getattr(self.crawler.engine, "downloader", None)
        if hasattr(downloader, "requisite_backlog"):
            downloader.requisite_backlog = lambda: len(self._waiting)

    @property
    def fetched(self) -> int:
        return len(self.done) + len(self._waiting)

    def over_limit(self, url: str) -> bool:
        """The crawl's total is reached and this URL is not one of those already fetched."""
        return url not in self.done and url not in self._waiting and self.fetched >= self.config.max_total

    def settled(self, url: str) -> Outcome | None:
        """The URL's outcome when known without waiting: fetched already, or on a host known down."""
        found = self.done.get(url)
        if found is None and url not in self._waiting:
            reason = self.hosts.down_reason(urlsplit(url).netloc)
            if reason is not None:
                found = self._finish(Outcome(url, reason=reason, requested=False))
        return found

    async def outcome(self, requisite: Requisite, referer: str | None = None) -> Outcome:
        """The requisite's fetch; ``referer`` is the page that needs it (sent as a browser would, for CDNs
        that refuse images to other sites)."""
        url = requisite.url
        known = self.settled(url)
        if known is not None:
            return known
        if url in self._waiting:
            waiter: defer.Deferred[Outcome] = defer.Deferred()
            self._waiting[url].append(waiter)
            return await maybe_deferred_to_future(waiter)
        self._waiting[url] = []
        try:
            outcome = await self._fetch(requisite, referer)
        except Exception as failure:  # noqa: BLE001 - a requisite never stops the page
            logger.warning("Requisite %s could not be fetched", url, exc_info=True)
            outcome = Outcome(url, reason=failure_reason(failure))
        self._finish(outcome)
        for waiter in self._waiting.pop(url):
            waiter.callback(outcome)
        return outcome

    def _finish(self, outcome: Outcome) -> Outcome:
        self.done[outcome.url] = outcome
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("requisites/archived" if outcome.archived else f"requisites/missing/{outcome.reason}")
        if not outcome.requested:
            stats.inc_value("requisites/host_down_skipped")
        return outcome

    async def _fetch(self, requisite: Requisite, referer: str | None) -> Outcome:
        """Wait for the host's turn (or learn it is down), then for a requisite download slot."""
        host = urlsplit(requisite.url).netloc
        turn = self.hosts.turn(host)
        if isinstance(turn, defer.Deferred):
            turn = await maybe_deferred_to_future(turn)
        if turn is not None:  # the host is down: no request
            return Outcome(requisite.url, reason=turn, requested=False)
        known_host = self.hosts.state(host).status == "up"
        answered, outcome, started = False, Outcome(requisite.url, reason="error"), self.hosts.clock()
        try:
            if not known_host and not await self._resolves(urlsplit(requisite.url).hostname or ""):
                outcome = Outcome(requisite.url, reason=DNS)
                return outcome
            await maybe_deferred_to_future(self._slots.acquire())
            started = self.hosts.clock()
            try:
                answered, outcome = await self._download_with_retries(requisite, referer, known_host)
            finally:
                self._slots.release()
        finally:
            self.hosts.done(host, started, answered, outcome.reason)
        return outcome

    async def _resolves(self, hostname: str) -> bool:
        """Whether a host not heard from yet has an address: a name that does not resolve (old ad servers,
        expired domains) costs a lookup, not a trip through the downloader. The answer is cached for the
        download that follows (Scrapy's DNS cache)."""
        if not self._resolve_first or not hostname:
            return True
        try:
            ipaddress.ip_address(hostname)
            return True
        except ValueError:
            pass
        from twisted.internet import reactor

        try:
            await maybe_deferred_to_future(reactor.resolve(hostname))  # type: ignore[attr-defined]
        except Exception as failure:  # noqa: BLE001 - any failure to resolve is the host's
            logger.debug("Requisite host %s does not resolve: %r", hostname, failure)
            return False
        return True

    def request(self, requisite: Requisite, referer: str | None = None, known_host: bool = True) -> Request:
        config = self.config
        meta = {
            REQUISITE_META: requisite.kind,
            "allow_offsite": True,  # requisites live on CDNs; links to other sites are still not followed
            "dont_skip_seen": True,  # not an article: never skipped, never marked in the seen-store
            "download_maxsize": config.max_size,
            # A host not heard from yet gets a shorter time to answer: that is how a dead one is learned.
            "download_timeout": config.timeout if known_host else min(config.timeout, config.host_timeout),
            "dont_retry": True,  # retried by _download_with_retries
            "dont_obey_robotstxt": not config.obey_robots,
            "autothrottle_dont_adjust_delay": True,  # their own slots, no delay (archiver.capture.downloader)
        }
        headers = {"Accept": "*/*", **({"Referer": referer} if referer else {})}
        return Request(requisite.url, meta=meta, headers=headers, dont_filter=True)

    async def _download_with_retries(self, requisite: Requisite, referer: str | None,
                                     known_host: bool) -> tuple[bool, Outcome]:
        """Retried here, at once, not by RetryMiddleware: a missing requisite is recorded, not a crawl error.
        Returns whether the host answered, and the outcome."""
        answered, outcome = False, Outcome(requisite.url, reason="error")
        for _attempt in range(self.config.retry_times + 1):
            try:
                outcome = await self._download(requisite, referer, known_host)
                answered = True
            except Exception as failure:  # noqa: BLE001 - a requisite never stops the page
                logger.debug("Requisite %s failed: %r", requisite.url, failure)
                outcome = Outcome(requisite.url, reason=failure_reason(failure))
                answered = outcome.reason == TOO_BIG  # cut at the size limit: the host did answer
            if outcome.reason not in RETRIED and not (outcome.status or 0) >= 500:
                break
        return answered, outcome

    async def _download(self, requisite: Requisite, referer: str | None, known_host: bool) -> Outcome:
        engine = self.crawler.engine
        assert engine is not None
        response: Response = await engine.download_async(self.request(requisite, referer, known_host))
        if not 200 <= response.status < 300:
            return Outcome(requisite.url, status=response.status, reason=HTTP)
        self.crawler.stats.inc_value("requisites/bytes", len(response.body))  # type: ignore[union-attr]
        return Outcome(requisite.url, status=response.status, children=self._children(requisite, response))

    def _children(self, requisite: Requisite, response: Response) -> list[Requisite]:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        limit = self.config.max_per_page
        if requisite.kind == STYLESHEET or "text/css" in content_type:
            return stylesheet_requisites(response.body.decode("utf-8", "replace"), response.url, limit)
        if requisite.kind == FRAME and "html" in content_type:
            return page_requisites(parse_html(response.body), response.url, limit)
        return []

    def response_received(self, response: Response, request: Request) -> None:
        """Any answer (a page's too) says its host is up. Requisite responses (redirects included) are not
        pages: counted apart."""
        self.hosts.answered(urlsplit(response.url).netloc)
        if request.meta.get(REQUISITE_META):
            self.crawler.stats.inc_value("requisites/responses")  # type: ignore[union-attr]
