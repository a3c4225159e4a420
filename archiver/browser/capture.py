"""What one browser-rendered page leaves behind, and how it goes into the WARC (no Playwright here).

Chromium hands over response bodies already decoded (gzip, br undone, chunking undone).
Such a body is stored as it is, with the HTTP headers made to agree with it (no
Content-Encoding, no Transfer-Encoding, a Content-Length restated), and the response
record says what was changed in ``WARC-Archiver-Transform``: pywb replays the body
as stored, and a reader of the archive knows it is not the bytes of the wire.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archiver.warc.records import Exchange, warc_date_now

if TYPE_CHECKING:
    from archiver.items import WarcPointer
    from archiver.warc.store import StoredFetch, WarcStore

SCREENSHOT_SCHEME = "urn:screenshot:"  # as Browsertrix names its page screenshots
# The DOM of a page whose own response was cut (it hung): what the record was extracted from.
DOM_SCHEME = "urn:dom:"
TRANSFORM_HEADER = "WARC-Archiver-Transform"
CREDENTIAL_HEADERS = {"cookie", "authorization", "proxy-authorization"}
# Connection-level or encoding headers that no longer describe a body the browser decoded.
DROPPED_HEADERS = {"content-encoding", "transfer-encoding"}


@dataclass
class BrowserCapture:
    """One page rendered in the browser: every exchange it made, its DOM and its screenshot."""

    url: str  # the page asked for
    exchanges: list[Exchange] = field(default_factory=list)
    main: int | None = None  # index in ``exchanges`` of the page's own (final) HTML response
    dom: bytes = b""  # page.content() after scripts ran and the page was scrolled, UTF-8
    screenshot: bytes | None = None  # full-page PNG
    screenshot_date: str = field(default_factory=warc_date_now)
    timed_out: bool = False  # cut at BROWSER_PAGE_TIMEOUT
    failed: list[dict[str, Any]] = field(default_factory=list)  # requests that got no response
    scrolls: int = 0

    @property
    def main_exchange(self) -> Exchange | None:
        return self.exchanges[self.main] if self.main is not None else None


@dataclass
class WrittenCapture:
    """Where a browser capture went: the page's own response, and its screenshot record."""

    main: StoredFetch | None
    screenshot: WarcPointer | None
    records: int
    revisits: int
    dom: WarcPointer | None = None


def browser_exchange(url: str, method: str, request_headers: list[tuple[str, str]], request_body: bytes,
                     status: int, reason: str | None, response_headers: list[tuple[str, str]], body: bytes,
                     *, ip_address: str | None = None, truncated: str | None = None,
                     warc_date: str | None = None, store_credentials: bool = False) -> Exchange:
    """An ``Exchange`` from what the browser reports, its headers made consistent with the decoded body."""
    if not store_credentials:
        request_headers = [(k, v) for k, v in request_headers if k.lower() not in CREDENTIAL_HEADERS]
    if not any(k.lower() == "host" for k, _ in request_headers):
        request_headers = [("Host", url.split("/", 3)[2].rsplit("@", 1)[-1]), *request_headers]
    headers, notes = consistent_headers(response_headers, len(body), truncated is not None)
    extra = {TRANSFORM_HEADER: "; ".join(["body as decoded by the browser", *notes])} if notes else {}
    return Exchange(url=url, method=method, request_headers=request_headers, request_body=request_body,
                    status=status, reason=reason or None, response_headers=headers, response_body=body,
                    ip_address=ip_address, truncated=truncated, extra_warc_headers=extra,
                    warc_date=warc_date or warc_date_now())


def consistent_headers(headers: list[tuple[str, str]], body_length: int,
                       truncated: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
    """Drop Content-Encoding/Transfer-Encoding and restate Content-Length; return the notes of what changed."""
    kept, notes = [], []
    for name, value in headers:
        lower = name.lower()
        if lower in DROPPED_HEADERS:
            notes.append(f"removed {name}: {value}")
        elif lower == "content-length" and not truncated and value.strip() != str(body_length):
            notes.append(f"Content-Length {value.strip()} restated as {body_length}")
            kept.append((name, str(body_length)))
        else:
            kept.append((name, value))
    return kept, notes


def write_capture(store: WarcStore, capture: BrowserCapture) -> WrittenCapture:
    """Write every exchange (deduplicated as any fetch) and the screenshot; runs on the WARC writer thread."""
    main: StoredFetch | None = None
    records = revisits = 0
    for index, exchange in enumerate(capture.exchanges):
        stored = store.store(exchange)
        records += stored.records
        revisits += stored.is_revisit
        if index == capture.main:
            main = stored
    screenshot = dom = None
    if capture.screenshot:
        screenshot = write_resource(store, capture, SCREENSHOT_SCHEME, capture.screenshot, "image/png")
        records += 1
    main_exchange = capture.main_exchange
    if capture.dom and main_exchange is not None and main_exchange.truncated:
        dom = write_resource(store, capture, DOM_SCHEME, capture.dom, "text/html; charset=utf-8")
        records += 1
    return WrittenCapture(main, screenshot, records, revisits, dom)


def write_resource(store: WarcStore, capture: BrowserCapture, scheme: str, payload: bytes,
                   content_type: str) -> WarcPointer:
    """A ``resource`` record about the page (``<scheme><page url>``), naming the page it was made from."""
    headers = {"WARC-Date": capture.screenshot_date}
    main = capture.main_exchange
    if main is not None:
        headers["WARC-Refers-To-Target-URI"] = main.url
    record = store.writer.builder.create_warc_record(
        scheme + (main.url if main else capture.url), "resource", payload=io.BytesIO(payload), length=len(payload),
        warc_content_type=content_type, warc_headers_dict=headers)
    [pointer] = store.writer.write_records([record])
    return pointer


def browser_summary(capture: BrowserCapture, written: WrittenCapture) -> dict[str, Any]:
    """The article record's ``browser`` field."""
    return {
        "timed_out": capture.timed_out,
        "requests": len(capture.exchanges),
        "failed": [dict(f) for f in capture.failed[:100]],
        "failed_count": len(capture.failed),
        "scrolls": capture.scrolls,
        "screenshot": dict(written.screenshot) if written.screenshot else None,
        "dom": dict(written.dom) if written.dom else None,
    }
