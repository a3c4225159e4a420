"""Reading WARC files back, record by record, past damage: the one reader every tool uses.

Archiver writes every record as its own gzip member, so a damaged record (bytes
overwritten on disk, a cut download, a file truncated by a full disk) need not cost
the rest of the file. ``iter_warc`` decompresses one member at a time and hands out
only records whose member is whole (the gzip CRC checked) and holds a WARC record.
At a member that fails it reports the damage once, then scans forward for the next
gzip member header (``1f 8b 08``) that decodes to a WARC record and goes on from there.

Each record comes with the offset and length of its member, measured as the writer
measures them (from the member's first byte to the next member's), so pointers and
CDXJ entries made from it are the ones the crawl made.

Files that are not gzip-per-record (an uncompressed ``.warc``, or a member larger
than ``MAX_MEMBER_BYTES`` decompressed, as a whole-file gzip from another tool has)
are streamed with warcio as they are; there a damaged record ends the file, reported once.
"""

from __future__ import annotations

import io
import logging
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord, ArcWarcRecordLoader

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b\x08"
CHUNK = 1 << 16
# Archiver's records are bounded by DOWNLOAD_MAXSIZE (64 MiB); a bigger member is not one record.
MAX_MEMBER_BYTES = 256 * 1024**2
# What a broken member or record raises while it is decoded.
DECODE_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, ValueError, IndexError, KeyError, UnicodeDecodeError)


@dataclass
class Damage:
    """Bytes ``offset..end`` of ``path`` hold no readable record; reading went on at ``end``."""

    path: Path
    offset: int
    end: int
    reason: str
    at_end: bool = False  # the damage runs to the end of the file (a cut or truncated file)

    def __str__(self) -> str:
        then = "end of file" if self.at_end else f"next record at byte {self.end}"
        return (f"{self.path}@{self.offset}: damaged WARC data ({self.end - self.offset} bytes, "
                f"{self.reason}); skipped to the {then}")


@dataclass
class WarcMember:
    """One readable record and where its gzip member is in the file."""

    offset: int
    length: int
    record: ArcWarcRecord  # its streams read from memory: whole, checked bytes

    @property
    def rec_type(self) -> str:
        return self.record.rec_type

    def header(self, name: str) -> str | None:
        return self.record.rec_headers.get_header(name)


_reported: set[tuple[str, int]] = set()


def log_damage(damage: Damage) -> None:
    """One warning per damaged stretch and process, however many times a command reads the file."""
    key = (str(damage.path.resolve()), damage.offset)
    if key not in _reported:
        _reported.add(key)
        logger.warning("%s", damage)


OnDamage = Callable[[Damage], None]


def iter_warc(path: str | Path, on_damage: OnDamage | None = log_damage, *, check_digests: bool = False,
              tell: list[int] | None = None, start: int = 0, end: int | None = None) -> Iterator[WarcMember]:
    """Every readable record of ``path``, in file order; each damaged stretch goes to ``on_damage`` once.

    ``tell``, when given, is updated with the bytes of the file read so far (for progress).
    The record of a ``WarcMember`` can be read until the next one is asked for.
    ``start`` and ``end`` read one range of the file (``archiver.warc.ranges``): the records
    whose member starts at or after ``start`` and before ``end``; ``start`` must be where a
    member starts (0, or a cut ``plan_ranges`` made).
    """
    path = Path(path)
    report = on_damage or (lambda damage: None)
    with open(path, "rb") as fh:
        head = fh.read(len(GZIP_MAGIC))
        fh.seek(start)
        if head and head != GZIP_MAGIC:
            yield from _stream(fh, path, report, check_digests, tell, start=start, end=end)
            return
        yield from _members(fh, path, report, check_digests, tell, start, end)


def _members(fh: BinaryIO, path: Path, report: OnDamage, check_digests: bool,
             tell: list[int] | None, start: int = 0, end: int | None = None) -> Iterator[WarcMember]:
    size = fh.seek(0, io.SEEK_END)
    stop = size if end is None else min(end, size)
    offset = start
    while offset < stop:
        decoded = decode_member(fh, offset)
        if isinstance(decoded, _TooBig):
            fh.seek(offset)
            yield from _stream(fh, path, report, check_digests, tell, start=offset, end=end)
            return
        if isinstance(decoded, tuple):
            data, member_end = decoded
            records = _records_in(data, offset, member_end - offset, check_digests)
            first = next(records, None)
            if first is not None:
                yield first
                yield from records
                offset = member_end
                if tell is not None:
                    tell[0] = offset
                continue
            decoded = "no WARC record in the gzip member"
        resume = _next_good_member(fh, offset + 1, size)
        report(Damage(path, offset, resume, decoded, at_end=resume >= size))
        offset = resume
        if tell is not None:
            tell[0] = offset


