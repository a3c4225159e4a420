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
from functools import partial
from typing import TYPE_CHECKING, Any

from archiver.warc.records import Exchange, build_conversion_record, http_protocol, warc_date_now

if TYPE_CHECKING:
    from warcio.recordloader import ArcWarcRecord

    from archiver.record.items import WarcPointer
    from archiver.warc.store import StoredFetch, WarcStore

SCREENSHOT_SCHEME = "urn:screenshot:"  # as Browsertrix names its page screenshots
TRANSFORM_HEADER = "WARC-Archiver-Transform"
# The DOM after scripts and scrolling, what the record is extracted from: a ``conversion`` record of the
# page's own response (``WARC-Refers-To``) written right after its request, named by this header. Older
# archives have it only for pages that were cut, as a ``resource`` record ``urn:dom:<url>``.
CONVERSION_HEADER = "WARC-Archiver-Conversion"
RENDERED_DOM = "rendered-dom"
DOM_CONTENT_TYPE = "text/html; charset=utf-8"
CREDENTIAL_HEADERS = {"cookie", "authorization", "proxy-authorization"}
# Connection-level or encoding headers that no longer describe a body the browser decoded.
DROPPED_HEADERS = {"content-encoding", "transfer-encoding"}
# Headers of the page's own response that do not describe its rendered DOM.
NOT_FOR_THE_DOM = {"content-encoding", "content-length", "transfer-encoding", "set-cookie"}


@dataclass
class BrowserCapture:
    """One page rendered in the browser: every exchange it made, its DOM and its screenshot."""

    url: str  # the page asked for
    exchanges: list[Exchange] = field(default_factory=list)
    main: int | None = None  # index in ``exchanges`` of the page's own (final) HTML response
    dom: bytes = b""  # page.content() after scripts ran and the page was scrolled, UTF-8
    screenshot: bytes | None = None  # full-page PNG
    snapshot_date: str = field(default_factory=warc_date_now)  # when the DOM and screenshot were taken
    timed_out: bool = False  # cut at BROWSER_PAGE_TIMEOUT
    failed: list[dict[str, Any]] = field(default_factory=list)  # requests that got no response
    scrolls: int = 0
    crashed: bool = False  # the page's renderer crashed: the page is rendered again
    consent: dict[str, str] | None = None  # the consent banner dismissed: {"framework", "action"}
    profile: bool = False  # rendered with a browser profile (a login)

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
                     warc_date: str | None = None, store_credentials: bool = False,
                     protocol: str | None = None) -> Exchange:
    """An ``Exchange`` from what the browser reports, its headers made consistent with the decoded body.

    ``protocol``: what Chromium says it spoke (``http/1.0``, ``h2``...); HTTP/2 pseudo-headers
    (``:authority``...) are not HTTP/1 headers and are left out of the records, Host kept.
    """
    if not store_credentials:
        request_headers = [(k, v) for k, v in request_headers if k.lower() not in CREDENTIAL_HEADERS]
    authority = next((v for k, v in request_headers if k.lower() == ":authority"), None)
    request_headers = [(k, v) for k, v in request_headers if not k.startswith(":")]
    response_headers = [(k, v) for k, v in response_headers if not k.startswith(":")]
    if not any(k.lower() == "host" for k, _ in request_headers):
        host = authority or url.split("/", 3)[2].rsplit("@", 1)[-1]
        request_headers = [("Host", host), *request_headers]
    headers, notes = consistent_headers(response_headers, len(body), truncated is not None)
    extra = {TRANSFORM_HEADER: "; ".join(["body as decoded by the browser", *notes])} if notes else {}
    return Exchange(url=url, method=method, request_headers=request_headers, request_body=request_body,
                    status=status, reason=reason or None, response_headers=headers, response_body=body,
                    protocol=http_protocol(protocol), ip_address=ip_address, truncated=truncated,
                    extra_warc_headers=extra, warc_date=warc_date or warc_date_now())


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


def dom_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers the spider's response of a rendered page has: the page's own, less those that do not
    describe the DOM, which is UTF-8 whatever the page's charset was. Shared by the crawl and ``reextract``."""
    kept = [(name, value) for name, value in headers
            if name.lower() not in NOT_FOR_THE_DOM and name.lower() != "content-type"]
    return [*kept, ("Content-Type", DOM_CONTENT_TYPE)]


def is_rendered_dom(record: Any) -> bool:
    """A warcio record holding a page's rendered DOM (a conversion record this module wrote)."""
    return record.rec_type == "conversion" and record.rec_headers.get_header(CONVERSION_HEADER) == RENDERED_DOM


def write_capture(store: WarcStore, capture: BrowserCapture) -> WrittenCapture:
    """Write every exchange (deduplicated as any fetch), the rendered DOM right after the page's own, and the
    screenshot; runs on the WARC writer thread."""
    main: StoredFetch | None = None
    records = revisits = 0
    dom = None
    for index, exchange in enumerate(capture.exchanges):
        followers = partial(_dom_record, store, capture) if index == capture.main and capture.dom else None
        stored = store.store(exchange, followers)
        records += stored.records
        revisits += stored.is_revisit
        if index == capture.main:
            main = stored
            dom = stored.followers[0] if stored.followers else None
    screenshot = None
    if capture.screenshot:
        screenshot = write_resource(store, capture, SCREENSHOT_SCHEME, capture.screenshot, "image/png")
        records += 1
    return WrittenCapture(main, screenshot, records, revisits, dom)


def _dom_record(store: WarcStore, capture: BrowserCapture, first: ArcWarcRecord) -> list[ArcWarcRecord]:
    """The DOM as a conversion of this capture's record of the page (its response, or its revisit)."""
    return [build_conversion_record(
        store.writer.builder, first.rec_headers.get_header("WARC-Target-URI"), capture.dom, DOM_CONTENT_TYPE,
        refers_to=first.rec_headers.get_header("WARC-Record-ID"), date=capture.snapshot_date,
        extra={CONVERSION_HEADER: RENDERED_DOM})]


def write_resource(store: WarcStore, capture: BrowserCapture, scheme: str, payload: bytes,
                   content_type: str) -> WarcPointer:
    """A ``resource`` record about the page (``<scheme><page url>``), naming the page it was made from."""
    headers = {"WARC-Date": capture.snapshot_date}
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
        "consent": dict(capture.consent) if capture.consent else None,
        "profile": capture.profile,
    }
