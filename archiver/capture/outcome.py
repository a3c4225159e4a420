"""How one requisite fetch ended: archived, or missing with a status or a reason (the record's words)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from twisted.internet import defer, error

from archiver.capture.requisites import Requisite

# Why a requisite is missing (the record's capture.missing[].reason).
HTTP, TIMEOUT, TOO_BIG, REFUSED, DNS, ROBOTS, ERROR = "http", "timeout", "too-big", "refused", "dns", "robots", "error"
TLS, UNREACHABLE = "tls", "unreachable"
# Failures that say the host, not the URL, is gone: the host is taken as down and its other requisites
# are recorded missing with the same reason, without a request (archiver.capture.hosts).
HOST_DOWN = frozenset({DNS, REFUSED, UNREACHABLE, TLS, TIMEOUT})
# Failures worth asking the same URL again, at once: a dropped connection, a server error.
RETRIED = frozenset({ERROR})

# Why a requisite was not fetched (capture.not_fetched_reasons): a per-page or per-crawl limit, or
# still being fetched when the page's wait (REQUISITES_PAGE_WAIT) ended.
LIMIT, PENDING = "limit", "pending"


@dataclass
class Outcome:
    """One requisite URL's fetch: ``status`` of the final response (None: no response), why it failed."""

    url: str
    status: int | None = None
    reason: str | None = None  # None when archived
    requested: bool = True  # False: not asked for, its host being known down (reason says why)
    children: list[Requisite] = field(default_factory=list)  # what a stylesheet or frame needs in turn

    @property
    def archived(self) -> bool:
        return self.reason is None

    def missing_entry(self) -> dict[str, object]:
        entry: dict[str, object] = {"url": self.url, "status": self.status, "reason": self.reason}
        if not self.requested:
            entry["requested"] = False
        return entry


def _causes(failure: BaseException) -> list[BaseException]:
    """The failure and what caused it (Scrapy wraps Twisted's errors, which wrap OpenSSL's)."""
    found: list[BaseException] = []
    while failure is not None and len(found) < 8:
        found.append(failure)
        nested = getattr(failure, "reasons", None)  # twisted.web's ResponseNeverReceived([Failure])
        if nested:
            found += [getattr(f, "value", f) for f in nested if isinstance(getattr(f, "value", f), BaseException)]
        failure = failure.__cause__ or failure.__context__  # type: ignore[assignment]
    return found


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
    if isinstance(failure, (error.DNSLookupError, CannotResolveHostError)) or "dns lookup" in text:
        return DNS
    causes = _causes(failure)
    if any("ssl" in type(c).__module__.lower() or "tls" in str(c).lower() or "ssl" in str(c).lower()
           or "certificate" in str(c).lower() for c in causes):
        return TLS
    if any(isinstance(c, (error.NoRouteError, error.ConnectError)) and not isinstance(c, error.ConnectionRefusedError)
           for c in causes) or "unreachable" in text:
        return UNREACHABLE
    return ERROR
