"""Rotating gzip WARC files: one gzip member per record, ``*.open`` while being written."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import re
import socket
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from archiver.record.items import WarcPointer
from archiver.storage.append import AppendFile
from archiver.warc.compression import GzipMemberStream, record_is_precompressed
from archiver.warc.live_index import LiveIndex
from archiver.warc.records import Exchange, build_exchange_records

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
WARC_TYPE = re.compile(rb"\r\nWARC-Type: *([a-z]+)", re.IGNORECASE)
# Records that start a fetch's group and are whole only once its request record follows.
GROUP_OPENERS = {b"response", b"revisit", b"metadata"}
WARC_SUFFIX = ".warc.gz"


def _safe_token(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "host"


class RotatingWarcWriter:
    """Writes records into WARC files in ``directory``, starting a new file past ``max_size``.

    Not thread-safe: the capture middleware calls it from a single writer thread.
    """

    def __init__(
        self,
        directory: Path,
        *,
        archive_root: Path | None = None,
        prefix: str = "ARCHIVER",
        max_size: int = 1024**3,
        gzip_level: int = 1,
        gzip_engine: str = "isal",
        store_compressed: bool = True,
        warcinfo: dict[str, str] | None = None,
        warc_version: str = "1.1",
        before_new_file: Callable[[], None] | None = None,
        index_lines: LiveIndex | None = None,
        after_close: Callable[[Path], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.archive_root = Path(archive_root) if archive_root else self.directory
        self.prefix = _safe_token(prefix)
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.gzip_engine = gzip_engine
        self.store_compressed = store_compressed
        self.warcinfo = dict(warcinfo or {})
        self.warc_version = warc_version
        self.host = _safe_token(socket.gethostname())
        self.pid = os.getpid()
        self.serial = 0
        self.files_written: list[Path] = []
        self.records_written = 0
        self.bytes_written = 0
        # Asked before each new file is started (the free-space guard); may not stop the write.
        self.before_new_file = before_new_file
        # The CDXJ lines of what is written (archiver.warc.live_index), and what to do with each closed file.
        self.index_lines = index_lines
        self.after_close = after_close
        self._raw: AppendFile | None = None
        self._stream: GzipMemberStream | None = None
        self._warc: WARCWriter | None = None
        self._path: Path | None = None
        self._warcinfo_id: str | None = None
        self._relative_name = ""
        self._builder = WARCWriter(None, gzip=False, warc_version=warc_version)

    # -- public API

    @property
    def builder(self) -> WARCWriter:
        """The record builder (warcio), for callers that make their own records."""
        return self._builder

    def write_exchange(self, exchange: Exchange) -> WarcPointer:
        """Write the response and request records of one fetch; return the response's pointer."""
        response, request = build_exchange_records(self._builder, exchange)
        pointers = self.write_records([response, request])
        return pointers[0]

    def write_records(self, records: Iterable[ArcWarcRecord]) -> list[WarcPointer]:
        """Write records together into the current file; rotate afterwards if it is full.

        All or nothing: when a write fails (disk full, I/O error), the file is cut back to where
        these records started, so it ends with the last whole fetch, and the error is raised.
        """
        self._ensure_open()
        assert self._raw is not None and self._stream is not None
        start = self._raw.tell()
        records_before, bytes_before = self.records_written, self.bytes_written
        try:
            pointers = [self._write_one(record) for record in records]
            self._raw.flush()  # each record's flush already did; a group is in the OS before anyone points at it
        except BaseException:
            self._stream.discard()
            self._raw.cut_back(start)
            self.records_written, self.bytes_written = records_before, bytes_before
            if self._raw.torn:  # not even the cut worked: the next start's recovery cuts it
                logger.error("Could not cut %s back to its last whole fetch; leaving it to recovery", self._path)
                self._drop_file()
            raise
        if self.index_lines is not None:
            self.index_lines.add(records, pointers)
        if self._raw.tell() >= self.max_size:
            self.close()
        return pointers

    def close(self) -> None:
        """Finish the current file: fsync, then drop the ``.open`` suffix.

        A file whose fsync failed keeps its ``.open`` name (what reached the disk is unknown):
        the next crawl's recovery reads it and cuts it to its last whole fetch.
        """
        if self._raw is None or self._path is None:
            return
        try:
            self._raw.sync()
        except BaseException:
            self._drop_file()
            raise
        self._raw.close()
        final = self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)])
        os.replace(self._path, final)
        self.files_written.append(final)
        logger.debug("Closed WARC file %s", final)
        self._raw = self._stream = self._warc = self._path = None
        if self.after_close is not None:
            self.after_close(final)

    def _drop_file(self) -> None:
        """Stop writing the current file without closing it properly: it stays ``.open`` for recovery."""
        if self._raw is not None:
            self._raw.abandon()
        self._raw = self._stream = self._warc = self._path = None

    # -- internals

    def _write_one(self, record: ArcWarcRecord) -> WarcPointer:
        assert self._raw is not None and self._warc is not None and self._path is not None
        if self._warcinfo_id and record.rec_type != "warcinfo":
            record.rec_headers.replace_header("WARC-Warcinfo-ID", self._warcinfo_id)
        offset = self._raw.tell()
        if self.store_compressed and record_is_precompressed(record):
            assert self._stream is not None
            self._stream.store_next()
        self._warc.write_record(record)
        length = self._raw.tell() - offset
        self.records_written += 1
        self.bytes_written += length
        return WarcPointer(
            filename=self._relative_name,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            offset=offset,
            length=length,
        )

    def _final_relative_name(self) -> str:
        assert self._path is not None
        final = self._path.with_name(self._path.name[: -len(OPEN_SUFFIX)])
        try:
            return final.relative_to(self.archive_root).as_posix()
        except ValueError:
            return final.as_posix()

    def _next_name(self) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self.serial += 1
        return f"{self.prefix}-{stamp}-{self.serial:05d}-{self.pid}~{self.host}{WARC_SUFFIX}"

    def _ensure_open(self) -> None:
        if self._raw is not None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        name = self._next_name()
        # Two writers of one process can start in the same millisecond: never reuse a closed file's name.
        while (self.directory / name).exists() or (self.directory / (name + OPEN_SUFFIX)).exists():
            name = self._next_name()
        if self.before_new_file is not None:
            self.before_new_file()
        path = self.directory / (name + OPEN_SUFFIX)
        self._path = path
        self._relative_name = self._final_relative_name()  # every pointer into this file names it
        # Exclusive: a name clash must fail loudly, never overwrite another file.
        self._raw = AppendFile.create(path)
        counts = self.records_written, self.bytes_written
        try:
            # Held while the file is written: recovery in another process leaves a locked file alone.
            fcntl.flock(self._raw.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._stream = GzipMemberStream(self._raw, self.gzip_level, self.gzip_engine)
            self._warc = WARCWriter(self._stream, gzip=False, warc_version=self.warc_version)
            info = self._warc.create_warcinfo_record(name, self.warcinfo)
            self._warcinfo_id = info.rec_headers.get_header("WARC-Record-ID")
            self._write_one(info)
            self._raw.flush()
        except BaseException:
            # Not even its warcinfo record is whole (a full disk): no file rather than a broken one.
            self._drop_file()
            path.unlink(missing_ok=True)
            self.records_written, self.bytes_written = counts
            raise
        logger.debug("Opened WARC file %s", self._path)


def iter_members(fh: BinaryIO, chunk_size: int = 1 << 16, head_size: int = 512,
                 start: int = 0) -> Iterator[tuple[int, bytes]]:
    """Yield (end offset, first decompressed bytes) of every complete gzip member from ``start`` (a member's
    first byte); stop at the first broken one."""
    pos = start
    fh.seek(start)
    pending = b""
    head = b""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while True:
        data = pending or fh.read(chunk_size)
        pending = b""
        if not data:
            return
        try:
            # max_length bounds memory on a decompression bomb; only the head is kept.
            output = decompressor.decompress(data, chunk_size)
            head += output[: head_size - len(head)]
            while decompressor.unconsumed_tail and not decompressor.eof:
                decompressor.decompress(decompressor.unconsumed_tail, chunk_size)
        except zlib.error:
            return
        if decompressor.eof:
            consumed = len(data) - len(decompressor.unused_data)
            pos += consumed
            yield pos, head
            pending, head = decompressor.unused_data, b""
            decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        else:
            pos += len(data)


def iter_member_ends(fh: BinaryIO, chunk_size: int = 1 << 16, start: int = 0) -> Iterator[int]:
    """Yield the end offset of every complete gzip member in ``fh`` (from ``start``); stop at the first broken one."""
    return (end for end, _ in iter_members(fh, chunk_size, start=start))


def last_whole_fetch_end(fh: BinaryIO) -> int:
    """Where the last whole fetch ends: the end of its request record.

    The store writes a fetch as capture (response or revisit), metadata, then
    request; a kill between them leaves a capture without its request, which
    recovery cuts too (its fetch never finished: nothing points at it yet).
    """
    safe_end = 0
    for end, head in iter_members(fh):
        match = WARC_TYPE.search(head)
        if not match or match.group(1) not in GROUP_OPENERS:
            safe_end = end
    return safe_end


def _locked_by_a_live_writer(fh: BinaryIO) -> bool:
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    return False


def recover_open_files(directory: Path) -> list[Path]:
    """Close WARC files a killed crawl left ``*.open``: cut them to their last whole record.

    A file still locked by its writer (another crawl running into the same
    archive) is left alone. Returns the recovered files under their final names.
    """
    recovered = []
    for path in sorted(Path(directory).glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
        try:
            fh = open(path, "r+b")
        except FileNotFoundError:
            continue  # another process recovered it first
        with fh:
            if _locked_by_a_live_writer(fh):
                logger.info("Leaving %s alone: another crawl is writing it", path)
                continue
            if not path.exists():
                continue  # recovered by another process while we waited for the lock
            last_end = last_whole_fetch_end(fh)
            size = fh.seek(0, os.SEEK_END)
            if last_end < size:
                logger.warning("Cutting %s from %d to %d bytes (the fetch being written was cut)", path, size,
                               last_end)
                fh.truncate(last_end)
            fh.flush()
            os.fsync(fh.fileno())
            final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
            # Renamed while still locked, so no other recovery races us for it.
            if last_end:
                os.replace(path, final)
        if last_end == 0:
            path.unlink(missing_ok=True)  # nothing whole in it, not even the warcinfo record
            continue
        recovered.append(final)
    return recovered
