"""The reading room's search index: one SQLite file with an FTS5 table over the article records.

``records`` holds what pages show and filter on (one row per record, i.e. per version),
``fts`` is an external-content FTS5 table over its headline, body, captions and authors,
ranked with bm25 and cut into snippets by FTS5 itself, and ``cards`` repeats the few small
values a search reads of each match (site, language, section, day, authors, headline, the latest flag).

Three choices keep searches fast at millions of records. A record's row number (FTS5 rowid)
starts with its day (``day ordinal << 24 | sequence``), so "newest first" is FTS5's own
rowid order and a date range is a rowid range. The filters are also tokens of an indexed
``facets`` column with weight 0 in the ranking, so a search filtered to a site or an author
intersects posting lists instead of checking every match. And a search reads its newest
matches once, joined to their ``cards`` (narrow rows, a hundred to a page), for its count,
its facets and its ranking alike. The JSON Lines records stay the
source of truth: ``archiver index`` rebuilds this file from them, and the crawl's
``ReadingIndexPipeline`` adds each record as it is written.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.datasets.select import parse_moment, record_key, record_version
from archiver.system.domains import registrable_domain
from archiver.system.sqlite_open import set_up_when_unlocked

logger = logging.getLogger(__name__)

INDEX_PATH = Path("state") / "reading.sqlite3"
# Snippet markers: control characters no record keeps (they are removed from indexed text).
MARK_START, MARK_END, ELLIPSIS = "\x02", "\x03", "\u2026"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Headline matches count most, then authors, captions, body; facets (filters) not at all.
RANK = "bm25(10.0, 1.0, 2.0, 5.0, 0.0)"
DAY_SHIFT = 24
SEQUENCE_MASK = (1 << DAY_SHIFT) - 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    n INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,          -- the record id without <urn:uuid: ... >: used in URLs
    id TEXT NOT NULL,
    article TEXT NOT NULL,             -- canonical URL (else URL): what versions share
    version INTEGER NOT NULL,
    latest INTEGER NOT NULL DEFAULT 1,
    url TEXT NOT NULL,
    site TEXT NOT NULL,
    site_name TEXT,                    -- the site's own name for itself ("The Meridian Post"), as pages show it
    language TEXT,
    section TEXT COLLATE NOCASE,
    day TEXT,                          -- published day, else fetch day: what date filters use
    fetch_day TEXT,
    fetched_at TEXT,
    headline TEXT,
    body TEXT,
    captions TEXT,
    authors TEXT,
    facets TEXT,                       -- filter tokens: site_..., lang_..., sect_..., auth_...
    data TEXT NOT NULL                 -- the record as JSON, body left out (it is in `body`)
);
-- Each index ends with the row number (day first), so rows come newest first within a value.
CREATE INDEX IF NOT EXISTS records_latest ON records(latest);
CREATE INDEX IF NOT EXISTS records_site ON records(site, latest);
CREATE INDEX IF NOT EXISTS records_language ON records(language, latest);
CREATE INDEX IF NOT EXISTS records_section ON records(section, latest);
CREATE INDEX IF NOT EXISTS records_article ON records(article, version);
CREATE INDEX IF NOT EXISTS records_url ON records(url);  -- translations link to the archived version
CREATE INDEX IF NOT EXISTS records_fetch_day ON records(latest, fetch_day);
CREATE INDEX IF NOT EXISTS records_day ON records(latest, day);
-- What a search reads of each of its matches (the facets, the latest flag): the same values as in
-- `records`, in rows a hundred times narrower, so thousands of matches are read in a few milliseconds.
CREATE TABLE IF NOT EXISTS cards (
    n INTEGER PRIMARY KEY,
    latest INTEGER NOT NULL DEFAULT 1,
    site TEXT NOT NULL,
    site_name TEXT,
    language TEXT,
    section TEXT COLLATE NOCASE,
    day TEXT,
    authors TEXT,
    headline TEXT                      -- a phrase alone is ranked headline matches first (search.py)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS authors (name TEXT NOT NULL COLLATE NOCASE, n INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS authors_name ON authors(name, n);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    headline, body, captions, authors, facets, content='records', content_rowid='n',
    tokenize="unicode61 remove_diacritics 2 tokenchars '_'");
"""
# The index's own format (SQLite's user_version): an index of an earlier format is rebuilt from the records
# (``archiver serve`` does it by itself; the crawl leaves such an index alone and says so).
FORMAT = 2
TEXT_COLUMNS = ("headline", "body", "captions", "authors", "facets")


