"""Downloader middleware (outermost) that counts how each fetch ended, for the crawl's exit code and summary.

It sees a request's final outcome, after retries and redirects: a response (counted,
5xx and 429 as errors) or a network failure that RetryMiddleware gave up on. Scrapy
has already said why in one line ("Gave up retrying ... Connection refused"); the
failure is then turned into ``IgnoreRequest`` so that neither the robots.txt
middleware nor the scraper adds a traceback for it. Stats:

- ``fetch/responses``, ``fetch/errors/http`` (5xx, 429), ``fetch/failed`` (network), and each by
  kind of fetch (``fetch/responses/page``, ``.../robots``, ``.../discovery``: sitemaps and feeds);
- ``fetch/redirects``: redirects followed on the way (not fetches of their own);
- ``fetch/start/requests``, ``fetch/start/failed``, ``fetch/start/failed_example`` (URL and reason).

Page requisites are not counted here (``requisites/*``, archiver.capture). ``FetchCounts`` reads
these stats back: the progress line, the crawl summary and the exit code's error rate all count
with it, so "errors" means the same everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Answers that mean the server failed us; 4xx (a 404's link rot) are the site's content.
ERROR_STATUSES = frozenset({429}) | frozenset(range(500, 600))
# Kinds of fetch: pages (HTML and documents), robots.txt, sitemaps and feeds (the spider marks
# those with meta["fetch_kind"] = "discovery"); summary words for each.
PAGE, ROBOTS, DISCOVERY = "page", "robots", "discovery"
KIND_WORDS = {ROBOTS: "robots.txt", DISCOVERY: "sitemaps and feeds"}


def fetch_kind(request: Request) -> str:
    kind = request.meta.get("fetch_kind")
    if kind:
        return str(kind)
    return ROBOTS if urlparse_cached(request).path == "/robots.txt" else PAGE


class FetchOutcomeMiddleware:
    def __init__(self, crawler: Crawler, retried: tuple[type[BaseException], ...]) -> None:
        self.crawler = crawler
        self.retried = retried  # what RetryMiddleware retries, and says it gave up on

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        retried = tuple(load_object(path) if isinstance(path, str) else path
                        for path in settings.getlist("RETRY_EXCEPTIONS")) if settings.getbool("RETRY_ENABLED") else ()
        return cls(crawler, retried)

    @property
    def stats(self):
        assert self.crawler.stats is not None
        return self.crawler.stats

    def process_request(self, request: Request) -> None:
        if _is_start(request) and not request.meta.get("fetch_outcome_counted"):
            request.meta["fetch_outcome_counted"] = True
            self.stats.inc_value("fetch/start/requests")
        redirects = int(request.meta.get("redirect_times", 0))
        if redirects > request.meta.get("fetch_redirects_counted", 0) and not request.meta.get("requisite"):
            request.meta["fetch_redirects_counted"] = redirects  # a retried request passes here again
            self.stats.inc_value("fetch/redirects")

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("requisite"):
            return response  # page requisites are counted apart (requisites/*), never as the crawl's errors
        kind = fetch_kind(request)
        self.stats.inc_value("fetch/responses")
        self.stats.inc_value(f"fetch/responses/{kind}")
        if response.status in ERROR_STATUSES:
            self.stats.inc_value("fetch/errors/http")
            self.stats.inc_value(f"fetch/errors/http/{kind}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or request.meta.get("requisite"):
            return None  # a failed requisite is recorded as missing by its fetcher (archiver.capture.fetch)
        self.stats.inc_value("fetch/failed")
        self.stats.inc_value(f"fetch/failed/{fetch_kind(request)}")
        reason = str(exception).strip().split("\n")[0][:200] or type(exception).__name__
        if _is_start(request):
            self.stats.inc_value("fetch/start/failed")
            self.stats.set_value("fetch/start/failed_example", f"{request.url}: {reason}")
        if not isinstance(exception, self.retried) or request.meta.get("dont_retry"):
            logger.error("Fetch failed: %s: %s", request.url, reason)
        # Otherwise said once already (RetryMiddleware's "Gave up retrying"); no traceback after it.
        raise IgnoreRequest(f"fetch failed: {request.url}") from exception


def _is_start(request: Request) -> bool:
    return request.meta.get("discovered_via") == "start"


@dataclass(frozen=True)
class FetchCounts:
    """The crawl's fetches as the stats above count them; one meaning for each word.

    A *fetch* is a request as it finally ended (after retries and redirects): a response, or a
    network failure. *Pages* are the page fetches that got a response; *other* fetches are robots.txt,
    sitemaps and feeds; *errors* are failed fetches plus 5xx/429 answers, of every kind. Page
    requisites are none of these (``requisites/*``).
    """

    stats: Mapping[str, Any]

    def _get(self, key: str) -> int:
        return int(self.stats.get(key, 0))

    @property
    def pages(self) -> int:
        return self._get(f"fetch/responses/{PAGE}")

    @property
    def other(self) -> dict[str, int]:
        """Responses that are not pages, by kind (robots, discovery)."""
        return {kind: self._get(f"fetch/responses/{kind}") for kind in KIND_WORDS if self._get(f"fetch/responses/{kind}")}

    @property
    def failed(self) -> int:
        return self._get("fetch/failed")

    @property
    def answered_errors(self) -> int:
        return self._get("fetch/errors/http")

    @property
    def fetches(self) -> int:
        return self._get("fetch/responses") + self.failed

    @property
    def errors(self) -> int:
        return self.failed + self.answered_errors

    @property
    def error_rate(self) -> float:
        return self.errors / self.fetches if self.fetches else 0.0

    @property
    def redirects(self) -> int:
        return self._get("fetch/redirects")

    def requisite_counts(self) -> tuple[int, int]:
        """Requisite URLs archived, and missing (every reason)."""
        missing = sum(int(v) for k, v in self.stats.items() if k.startswith("requisites/missing/"))
        return self._get("requisites/archived"), missing
