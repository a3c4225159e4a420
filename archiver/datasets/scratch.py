"""On-disk scratch tables for one run (selection and re-extraction indexes), so memory stays flat."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def scratch_db(path: Path, schema: str) -> sqlite3.Connection:
    """A SQLite file holding ``schema``: no journal and no fsync (it is thrown away), sorts spilled to disk.

    SQLite's page cache stays at its default (about 2 MiB), whatever the table size.
    """
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE;" + schema)
    return db