class IndexError_(Exception):
    """The index cannot be opened or is missing; the message says what to run."""


class IndexFormatError(sqlite3.DatabaseError):
    """The index was made by an earlier archiver; the message says what to run."""


def index_path(archive: Path) -> Path:
    return Path(archive) / INDEX_PATH


def record_key_of(record_id: str) -> str:
    """``<urn:uuid:X>`` -> ``X``; any other id is kept, minus characters URLs would need escaped."""
    match = re.fullmatch(r"<?urn:uuid:([0-9a-fA-F-]{36})>?", record_id.strip())
    return match[1].lower() if match else re.sub(r"[^A-Za-z0-9._~-]", "_", record_id)[:200]


def facet(kind: str, value: str) -> str:
    """One filter value as one token of the ``facets`` column (lower case, non-word characters as ``_``)."""
    return f"{kind}_" + (re.sub(r"\W+", "_", value.lower()).strip("_") or "_")


def day_range(first: str | None, last: str | None) -> tuple[int, int]:
    """The row numbers of records dated from day ``first`` to day ``last`` (ISO dates; None: open)."""
    from datetime import date

    if not first and not last:
        return 0, 1 << 62  # undated records (day 0) too
    low = date.fromisoformat(first).toordinal() << DAY_SHIFT if first else 1 << DAY_SHIFT
    high = ((date.fromisoformat(last).toordinal() + 1) << DAY_SHIFT) - 1 if last else (1 << 62)
    return low, high


def day_number(day: str | None) -> int:
    from datetime import date

    try:
        return date.fromisoformat(day).toordinal() if day else 0
    except ValueError:
        return 0


def _text(value: Any) -> str:
    return _CONTROL.sub(" ", value) if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


@dataclass
class Row:
    """One record as the index stores it."""

    values: dict[str, Any]
    authors: list[str]

    @classmethod
    def of(cls, record: dict[str, Any]) -> Row | None:
        """The row of a record, or None when the record lacks what any page needs (URL, body)."""
        url, body = record.get("url"), record.get("body")
        if not isinstance(url, str) or not url or not isinstance(body, str):
            return None
        record_id = record.get("id") if isinstance(record.get("id"), str) and record.get("id") else None
        if record_id is None:  # a crawl without WARC capture: no WARC-Record-ID to name the record
            import hashlib

            record_id = "sha1:" + hashlib.sha1(f"{url} {record.get('fetched_at')}".encode()).hexdigest()
        captions = [c for c in _list(record.get("captions")) if isinstance(c, dict)]
        authors = _strings(record.get("authors"))
        fetched = parse_moment(record.get("fetched_at"))
        fetch_day = fetched.strftime("%Y-%m-%d") if fetched else None
        published = _text(record.get("published"))[:10]
        day = published if published and parse_moment(published) else fetch_day
        language = _text(record.get("language")).strip().lower() or None
        section = _text(record.get("section")).strip() or None
        # The record's `site` (schema 1.1: its registrable domain), else the same from its URL, as `archiver stats`.
        site = record.get("site") if isinstance(record.get("site"), str) and record.get("site") else None
        site = site or registrable_domain(url) or "(none)"
        site_name = _text(record.get("site_name")).strip()[:200] or None
        data = {k: v for k, v in record.items() if k != "body"}
        values = {
            "key": record_key_of(record_id), "id": record_id, "article": record_key(record),
            "version": record_version(record), "url": url, "site": site, "site_name": site_name,
            "language": language, "section": section, "day": day, "fetch_day": fetch_day,
            "fetched_at": record.get("fetched_at") if isinstance(record.get("fetched_at"), str) else None,
            "headline": _text(record.get("headline")),
            "body": _text(body),
            "captions": "\n".join(_text(c.get("text")) + (f" ({_text(c.get('credit'))})" if c.get("credit") else "")
                                  for c in captions),
            "authors": "; ".join(_text(a) for a in authors),
            "facets": " ".join([facet("site", site), facet("lang", language or "none"),
                                facet("sect", section or "none"), *(facet("auth", a) for a in authors)]),
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        }
        return cls(values, [a.strip() for a in authors])


