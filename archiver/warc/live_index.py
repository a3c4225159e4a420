"""CDXJ lines made as records are written, so a crawl's files need not be read back to be indexed.

The lines come from cdxj-indexer's own code (``CDXJIndexer.process_index_entry``), given
the records as they were built and the offsets the writer reports, instead of the
records parsed back from the file: the same lines, without reading and inflating
every record again when the file closes (that read-back was a fifth of a crawl with
page requisites). A file is left to the reading indexer, as before, when one of its
records is one whose line would depend on parsing: a POST or PUT (cdxj-indexer joins
its request body into the key), a header that is not plain ASCII, or a record without
a payload digest; and when it holds more records than are worth holding lines for.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import PurePosixPath

from cdxj_indexer.main import CDXJIndexer
from warcio.recordloader import ArcWarcRecord

from archiver.record.items import WarcPointer

logger = logging.getLogger(__name__)

# Records a replay tool looks up by URL. Requests are not captures; metadata
# records (TLS certificates) describe a capture and are reached through it.
INDEXED_RECORDS = "response,revisit"
INDEXED = tuple(INDEXED_RECORDS.split(","))
JOINED_METHODS = ("POST", "PUT")  # cdxj-indexer's post_append keys these by their bodies
# Lines held for one open file at most (about 25 MB); a file of more small records is read back instead.
MAX_LINES = 100_000


class LiveIndex:
    """The lines of each WARC file the writer has written to, until the file is indexed (``take``)."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}  # per file this writer wrote to, its indexed records' lines
        self._spoiled: set[str] = set()
        self._out = io.StringIO()
        self._indexer = CDXJIndexer(self._out, [], post_append=True, sort=True, records=INDEXED_RECORDS)

    def add(self, records: Sequence[ArcWarcRecord], pointers: Sequence[WarcPointer]) -> None:
        """Records just written (all or nothing) and where they went."""
        for record, pointer in zip(records, pointers):
            name = PurePosixPath(pointer["filename"]).name
            if name in self._spoiled:
                continue
            lines = self._lines.setdefault(name, [])
            try:
                line = self._line(record, pointer, name)
            except Exception:  # noqa: BLE001 - the file is indexed by reading it, as before
                logger.debug("No live CDXJ line for a record of %s", name, exc_info=True)
                line = False
            if line is False or len(lines) >= MAX_LINES:
                self._spoiled.add(name)
                self._lines.pop(name, None)
            elif line:
                lines.append(line)

    def take(self, name: str) -> list[str] | None:
        """The sorted lines of the WARC file ``name`` (a bare file name), or None when it must be read
        (a file this writer did not write, or one of the records above)."""
        self._spoiled.discard(name)
        lines = self._lines.pop(name, None)
        return None if lines is None else sorted(lines)

    def _line(self, record: ArcWarcRecord, pointer: WarcPointer, name: str) -> str | bool:
        """The record's line; "" for a record the index leaves out; False when only a reading indexer knows."""
        if record.rec_type == "request":
            method = record.http_headers.protocol if record.http_headers else ""
            return False if method.upper() in JOINED_METHODS else ""
        if record.rec_type not in INDEXED:
            return ""
        headers, http = record.rec_headers, record.http_headers
        if not headers.get_header("WARC-Payload-Digest"):
            return False  # cdxj-indexer would compute it from the payload
        # What the parser would decode differently from the bytes in hand, it alone may index.
        values = [headers.get_header("WARC-Target-URI") or "", headers.get_header("WARC-Date") or ""]
        if http is not None:
            values += [http.statusline or "", http.get_header("Content-Type") or ""]
        if not all(value.isascii() for value in values):
            return False
        record.file_offset, record.file_length = pointer["offset"], pointer["length"]
        self._indexer.curr_filename = name
        self._out.seek(0)
        self._out.truncate()
        self._indexer.process_index_entry(None, record, name, self._out)
        return self._out.getvalue()
