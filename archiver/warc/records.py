"""Build WARC records for one HTTP exchange, from plain values (no Scrapy here)."""

from __future__ import annotations

import base64
import hashlib
import http
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

Headers = list[tuple[str, str]]

# The TLS certificate the server presented, as a metadata record about the response.
CERTIFICATE_CONTENT_TYPE = "application/x-pem-file"


class RawHeaders(StatusAndHeaders):  # type: ignore[misc]
    """HTTP headers serialised byte for byte as received.

    warcio percent-encodes non-ASCII header values; header bytes decoded as
    Latin-1 round-trip exactly when encoded back as Latin-1, so keep them.
    """

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1", "replace") + b"\r\n"


@dataclass
class Exchange:
    """One request and the response it got, as plain values."""

    url: str
    method: str
    request_headers: Headers
    request_body: bytes
    status: int
    response_headers: Headers
    response_body: bytes
    protocol: str = "HTTP/1.1"
    reason: str | None = None
    ip_address: str | None = None
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect, unspecified
    certificate_pem: bytes | None = None  # the server's TLS certificate, PEM
    warc_date: str = field(default_factory=lambda: warc_date_now())
    extra_warc_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """The first response header called ``name`` (any case), or None."""
        name = name.lower()
        return next((value for key, value in self.response_headers if key.lower() == name), None)


@dataclass(frozen=True)
class Original:
    """Where a payload was first stored: what a revisit record refers to."""

    record_id: str
    uri: str
    date: str  # WARC-Date of the original response record
    filename: str  # relative to the archive folder
    offset: int
    length: int


def warc_date_now() -> str:
    """The current time as a WARC/1.1 date, with microseconds."""
    return datetime_to_iso_date(datetime.now(timezone.utc).replace(tzinfo=None), use_micros=True)


def payload_digest(body: bytes) -> str:
    """``sha1:<base32>``, the form warcio and the CDXJ indexes use."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def status_line(status: int, reason: str | None) -> str:
    """``"200 OK"``; the reason phrase is reconstructed when the server's is unknown."""
    if reason is None:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return f"{status} {reason}".rstrip()


def http_protocol(protocol: str | None) -> str:
    """The protocol token for the status line; HTTP/2 is written as its own version."""
    if not protocol:
        return "HTTP/1.1"
    if protocol.lower() in ("h2", "http/2", "http/2.0"):
        return "HTTP/2"
    if protocol.lower() in ("h3", "http/3", "quic"):
        return "HTTP/3"
    return protocol.upper() if protocol.lower().startswith("http/") else "HTTP/1.1"


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _response_warc_headers(exchange: Exchange, protocol: str) -> dict[str, str]:
    headers = {"WARC-Date": exchange.warc_date}
    if exchange.ip_address:
        headers["WARC-IP-Address"] = exchange.ip_address
    if protocol in ("HTTP/2", "HTTP/3"):
        headers["WARC-Protocol"] = "h" + protocol[-1]
    headers.update(exchange.extra_warc_headers)
    return headers


def _response_http_headers(exchange: Exchange, protocol: str) -> RawHeaders:
    return RawHeaders(status_line(exchange.status, exchange.reason), exchange.response_headers, protocol=protocol)


def _request_record(builder: RecordBuilder, exchange: Exchange, protocol: str, concurrent_to: str) -> ArcWarcRecord:
    request_http = RawHeaders(
        f"{exchange.method} {request_target(exchange.url)} {protocol}",
        exchange.request_headers,
        is_http_request=True,
    )
    return builder.create_warc_record(
        exchange.url,
        "request",
        payload=io.BytesIO(exchange.request_body),
        length=len(exchange.request_body),
        http_headers=request_http,
        warc_headers_dict={"WARC-Date": exchange.warc_date, "WARC-Concurrent-To": concurrent_to},
    )