COLUMNS = ("n", "key", "id", "article", "version", "url", "site", "site_name", "language", "section", "day", "fetch_day",
           "fetched_at", "headline", "body", "captions", "authors", "facets", "data")
_INSERT = f"INSERT INTO records ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
CARD_COLUMNS = ("n", "site", "site_name", "language", "section", "day", "authors", "headline")
_CARD_INSERT = f"INSERT INTO cards ({', '.join(CARD_COLUMNS)}) VALUES ({', '.join('?' * len(CARD_COLUMNS))})"
_FTS_INSERT = "INSERT INTO fts (rowid, headline, body, captions, authors, facets) VALUES (?, ?, ?, ?, ?, ?)"
_FTS_DELETE = ("INSERT INTO fts (fts, rowid, headline, body, captions, authors, facets) "
               "VALUES ('delete', ?, ?, ?, ?, ?, ?)")


def connect(path: Path, *, create: bool = False, readonly: bool = False) -> sqlite3.Connection:
    if not create and not path.is_file():
        raise IndexError_(f"no search index at {path}: run `archiver index --archive {path.parent.parent}`")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    # Autocommit: transactions are opened and closed explicitly (BEGIN/COMMIT) where they matter.
    connection = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False, isolation_level=None)
    connection.row_factory = sqlite3.Row
    if create:
        def set_up() -> None:
            connection.execute("PRAGMA journal_mode=WAL")
            if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'records'").fetchone() is None:
                connection.executescript(SCHEMA)
                connection.execute(f"PRAGMA user_version = {FORMAT}")
                connection.execute("INSERT INTO fts (fts, rank) VALUES ('rank', ?)", (RANK,))

        set_up_when_unlocked(set_up)
    return connection


