"""Fetching requisites for the crawl: each URL once per crawl, through the downloader, failures as outcomes.

``RequisiteFetcher`` downloads a requisite with ``engine.download_async``: the request
passes every downloader middleware (the WARC capture middleware writes its records;
an unchanged payload becomes a revisit through the digest index) but not the spider,
the scheduler, the seen-store's article skip or the link-following scope. Pages that
share a stylesheet wait for the same single download. A download never raises: it
ends as an ``Outcome`` (archived, or missing with a status or a reason).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, error

from archiver.capture.requisites import FRAME, STYLESHEET, Requisite, page_requisites, stylesheet_requisites
from archiver.extract.parse import parse_html

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Why a requisite is missing (the record's capture.missing[].reason).
HTTP, TIMEOUT, TOO_BIG, REFUSED, DNS, ROBOTS, ERROR = "http", "timeout", "too-big", "refused", "dns", "robots", "error"


@dataclass
class Outcome:
    """One requisite URL's fetch: ``status`` of the final response (None: no response), why it failed."""

    url: str
    status: int | None = None
    reason: str | None = None  # None when archived
    children: list[Requisite] = field(default_factory=list)  # what a stylesheet or frame needs in turn

    @property
    def archived(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class RequisiteSettings:
    """The ``REQUISITES_*`` settings (see archiver/settings.py)."""

    enabled: bool
    max_per_page: int
    max_total: int
    max_size: int
    timeout: float
    retry_times: int
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
            retry_times=settings.getint("REQUISITES_RETRY_TIMES"),
            obey_robots=settings.getbool("REQUISITES_OBEY_ROBOTSTXT"),
            ignore_hosts=tuple(h.lower().lstrip(".") for h in settings.getlist("REQUISITES_IGNORE_HOSTS")),
        )


def failure_reason(failure: BaseException) -> str:
    """A short name for why a download failed (Scrapy 2.19's download errors, or Twisted's)."""
    text = str(failure).lower()
    if isinstance(failure, IgnoreRequest):
        return ROBOTS if "robots" in text else ERROR
    if isinstance(failure, (DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError, TimeoutError)):
        return TIMEOUT
    if isinstance(failure, (DownloadCancelledError, defer.CancelledError)) and "max size" in text:
        return TOO_BIG
    if isinstance(failure, (DownloadConnectionRefusedError, error.ConnectionRefusedError, ConnectionRefusedError)):
        return REFUSED
    if isinstance(failure, (error.DNSLookupError, CannotResolveHostError)) \
            or "dns lookup" in text:
        return DNS
    return ERROR


RETRIED = (TIMEOUT, REFUSED, ERROR)
# A host that cannot be resolved or refuses connections is not asked again in this crawl.
DEAD_HOST = (DNS, REFUSED)  # worth a second try; 404, too big, robots and DNS are not


def ignored_host(url: str, entries: tuple[str, ...]) -> bool:
    """Whether ``url`` is on an ignored host (or a subdomain), or under an ignored ``host/path`` prefix."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for entry in entries:
        entry_host, slash, path = entry.partition("/")
        if (host == entry_host or host.endswith("." + entry_host)) and (
                not slash or parts.path.startswith("/" + path)):
            return True
    return False


class RequisiteFetcher:
    """Fetches requisite URLs once per crawl; concurrent askers of one URL share its download."""

    def __init__(self, crawler: Crawler, config: RequisiteSettings) -> None:
        self.crawler = crawler
        self.config = config
        self._done: dict[str, Outcome] = {}
        self._waiting: dict[str, list[defer.Deferred[Outcome]]] = {}
        # host:port -> why it failed (dns, refused): its other requisites are missing at once, not asked for.
        self._dead_hosts: dict[str, str] = {}
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @property
    def fetched(self) -> int:
        return len(self._done) + len(self._waiting)

    def over_limit(self, url: str) -> bool:
        """The crawl's total is reached and this URL is not one of those already fetched."""
        return url not in self._done and url not in self._waiting and self.fetched >= self.config.max_total

    async def outcome(self, requisite: Requisite, referer: str | None = None) -> Outcome:
        """The requisite's fetch; ``referer`` is the page that needs it (sent as a browser would, for CDNs
        that refuse images to other sites)."""
        url = requisite.url
        if url in self._done:
            return self._done[url]
        if url in self._waiting:
            waiter: defer.Deferred[Outcome] = defer.Deferred()
            self._waiting[url].append(waiter)
            return await maybe_deferred_to_future(waiter)
        self._waiting[url] = []
        netloc = urlsplit(url).netloc
        if netloc in self._dead_hosts:
            outcome = Outcome(url, reason=self._dead_hosts[netloc])
        else:
            outcome = await self._download_with_retries(requisite, referer)
            if outcome.reason in DEAD_HOST:
                self._dead_hosts[netloc] = outcome.reason
        self._done[url] = outcome
        self._count(outcome)
        for waiter in self._waiting.pop(url):
            waiter.callback(outcome)
        return outcome

    def request(self, requisite: Requisite, referer: str | None = None) -> Request:
        config = self.config
        meta = {
            "requisite": requisite.kind,
            "allow_offsite": True,  # requisites live on CDNs; links to other sites are still not followed
            "dont_skip_seen": True,  # not an article: never skipped, never marked in the seen-store
            "download_maxsize": config.max_size,
            "download_timeout": config.timeout,
            "dont_retry": True,  # retried by _download_with_retries
            "dont_obey_robotstxt": not config.obey_robots,
        }
        headers = {"Accept": "*/*", **({"Referer": referer} if referer else {})}
        return Request(requisite.url, meta=meta, headers=headers, dont_filter=True)

    async def _download_with_retries(self, requisite: Requisite, referer: str | None) -> Outcome:
        """Retried here, not by RetryMiddleware: a missing requisite is recorded, not logged as a crawl error."""
        for attempt in range(self.config.retry_times + 1):
            try:
                outcome = await self._download(requisite, referer)
            except Exception as failure:  # noqa: BLE001 - a requisite never stops the page
                logger.debug("Requisite %s failed: %r", requisite.url, failure)
                outcome = Outcome(requisite.url, reason=failure_reason(failure))
            if outcome.reason not in RETRIED and not (outcome.status or 0) >= 500:
                break
        return outcome

    async def _download(self, requisite: Requisite, referer: str | None) -> Outcome:
        engine = self.crawler.engine
        assert engine is not None
        response: Response = await engine.download_async(self.request(requisite, referer))
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

    def _count(self, outcome: Outcome) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("requisites/archived" if outcome.archived else f"requisites/missing/{outcome.reason}")

    def response_received(self, response: Response, request: Request) -> None:
        """Requisite responses (redirects included) are not pages: counted apart."""
        if request.meta.get("requisite"):
            self.crawler.stats.inc_value("requisites/responses")  # type: ignore[union-attr]
