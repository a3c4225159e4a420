"""The payload digest index behind deduplication: payload digest -> the record that first stored it.

A small interface (``DigestIndex``) with one implementation on SQLite in the
archive folder (no server). A distributed mode can back the same interface with
Redis: ``get`` is a hash lookup, ``add`` a set-if-absent, ``forget_beyond`` a
scan of one file's entries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from archiver.system.sqlite_open import set_up_when_unlocked
from archiver.warc.records import Original

if TYPE_CHECKING:
    from typing_extensions import Self

DIGESTS_FILENAME = "digests.sqlite3"


class DigestIndex(Protocol):
    """Where each payload was first archived. Called from the WARC writer thread only."""

    def get(self, digest: str) -> Original | None:
        """The record that holds this payload, or None."""

    def add(self, digest: str, original: Original) -> None:
        """Remember ``original`` for ``digest`` unless another record already holds it (first one wins)."""

    def forget(self, digest: str) -> None:
        """Drop the entry (its record is gone)."""

    def forget_beyond(self, filename: str, size: int) -> int:
        """Drop entries in ``filename`` at or past byte ``size`` (a recovered file was cut); return how many."""

    def items(self) -> Iterator[tuple[str, Original]]:
        """Every (digest, original), for verification."""

    def close(self) -> None: ...


class SqliteDigestIndex:
    """``DigestIndex`` in one SQLite file; WAL mode, so several crawls on one machine can share it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: every add is durable on its own (WAL, synchronous=NORMAL: survives kill -9).
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        set_up_when_unlocked(self._set_up)

    def _set_up(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS payloads (digest TEXT PRIMARY KEY, record_id TEXT NOT NULL,"
            " uri TEXT NOT NULL, date TEXT NOT NULL, filename TEXT NOT NULL, offset INTEGER NOT NULL,"
            " length INTEGER NOT NULL) WITHOUT ROWID"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS payloads_by_file ON payloads (filename, offset)")

    @classmethod
    def from_archive(cls, archive_root: Path, settings: Any = None) -> Self:
        return cls(Path(archive_root) / DIGESTS_FILENAME)

    def get(self, digest: str) -> Original | None:
        row = self._db.execute(
            "SELECT record_id, uri, date, filename, offset, length FROM payloads WHERE digest = ?", (digest,)
        ).fetchone()
        return Original(*row) if row else None

    def add(self, digest: str, original: Original) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?, ?, ?)",
            (digest, original.record_id, original.uri, original.date, original.filename, original.offset,
             original.length),
        )

    def forget(self, digest: str) -> None:
        self._db.execute("DELETE FROM payloads WHERE digest = ?", (digest,))

    def forget_beyond(self, filename: str, size: int) -> int:
        cursor = self._db.execute("DELETE FROM payloads WHERE filename = ? AND offset + length > ?", (filename, size))
        return cursor.rowcount

    def items(self) -> Iterator[tuple[str, Original]]:
        rows = self._db.execute("SELECT digest, record_id, uri, date, filename, offset, length FROM payloads")
        for digest, *fields in rows:
            yield digest, Original(*fields)

    def close(self) -> None:
        self._db.close()