def build_exchange_records(
    builder: RecordBuilder, exchange: Exchange, digest: str | None = None
) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """Return the (response, request) records of one exchange, sharing one WARC-Date."""
    protocol = http_protocol(exchange.protocol)
    warc_headers = _response_warc_headers(exchange, protocol)
    if exchange.truncated:
        warc_headers["WARC-Truncated"] = exchange.truncated
    # Given, warcio does not hash the body a second time.
    warc_headers["WARC-Payload-Digest"] = digest or payload_digest(exchange.response_body)
    response = builder.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.response_body),
        length=len(exchange.response_body),
        http_headers=_response_http_headers(exchange, protocol),
        warc_headers_dict=warc_headers,
    )
    request = _request_record(builder, exchange, protocol, response.rec_headers.get_header("WARC-Record-ID"))
    return response, request


def build_revisit_records(
    builder: RecordBuilder, exchange: Exchange, digest: str, original: Original
) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """Return the (revisit, request) records of a fetch whose payload ``original`` already holds.

    WARC/1.1 identical-payload-digest profile: the HTTP headers of this fetch are
    kept, the payload is left out (``WARC-Truncated: length``).
    """
    protocol = http_protocol(exchange.protocol)
    warc_headers = _response_warc_headers(exchange, protocol)
    warc_headers["WARC-Refers-To"] = original.record_id
    warc_headers["WARC-Truncated"] = "length"
    revisit = builder.create_revisit_record(
        exchange.url,
        digest,
        original.uri,
        original.date,
        http_headers=_response_http_headers(exchange, protocol),
        warc_headers_dict=warc_headers,
    )
    request = _request_record(builder, exchange, protocol, revisit.rec_headers.get_header("WARC-Record-ID"))
    return revisit, request


def build_certificate_record(builder: RecordBuilder, exchange: Exchange, refers_to: str) -> ArcWarcRecord:
    """A ``metadata`` record holding the server's TLS certificate (PEM) for the record ``refers_to``."""
    pem = exchange.certificate_pem or b""
    return builder.create_warc_record(
        exchange.url,
        "metadata",
        payload=io.BytesIO(pem),
        length=len(pem),
        warc_content_type=CERTIFICATE_CONTENT_TYPE,
        warc_headers_dict={"WARC-Date": exchange.warc_date, "WARC-Refers-To": refers_to},
    )


def build_conversion_record(builder: RecordBuilder, url: str, payload: bytes, content_type: str, refers_to: str,
                            date: str, extra: dict[str, str] | None = None) -> ArcWarcRecord:
    """A ``conversion`` record: another form of the record ``refers_to`` (WARC 1.1, 6.8), e.g. a rendered DOM.

    Replay tools index responses, revisits and resources by URL, never conversions, so it is
    never served in place of the page (pywb with our CDXJ, ReplayWeb.page).
    """
    return builder.create_warc_record(
        url, "conversion", payload=io.BytesIO(payload), length=len(payload), warc_content_type=content_type,
        warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": refers_to, **(extra or {})})


# A 304 to a conditional request: the server says the earlier capture is still current.
SERVER_NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def build_not_modified_records(
    builder: RecordBuilder, exchange: Exchange, refers_to_uri: str, refers_to_date: str,
    refers_to: str | None = None,
) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """Return the (revisit, request) records of a 304 answer to a conditional request.

    WARC/1.1 server-not-modified profile: the 304's HTTP headers are kept (it has no
    payload), and the earlier capture is named by target URI and date, and by record id
    when it is known.
    """
    protocol = http_protocol(exchange.protocol)
    warc_headers = _response_warc_headers(exchange, protocol)
    if refers_to:
        warc_headers["WARC-Refers-To"] = refers_to
    warc_headers["WARC-Refers-To-Target-URI"] = refers_to_uri
    warc_headers["WARC-Refers-To-Date"] = refers_to_date
    warc_headers["WARC-Profile"] = SERVER_NOT_MODIFIED_PROFILE
    revisit = builder.create_warc_record(
        exchange.url, "revisit", http_headers=_response_http_headers(exchange, protocol),
        warc_headers_dict=warc_headers,
    )
    request = _request_record(builder, exchange, protocol, revisit.rec_headers.get_header("WARC-Record-ID"))
    return revisit, request