class _TooBig:
    pass


def decode_member(fh: BinaryIO, offset: int) -> tuple[bytes, int] | str | _TooBig:
    """(decompressed bytes, end offset) of the gzip member at ``offset``, or why there is none."""
    fh.seek(offset)
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    parts: list[bytes] = []
    total = 0
    consumed = offset
    try:
        while not decompressor.eof:
            data = fh.read(CHUNK)
            if not data:
                parts.append(decompressor.flush())  # output zlib still held back for max_length
                if decompressor.eof:
                    break
                return "cut short: the file ends inside a gzip member"
            while data and not decompressor.eof:
                out = decompressor.decompress(data, CHUNK)
                parts.append(out)
                total += len(out)
                if total > MAX_MEMBER_BYTES:
                    return _TooBig()
                if decompressor.eof:  # what follows the member is in unused_data (and, maybe, the tail)
                    consumed += len(data) - len(decompressor.unused_data)
                else:
                    consumed += len(data) - len(decompressor.unconsumed_tail)
                    data = decompressor.unconsumed_tail
    except zlib.error as error:
        return f"not a whole gzip member: {error}"
    return b"".join(parts), consumed


def _records_in(data: bytes, offset: int, length: int, check_digests: bool) -> Iterator[WarcMember]:
    """The records of one decompressed member (one, for archiver's files); nothing if it holds none."""
    if not data.startswith((b"WARC/", b"\r\nWARC/", b"\nWARC/")):
        return
    stream = io.BytesIO(data)
    try:
        while True:
            # warcio's record parser straight on the bytes: an ArchiveIterator per member costs 2x more.
            record = _LOADER.parse_record_stream(stream, known_format="warc", check_digests=check_digests)
            yield WarcMember(offset, length, record)
            while record.raw_stream.read(CHUNK):  # to the end of the record (digests checked on the way)
                pass
            line = b"\r\n"
            while line in (b"\r\n", b"\n"):  # the blank lines after a record
                position = stream.tell()
                line = stream.readline()
            if not line:
                return
            stream.seek(position)
    except DECODE_ERRORS:
        return  # bytes that decompress but do not parse: the CRC makes this near impossible


_LOADER = ArcWarcRecordLoader(verify_http=False)


def _next_good_member(fh: BinaryIO, start: int, size: int) -> int:
    """The offset of the next gzip member after ``start`` that decodes to a WARC record (else ``size``)."""
    position = start
    while position < size:
        fh.seek(position)
        window = fh.read(CHUNK + len(GZIP_MAGIC) - 1)
        found = window.find(GZIP_MAGIC)
        if found < 0:
            position += max(1, len(window) - len(GZIP_MAGIC) + 1)
            continue
        candidate = position + found
        decoded = decode_member(fh, candidate)
        if isinstance(decoded, _TooBig):
            return candidate
        if isinstance(decoded, tuple) and next(_records_in(decoded[0], candidate, 1, False), None) is not None:
            return candidate
        position = candidate + 1
    return size


def _stream(fh: BinaryIO, path: Path, report: OnDamage, check_digests: bool, tell: list[int] | None,
            start: int = 0, end: int | None = None) -> Iterator[WarcMember]:
    """warcio's own streaming, for files that are not one gzip member per record: damage ends the file."""
    iterator = ArchiveIterator(fh, check_digests=check_digests)
    offset = start
    try:
        for record in iterator:
            offset = iterator.get_record_offset()
            if end is not None and offset >= end:
                return  # the next range's
            body = record.raw_stream.read()  # to the end, so the length is known before it is handed out
            iterator.read_to_end(record)
            record.raw_stream = io.BytesIO(body)
            if tell is not None:
                tell[0] = fh.tell()
            yield WarcMember(offset, iterator.get_record_length(), record)
    except DECODE_ERRORS + (OSError,) as error:
        size = fh.seek(0, io.SEEK_END)
        report(Damage(path, offset, size, f"unreadable record: {str(error).strip()[:200]}", at_end=True))
