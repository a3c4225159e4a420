"""The Redis client for distributed mode, from settings: it rides out Redis outages instead of failing.

Every command (scripts and pipelines included) is retried on connection errors and
timeouts with exponential backoff, for as long as the outage lasts: a worker pauses at
its next Redis operation, says so in one log line, and carries on where it stopped when
Redis is back (one more line). Nothing it was doing is dropped, so no record is lost;
the operations it retries are idempotent (see ``queue.py``), so none is doubled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import TimeoutError
from redis.retry import Retry

from archiver.system.secrets import mask_url

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class Outage:
    """One process's view of Redis being unreachable (shared by all its clients: one line per outage)."""

    started: float | None = None  # monotonic time of the first failed retry
    url = ""
    recovery_hooks: list[Callable[[], None]] = []
    lock = threading.Lock()  # the reactor thread and the WARC writer thread both talk to Redis

    @classmethod
    def failed(cls, error: Exception, failures: int) -> None:
        # One refused or reset connection may be a stale socket (Redis restarted, idle connection
        # closed): reconnecting fixes it, and a second failure in a row makes it an outage. A
        # timeout has already cost REDIS_SOCKET_TIMEOUT: that is an outage at once.
        with cls.lock:
            if cls.started is not None or (failures < 2 and not isinstance(error, TimeoutError)):
                return
            cls.started = time.monotonic()
        logger.warning("Redis %s unreachable (%s): crawl paused, reconnecting with backoff until it is back",
                       mask_url(cls.url), mask_url(str(error)) or type(error).__name__)

    @classmethod
    def succeeded(cls) -> None:
        with cls.lock:
            if cls.started is None:
                return
            seconds, cls.started = time.monotonic() - cls.started, None
        logger.warning("Redis %s reachable again after %.1f s: crawl resumed", mask_url(cls.url), seconds)
        for hook in list(cls.recovery_hooks):
            try:
                hook()
            except Exception:  # a hook that fails must not turn recovery into a crash
                logger.exception("Could not reconcile with Redis after the outage")


class OutageRetry(Retry):
    """``Retry`` forever (``retries=-1``), reporting outages through ``Outage``."""

    def call_with_retry(self, do: Callable[[], Any], fail: Callable[..., Any], is_retryable: Any = None,
                        with_failure_count: bool = False) -> Any:
        retried = False

        def failed(error: Exception, failures: int) -> None:
            nonlocal retried
            retried = True
            Outage.failed(error, failures)
            fail(error, failures) if with_failure_count else fail(error)

        # Only a call that got through after failing ends the outage: another thread's call
        # may have had its reply just before the outage began. An error reply got through too:
        # a script call after a restart gets NOSCRIPT and is loaded again by a call that does
        # not fail, so the outage must end here or never.
        try:
            result = super().call_with_retry(do, failed, is_retryable, with_failure_count=True)
        except self._supported_errors:
            raise
        except Exception:
            if retried and Outage.started is not None:
                Outage.succeeded()
            raise
        if retried and Outage.started is not None:
            Outage.succeeded()
        return result


def redis_from_settings(settings: BaseSettings) -> Redis:
    """A client for ``REDIS_URL`` (bytes responses: payloads are binary-safe) that waits out outages."""
    url = settings.get("REDIS_URL")
    Outage.url = url
    backoff = ExponentialBackoff(cap=settings.getfloat("REDIS_RETRY_MAX_DELAY", 5.0), base=0.25)
    return Redis.from_url(
        url,
        retry=OutageRetry(backoff, retries=-1),
        # A network cut that drops packets without closing sockets shows as a timeout.
        socket_timeout=settings.getfloat("REDIS_SOCKET_TIMEOUT", 15.0),
        socket_connect_timeout=settings.getfloat("REDIS_SOCKET_TIMEOUT", 15.0),
        socket_keepalive=True,
    )


def redis_reachable(settings: BaseSettings) -> None:
    """Raise ``ConnectionError`` at once when Redis cannot be reached (no retries: for a worker's start)."""
    client = Redis.from_url(settings.get("REDIS_URL"), socket_timeout=5, socket_connect_timeout=5,
                            retry=Retry(ExponentialBackoff(), retries=0))
    try:
        client.ping()
    finally:
        client.close()


def redis_text(value: bytes | str | None) -> str | None:
    """A Redis reply as text (the client returns bytes: request payloads must stay binary-safe)."""
    return value.decode("utf-8") if isinstance(value, bytes) else value