def index_format(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def is_current(path: Path) -> bool:
    """Whether the index at ``path`` is of this archiver's format (False: rebuild it with ``build``)."""
    connection = connect(path, readonly=True)
    try:
        return index_format(connection) == FORMAT
    finally:
        connection.close()


class Writer:
    """Adds records to an index: one at a time (the crawl) or in bulk (``archiver index``)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        if index_format(connection) != FORMAT:
            raise IndexFormatError("the search index was made by an earlier archiver: `archiver index` (or "
                                   "`archiver serve`) rebuilds it from the records")
        self.db = connection
        row = connection.execute("SELECT value FROM meta WHERE name = 'sequence'").fetchone()
        self.sequence = row[0] if row else 0

    def _number(self, day: str | None) -> int:
        """A free row number for a record of this day: the day, then a sequence number."""
        while True:
            self.sequence += 1
            n = day_number(day) << DAY_SHIFT | (self.sequence & SEQUENCE_MASK)
            if self.db.execute("SELECT 1 FROM records WHERE n = ?", (n,)).fetchone() is None:
                return n

    def add(self, record: dict[str, Any] | Row | None) -> bool:
        """Index one record (a record already indexed under its id is replaced); False if unusable.

        A ``Row`` made elsewhere (``index_tasks.py``) is taken as it is; None is one ``Row.of`` refused.
        """
        row = record if isinstance(record, Row) or record is None else Row.of(record)
        if row is None:
            return False
        values = row.values
        old = self.db.execute("SELECT n, headline, body, captions, authors, facets FROM records WHERE key = ?",
                              (values["key"],)).fetchone()
        if old is not None:
            self.db.execute(_FTS_DELETE, tuple(old))
            for table in ("records", "cards", "authors"):
                self.db.execute(f"DELETE FROM {table} WHERE n = ?", (old["n"],))
        values["n"] = n = self._number(values["day"])
        self.db.execute(_INSERT, tuple(values[c] for c in COLUMNS))
        self.db.execute(_CARD_INSERT, tuple(values[c] for c in CARD_COLUMNS))
        self.db.execute(_FTS_INSERT, (n, *(values[c] for c in TEXT_COLUMNS)))
        self.db.executemany("INSERT INTO authors (name, n) VALUES (?, ?)", [(a, n) for a in row.authors])
        return True

    def save_sequence(self) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('sequence', ?)", (self.sequence,))

    def mark_latest(self, article: str | None = None) -> None:
        """Flag the highest version of each article (of one article, when named) as the latest.

        Without an article: every article, on an index being built (where every row was added as the latest)."""
        where = "WHERE article = ?" if article is not None else ""
        self.db.execute(f"UPDATE records SET latest = (version = (SELECT max(version) FROM records AS r "
                        f"WHERE r.article = records.article)) {where}", (article,) if article is not None else ())
        if article is None:
            self.db.execute("UPDATE cards SET latest = 0 WHERE n IN (SELECT n FROM records WHERE latest = 0)")
        else:
            self.db.execute("UPDATE cards SET latest = (SELECT latest FROM records r WHERE r.n = cards.n) "
                            "WHERE n IN (SELECT n FROM records WHERE article = ?)", (article,))

    def add_many(self, records: list[dict[str, Any]]) -> int:
        """The crawl's path: add a batch in one transaction, fix the latest flags of their articles."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            added = [record for record in records if self.add(record)]
            for article in {record_key(record) for record in added}:
                self.mark_latest(article)
            self.save_sequence()
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                self.db.execute("ROLLBACK")
            raise
        return len(added)


def read_records(archive: Path) -> Iterator[dict[str, Any]]:
    """Every valid record of an archive's JSON Lines files, through the reader every command uses:
    a malformed line (not JSON, not of the schema's shape) is skipped with one warning naming it."""
    from archiver.datasets.source import RecordFiles

    for _line, record in RecordFiles.locate(archive).records():
        yield record


def build(archive: Path, records: Iterable[dict[str, Any] | Row | None] | None = None, *, path: Path | None = None,
          batch: int = 5000) -> tuple[int, int]:
    """Write a new index from the records (default: the archive's), then swap it in; (indexed, skipped).

    ``records`` may hold rows made by other processes (``index_tasks.rows_of_archive``).
    """
    target = path or index_path(archive)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(target.name + ".building")
    leftovers = (scratch, scratch.with_name(scratch.name + "-wal"), scratch.with_name(scratch.name + "-shm"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        return _build(archive, records, target, scratch, batch)
    except BaseException:
        # A full disk, an interruption: the index in use stays as it was, and nothing half-built is left.
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
        raise


def _build(archive: Path, records: Iterable[dict[str, Any] | Row | None] | None, target: Path, scratch: Path,
           batch: int) -> tuple[int, int]:
    db = connect(scratch, create=True)
    try:
        return _load(db, archive, records, target, scratch, batch)
    finally:
        db.close()


def _load(db: sqlite3.Connection, archive: Path, records: Iterable[dict[str, Any] | Row | None] | None, target: Path,
          scratch: Path, batch: int) -> tuple[int, int]:
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-65536")  # 64 MiB: bounded whatever the archive's size
    # Bulk load: no incremental merging of FTS5 segments while loading; one 'optimize' at the end.
    db.execute("INSERT INTO fts (fts, rank) VALUES ('automerge', 0)")
    db.execute("INSERT INTO fts (fts, rank) VALUES ('crisismerge', 64)")
    writer = Writer(db)
    indexed = skipped = 0
    db.execute("BEGIN")
    for record in records if records is not None else read_records(archive):
        if writer.add(record):
            indexed += 1
        else:
            skipped += 1
        if indexed and indexed % batch == 0:
            db.execute("COMMIT")
            db.execute("BEGIN")
    writer.mark_latest()
    writer.save_sequence()
    db.execute("COMMIT")
    db.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    db.execute("INSERT INTO fts (fts, rank) VALUES ('automerge', 4)")  # FTS5's default, for the crawl's adds
    db.execute("INSERT INTO fts (fts, rank) VALUES ('crisismerge', 16)")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    os.replace(scratch, target)
    if skipped:
        logger.warning("%d record(s) without a URL or body were not indexed", skipped)
    return indexed, skipped
