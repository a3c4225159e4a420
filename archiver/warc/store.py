"""One fetch in, WARC records out: a full response, or a revisit when the payload is archived already."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.recordloader import ArcWarcRecord

from archiver.record.items import WarcPointer
from archiver.warc.digests import DigestIndex
from archiver.warc.records import (
    Exchange,
    Original,
    build_certificate_record,
    build_exchange_records,
    build_not_modified_records,
    build_revisit_records,
    payload_digest,
)
from archiver.warc.writer import OPEN_SUFFIX, RotatingWarcWriter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredFetch:
    """Where one fetch went.

    ``pointer`` is the response record holding the payload (for a revisit, the
    original record it refers to); ``revisit_pointer`` is the revisit record
    written for this fetch, if it was one.
    """

    pointer: WarcPointer
    revisit_pointer: WarcPointer | None
    records: int
    digest: str
    followers: list[WarcPointer] = field(default_factory=list)  # where the records ``followers`` made went

    @property
    def is_revisit(self) -> bool:
        return self.revisit_pointer is not None


def original_pointer(original: Original) -> WarcPointer:
    return WarcPointer(filename=original.filename, record_id=original.record_id, offset=original.offset,
                       length=original.length)


def may_deduplicate(exchange: Exchange, min_size: int) -> bool:
    """Only whole payloads of at least ``min_size`` bytes; 304 answers have none to share."""
    return exchange.status != 304 and not exchange.truncated and len(exchange.response_body) >= max(min_size, 1)


class WarcStore:
    """Writes fetches through a ``RotatingWarcWriter``, deduplicating payloads against a ``DigestIndex``.

    Used from the single WARC writer thread.
    """

    def __init__(self, writer: RotatingWarcWriter, digests: DigestIndex | None = None, *,
                 dedup_min_size: int = 1) -> None:
        self.writer = writer
        self.digests = digests
        self.dedup_min_size = dedup_min_size
        self.revisits = 0
        self.digest_errors = 0

    def store(self, exchange: Exchange,
              followers: Callable[[ArcWarcRecord], list[ArcWarcRecord]] | None = None) -> StoredFetch:
        """``followers(first)``: records about this fetch's response (or revisit) ``first``, written after its
        request in the same group (all or nothing), e.g. the rendered DOM of a browser page."""
        digest = payload_digest(exchange.response_body)
        dedup = self.digests is not None and may_deduplicate(exchange, self.dedup_min_size)
        original = self._original(digest) if dedup else None
        builder = self.writer.builder
        if original is not None:
            first, request = build_revisit_records(builder, exchange, digest, original)
        else:
            first, request = build_exchange_records(builder, exchange, digest)
        # The request closes the fetch's group: recovery keeps a group only when it is there.
        records = [first, *self._certificate_records(exchange, first), request]
        extra = followers(first) if followers is not None else []
        records += extra
        pointers = self.writer.write_records(records)
        if original is not None:
            self.revisits += 1
            return StoredFetch(original_pointer(original), pointers[0], len(records), digest,
                               pointers[len(pointers) - len(extra):])
        if dedup:
            self._remember(digest, self._as_original(first, pointers[0]))
        return StoredFetch(pointers[0], None, len(records), digest, pointers[len(pointers) - len(extra):])

    def store_not_modified(self, exchange: Exchange, refers_to: dict[str, str]) -> StoredFetch:
        """A 304 to a conditional request: a server-not-modified revisit of the capture ``refers_to`` names."""
        records = list(build_not_modified_records(self.writer.builder, exchange, **refers_to))
        pointers = self.writer.write_records(records)
        self.revisits += 1
        return StoredFetch(pointers[0], pointers[0], len(records), "")

    def close(self) -> None:
        self.writer.close()
        if self.digests is not None:
            self.digests.close()

    # -- internals

    def _remember(self, digest: str, original: Original) -> None:
        """Add a payload to the digest index, after its record is written and flushed (an entry never points
        at a record a kill could lose). Failing to (a full disk) costs a later copy its revisit, nothing more:
        the fetch's records are written, so the fetch is not failed for it."""
        assert self.digests is not None
        try:
            self.digests.add(digest, original)
        except (sqlite3.Error, OSError) as error:
            self.digest_errors += 1
            if self.digest_errors == 1:
                logger.warning("Digest index not updated (%s): later copies of this crawl's payloads may be "
                               "stored in full instead of as revisits", error)

    def _original(self, digest: str) -> Original | None:
        assert self.digests is not None
        original = self.digests.get(digest)
        if original is None:
            return None
        path = self.writer.archive_root / original.filename
        if not (path.exists() or path.with_name(path.name + OPEN_SUFFIX).exists()):
            self.digests.forget(digest)  # the file was removed: store this payload afresh
            return None
        return original

    def _certificate_records(self, exchange: Exchange, first: ArcWarcRecord) -> list[ArcWarcRecord]:
        if not exchange.certificate_pem:
            return []
        refers_to = first.rec_headers.get_header("WARC-Record-ID")
        return [build_certificate_record(self.writer.builder, exchange, refers_to)]

    @staticmethod
    def _as_original(record: ArcWarcRecord, pointer: WarcPointer) -> Original:
        headers = record.rec_headers
        return Original(record_id=pointer["record_id"], uri=headers.get_header("WARC-Target-URI"),
                        date=headers.get_header("WARC-Date"), filename=pointer["filename"],
                        offset=pointer["offset"], length=pointer["length"])


def forget_lost_payloads(digests: DigestIndex, archive_root: Path, recovered: list[Path]) -> int:
    """After recovery cut files back, drop digest entries that pointed past their new ends."""
    dropped = 0
    for path in recovered:
        relative = path.relative_to(archive_root).as_posix()
        dropped += digests.forget_beyond(relative, path.stat().st_size)
    return dropped
