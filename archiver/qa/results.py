"""The latest QA verdict of each page, kept in ``<archive>/state/qa.sqlite3`` for the reading room.

``archiver qa`` writes every run's full report as JSON Lines under ``<archive>/qa/``; this
table holds, per page capture (its WARC record id), the last verdict, so the reading room
can show it beside the article without reading reports.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from archiver.system.sqlite_open import set_up_when_unlocked

RESULTS_FILE = "qa.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (record_id TEXT PRIMARY KEY, url TEXT, date TEXT, checked_at TEXT,
                                     score REAL, ok INT, verdict TEXT);
CREATE INDEX IF NOT EXISTS verdicts_url ON verdicts (url, date);
"""


def results_path(archive: Path) -> Path:
    return Path(archive) / "state" / RESULTS_FILE


def save_verdicts(archive: Path, verdicts: list[dict[str, Any]], checked_at: str) -> None:
    """Keep each page's verdict (a later run replaces an earlier one of the same capture)."""
    path = results_path(archive)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30)
    try:
        set_up_when_unlocked(lambda: db.executescript(SCHEMA))
        db.executemany("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?)", [
            (v["record_id"], v["url"], v["date"], checked_at, v["score"], int(v["ok"]), json.dumps(v))
            for v in verdicts])
        db.commit()
    finally:
        db.close()


def find_verdict(archive: Path, record_id: str | None, url: str | None = None,
                 date: str | None = None) -> dict[str, Any] | None:
    """A page's last verdict, by its record id (an article record's ``id``), else by URL and capture time."""
    path = results_path(archive)
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = db.execute("SELECT verdict, checked_at FROM verdicts WHERE record_id = ?", (record_id,)).fetchone()
        if row is None and url and date:
            row = db.execute("SELECT verdict, checked_at FROM verdicts WHERE url = ? AND date = ?",
                             (url, date)).fetchone()
    except sqlite3.Error:  # an older or damaged file: no verdict shown
        return None
    finally:
        db.close()
    if row is None:
        return None
    return {**json.loads(row[0]), "checked_at": row[1]}
