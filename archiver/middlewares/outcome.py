"""Downloader middleware (outermost) that counts how each fetch ended, for the crawl's exit code and summary.

It sees a request's final outcome, after retries and redirects: a response (counted,
5xx and 429 as errors) or a network failure that RetryMiddleware gave up on. Scrapy
has already said why in one line ("Gave up retrying ... Connection refused"); the
failure is then turned into ``IgnoreRequest`` so that neither the robots.txt
middleware nor the scraper adds a traceback for it. Stats:

- ``fetch/responses``, ``fetch/errors/http`` (5xx, 429), ``fetch/failed`` (network);
- ``fetch/start/requests``, ``fetch/start/failed``, ``fetch/start/failed_example`` (URL and reason).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Answers that mean the server failed us; 4xx (a 404's link rot) are the site's content.
ERROR_STATUSES = frozenset({429}) | frozenset(range(500, 600))


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

    def process_response(self, request: Request, response: Response) -> Response:
        self.stats.inc_value("fetch/responses")
        if response.status in ERROR_STATUSES:
            self.stats.inc_value("fetch/errors/http")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            return None
        self.stats.inc_value("fetch/failed")
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
