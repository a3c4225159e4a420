"""Downloader middleware that slows a site down when it answers 429/503 or fails: Retry-After, then backoff."""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


class BackoffMiddleware:
    """Pauses a site's download slot when it says it is overloaded, before its next request goes out.

    On a ``BACKOFF_HTTP_CODES`` response the slot waits ``Retry-After`` seconds when the
    server sends it, else ``BACKOFF_BASE_DELAY * 2**retries`` (also after a download
    error), capped at ``BACKOFF_MAX_DELAY``. The slot's delay stays raised; AutoThrottle
    (or, without it, the next successful response) brings it back down.
    """

    def __init__(self, crawler: Crawler, codes: set[int], base: float, ceiling: float,
                 exceptions: tuple[type[BaseException], ...] = (),
                 skipped: tuple[type[BaseException], ...] = ()) -> None:
        self.crawler = crawler
        self.exceptions = exceptions
        self.skipped = skipped
        self.codes = codes
        self.base = base
        self.ceiling = ceiling
        self.normal_delay: dict[str, float] = {}  # slot -> its delay before backing off

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("BACKOFF_ENABLED"):
            raise NotConfigured
        def classes(name: str) -> tuple[type[BaseException], ...]:
            return tuple(load_object(path) if isinstance(path, str) else path for path in settings.getlist(name))

        middleware = cls(crawler, {int(c) for c in settings.getlist("BACKOFF_HTTP_CODES")},
                         settings.getfloat("BACKOFF_BASE_DELAY"), settings.getfloat("BACKOFF_MAX_DELAY"),
                         classes("RETRY_EXCEPTIONS"), classes("BACKOFF_SKIP_EXCEPTIONS"))
        crawler.signals.connect(middleware.response_downloaded, signal=signals.response_downloaded)
        return middleware

    def response_downloaded(self, response: Response, request: Request) -> None:
        # The signal comes before the slot hands out its next request; process_response would be too late.
        if request.meta.get("requisite"):
            return  # requisites have slots of their own and learn dead hosts instead (archiver.capture.hosts)
        if response.status in self.codes:
            header = response.headers.get("Retry-After")
            wait = retry_after_seconds(header.decode("latin-1") if header else None)
            self.pause(request, wait if wait is not None else self.backoff(request), f"HTTP {response.status}")
        elif 200 <= response.status < 400:
            self.recover(request)

    def process_exception(self, request: Request, exception: Exception) -> None:
        # Only the network failures RetryMiddleware retries (IgnoreRequest and the like come here too).
        # A refused connection or unknown host costs the server nothing: retried without a pause.
        if request.meta.get("requisite"):
            return
        if isinstance(exception, self.exceptions) and not isinstance(exception, self.skipped):
            self.pause(request, self.backoff(request), type(exception).__name__)

    def backoff(self, request: Request) -> float:
        return self.base * 2 ** request.meta.get("retry_times", 0)

    def pause(self, request: Request, seconds: float, why: str) -> None:
        slot_key, slot = self._slot(request)
        if slot is None:
            return
        seconds = min(seconds, self.ceiling)
        self.normal_delay.setdefault(slot_key, slot.delay)
        slot.delay = max(slot.delay, seconds)
        # The next download of this slot waits at least `seconds`, whatever the jitter draws.
        slot.lastseen = time.monotonic() + seconds - slot.delay * max(0.0, 1 - slot.jitter)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("backoff/pauses")
        stats.max_value("backoff/max_delay", seconds)
        logger.info("%s from %s: waiting %.1f s before the next request to %s", why, request.url, seconds, slot_key)

    def recover(self, request: Request) -> None:
        slot_key, slot = self._slot(request)
        if slot is None or slot_key not in self.normal_delay:
            return
        if not self.crawler.settings.getbool("AUTOTHROTTLE_ENABLED"):  # AutoThrottle lowers it itself
            slot.delay = self.normal_delay[slot_key]
        del self.normal_delay[slot_key]

    def _slot(self, request: Request) -> tuple[str, Any]:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)
