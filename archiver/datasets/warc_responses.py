"""Response records read back from WARC files, with the pointer the crawl gave each one.

Each response is returned with the ``warc`` pointer the writer computed when it wrote
it: the file relative to the archive folder, the ``WARC-Record-ID``, and the byte
offset and length of the record's gzip member (warcio measures members exactly as
``RotatingWarcWriter`` does: from the member's first byte to the next member's).
Revisit records carry no payload; ``resolve_revisit`` takes it from the record
their ``WARC-Refers-To`` names.
"""

from __future__ import annotations

import dataclasses
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archiver.browser.capture import dom_headers, is_rendered_dom
from archiver.record.items import WarcPointer
from archiver.warc.reading import OnDamage, iter_warc, log_damage

# What a broken or cut file raises while it is read; the rest of the archive is still read.
READ_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError)


@dataclass
class ArchivedResponse:
    """One archived HTTP response, its body as stored (content encoding kept, chunking undone)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    protocol: str
    warc_date: str
    pointer: WarcPointer
    truncated: bool  # the record carries WARC-Truncated (a cut download)


@dataclass
class RecordHead:
    """A record seen while scanning a file: enough to find it again."""

    rec_type: str
    record_id: str
    url: str
    offset: int = 0
    length: int = 0
    status: int | None = None
    headers: list[tuple[str, str]] | None = None  # HTTP headers, when the record has them


def pointer_name(path: Path, archive_root: Path | None) -> str:
    """The ``warc.filename`` the writer gives a file: relative to the archive folder when inside it."""
    if archive_root is not None:
        try:
            return path.resolve().relative_to(archive_root.resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_posix()


def _http_body(record: ArcWarcRecord) -> bytes:
    body = record.raw_stream.read()
    encoding = (record.http_headers.get_header("Transfer-Encoding") or "").lower() if record.http_headers else ""
    if "chunked" in encoding:
        # Scrapy hands spiders de-chunked bodies; some WARC writers keep the chunks.
        body = ChunkedDataReader(io.BytesIO(body), decomp_type=None).read()
    return body


def _status(record: ArcWarcRecord) -> int | None:
    try:
        return int(record.http_headers.get_statuscode()) if record.http_headers else None
    except (TypeError, ValueError):
        return None


def to_response(record: ArcWarcRecord, pointer: WarcPointer, body: bytes,
                payload_record: ArcWarcRecord | None = None) -> ArchivedResponse | None:
    """An ``ArchivedResponse`` from a response record (or a revisit and the record it refers to)."""
    http = record.http_headers if record.http_headers and record.http_headers.statusline else None
    source = payload_record or record
    http = http or source.http_headers
    status = _status(record) or _status(source)
    if http is None or status is None:
        return None
    headers = [(name, value) for name, value in http.headers if name.lower() != "transfer-encoding"]
    if payload_record is not None and payload_record.http_headers is not None:
        # The body is the original's, so is how it is encoded (a revisit may not repeat the header).
        headers = [(n, v) for n, v in headers if n.lower() != "content-encoding"] + \
                  [(n, v) for n, v in payload_record.http_headers.headers if n.lower() == "content-encoding"]
    return ArchivedResponse(
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        status=status,
        headers=headers,
        body=body,
        protocol=(http.protocol or "HTTP/1.1"),
        warc_date=record.rec_headers.get_header("WARC-Date") or "",
        pointer=pointer,
        truncated=bool(source.rec_headers.get_header("WARC-Truncated")),
    )


def scan(path: Path, filename: str, wants_body, tell: list[int] | None = None,
         on_damage: OnDamage | None = log_damage, start: int = 0,
         end: int | None = None) -> Iterator[tuple[RecordHead, ArchivedResponse | None]]:
    """Every readable record of one file (or of bytes ``start`` to ``end``, a range of it: see
    ``archiver.warc.ranges``), with the response (body read) when ``wants_body(head)`` says so.

    ``tell``, when given, is updated with the offset in the file read up to (for progress).
    A damaged record is skipped and reported once to ``on_damage`` (``archiver.warc.reading``).
    """
    # A response is held until the records of its group are read: a browser page's rendered DOM follows it
    # (in the same byte range: archiver.warc.ranges cuts only where a capture starts).
    held: list[tuple[RecordHead, ArchivedResponse | None]] = []
    for member in iter_warc(path, on_damage, tell=tell, start=start, end=end):
        record = member.record
        http = record.http_headers
        head = RecordHead(record.rec_type, record.rec_headers.get_header("WARC-Record-ID") or "",
                          record.rec_headers.get_header("WARC-Target-URI") or "", offset=member.offset,
                          length=member.length, status=_status(record),
                          headers=list(http.headers) if http is not None else None)
        body = _http_body(record) if record.rec_type == "response" and wants_body(head) else None
        response = None
        if body is not None:
            pointer = WarcPointer(filename=filename, record_id=head.record_id, offset=head.offset,
                                  length=head.length)
            response = to_response(record, pointer, body)
        if held:
            if record.rec_type in ("request", "metadata"):
                held.append((head, response))
                continue
            held[0] = with_rendered_dom(*held[0], record)
            yield from held
            held = []
        if response is not None:
            held = [(head, response)]
            continue
        yield head, response
    yield from held


def with_rendered_dom(head: RecordHead, response: ArchivedResponse | None,
                      record: ArcWarcRecord) -> tuple[RecordHead, ArchivedResponse | None]:
    """The response as the spider saw it: for a browser page (``record`` is its rendered DOM), the DOM with the
    headers the crawl gave it (``archiver.browser.capture.dom_headers``); else the response as archived."""
    if response is None or not is_rendered_dom(record) or \
            record.rec_headers.get_header("WARC-Refers-To") != head.record_id:
        return head, response
    return head, dataclasses.replace(response, body=record.content_stream().read(),
                                     headers=dom_headers(response.headers))


def read_record_at(path: Path, offset: int) -> tuple[ArcWarcRecord, bytes]:
    """The record at ``offset`` of ``path`` and its HTTP body."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        return record, _http_body(record) if record.http_headers else b""


def resolve_revisit(path: Path, filename: str, head: RecordHead, find_original) -> ArchivedResponse | None:
    """The response a revisit stands for: its own headers and date, the payload of the record it refers to.

    ``find_original(record_id)`` gives ``(path, offset)`` of a response record, or None.
    Returns None for a ``server-not-modified`` revisit without headers, or when the original is not found.
    """
    revisit, _ = read_record_at(path, head.offset)
    refers_to = revisit.rec_headers.get_header("WARC-Refers-To")
    found = find_original(refers_to) if refers_to else None
    if found is None:
        return None
    original, body = read_record_at(*found)
    pointer = WarcPointer(filename=filename, record_id=head.record_id, offset=head.offset, length=head.length)
    return to_response(revisit, pointer, body, payload_record=original)


