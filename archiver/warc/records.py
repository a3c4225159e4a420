"""Build WARC records for one HTTP exchange, from plain values (no Scrapy here)."""

from __future__ import annotations

import http
import io
from datetime import datetime, timezone
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import datetime_to_iso_date

Headers = list[tuple[str, str]]


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
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect
    warc_date: str = field(default_factory=lambda: warc_date_now())
    extra_warc_headers: dict[str, str] = field(default_factory=dict)


def warc_date_now() -> str:
    """The current time as a WARC/1.1 date, with microseconds."""
    return datetime_to_iso_date(datetime.now(timezone.utc).replace(tzinfo=None), use_micros=True)


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
    return protocol.upper() if protocol.lower().startswith("http/") else "HTTP/1.1"


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def build_exchange_records(builder: RecordBuilder, exchange: Exchange) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """Return the (response, request) records of one exchange, sharing one WARC-Date."""
    date = exchange.warc_date
    protocol = http_protocol(exchange.protocol)
    response_warc = {"WARC-Date": date}
    if exchange.ip_address:
        response_warc["WARC-IP-Address"] = exchange.ip_address
    if protocol == "HTTP/2":
        response_warc["WARC-Protocol"] = "h2"
    if exchange.truncated:
        response_warc["WARC-Truncated"] = exchange.truncated
    response_warc.update(exchange.extra_warc_headers)
    response_http = RawHeaders(
        status_line(exchange.status, exchange.reason), exchange.response_headers, protocol=protocol
    )
    response = builder.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.response_body),
        length=len(exchange.response_body),
        http_headers=response_http,
        warc_headers_dict=response_warc,
    )
    request_http = RawHeaders(
        f"{exchange.method} {request_target(exchange.url)} {protocol}",
        exchange.request_headers,
        is_http_request=True,
    )
    request = builder.create_warc_record(
        exchange.url,
        "request",
        payload=io.BytesIO(exchange.request_body),
        length=len(exchange.request_body),
        http_headers=request_http,
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    return response, request


# A 304 to a conditional request: the server says the earlier capture is still current.
SERVER_NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def build_revisit_records(
    builder: RecordBuilder, exchange: Exchange, refers_to_uri: str, refers_to_date: str,
    refers_to: str | None = None,
) -> tuple[ArcWarcRecord, ArcWarcRecord]:
    """Return the (revisit, request) records of a 304 answer to a conditional request.

    The revisit keeps the 304's HTTP headers (no payload) and names the earlier capture
    by target URI and date, and by record id when it is known.
    """
    revisit_exchange = Exchange(**{**exchange.__dict__, "response_body": b""})
    response, request = build_exchange_records(builder, revisit_exchange)
    headers = response.rec_headers
    headers.replace_header("WARC-Type", "revisit")
    headers.replace_header("Content-Type", "application/http; msgtype=response")
    headers.remove_header("WARC-Payload-Digest")
    headers.replace_header("WARC-Profile", SERVER_NOT_MODIFIED_PROFILE)
    headers.replace_header("WARC-Refers-To-Target-URI", refers_to_uri)
    headers.replace_header("WARC-Refers-To-Date", refers_to_date)
    if refers_to:
        headers.replace_header("WARC-Refers-To", refers_to)
    response.rec_type = "revisit"
    return response, request
