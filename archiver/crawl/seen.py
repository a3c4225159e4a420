"""The seen-store: what an archive already holds, keyed by canonical URL, so re-runs fetch only what is new.

``SeenStore`` is the small interface the crawl uses; ``SqliteSeenStore`` keeps it in one
SQLite file in the archive folder (no server). Another backend (Redis, for distributed
crawls) implements the same methods and is named by the ``SEEN_STORE`` setting.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.misc import load_object

from archiver.discovery.urls import url_key
from archiver.system.batches import Handover
from archiver.system.sqlite_open import set_up_when_unlocked

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


@dataclass
class SeenEntry:
    """What the archive knows about one URL."""

    url: str  # the URL fetched (after redirects)
    kind: str = "article"  # "article" (has a record) or "document" (PDF etc.: the WARC capture only)
    record_id: str | None = None  # WARC-Record-ID of the response: the record id of the article
    fetched_at: str | None = None  # WARC-Date of that response
    content_sha1: str | None = None  # SHA-1 of the article body
    published: str | None = None  # ISO 8601, from the page (or the sitemap/feed)
    etag: str | None = None  # for If-None-Match on revisits
    last_modified: str | None = None  # for If-Modified-Since
    version: int = 1
    site: str | None = None
    checked_at: float | None = None  # Unix time of the last fetch or 304

    def age_days(self, now: float | None = None) -> float:
        """Days since publication (or, without a date, since the first capture)."""
        now = time.time() if now is None else now
        for value in (self.published, self.fetched_at):
            stamp = timestamp_of(value)
            if stamp is not None:
                return (now - stamp) / 86400
        return float("inf")


@dataclass
class FeedState:
    """When a feed or sitemap was last read and changed, for adaptive refetching."""

    url: str
    signature: str  # hash of the entry URLs: changes when an entry comes or goes
    checked_at: float
    changed_at: float
    interval: float  # seconds until it is due again


def next_feed_state(previous: FeedState | None, url: str, signature: str, now: float, interval: float,
                    max_backoff: float) -> FeedState:
    """A feed read now: due again after ``interval`` if it changed, else after twice its last wait
    (at most ``max_backoff`` times ``interval``)."""
    if previous is None or previous.signature != signature:
        return FeedState(url, signature, checked_at=now, changed_at=now, interval=interval)
    return FeedState(url, signature, checked_at=now, changed_at=previous.changed_at,
                     interval=min(previous.interval * 2, interval * max_backoff))


class SeenStore(ABC):
    """What the crawl asks of a seen-store; keys are ``url_key()`` of the URLs given."""

    @abstractmethod
    def get(self, url: str) -> SeenEntry | None:
        """The entry of ``url`` or of any URL marked as its alias."""

    @abstractmethod
    def mark(self, entry: SeenEntry, aliases: Iterable[str] = ()) -> None:
        """Record ``entry`` under its URL and ``aliases`` (canonical URL, redirect chain). ``get`` sees it
        at once; it is durable on return, or after ``flush`` where the store writes in batches. A write
        that failed since the last call may be raised here (or by ``flush``)."""

    def flush(self) -> None:
        """Wait until every mark so far is durable; raise a write of them that failed."""

    @abstractmethod
    def touch(self, url: str, checked_at: float) -> None:
        """Note that ``url`` was checked and found unchanged."""

    @abstractmethod
    def recent(self, max_age_days: float, site: str | None = None) -> list[SeenEntry]:
        """Articles younger than ``max_age_days`` (of ``site``), for revisits."""

    @abstractmethod
    def feed_state(self, url: str) -> FeedState | None: ...

    @abstractmethod
    def save_feed_state(self, state: FeedState) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class SqliteSeenStore(SeenStore):
    """The seen-store in one SQLite file (WAL journal: a killed crawl loses no committed mark).

    Marks are written by a thread of their own, which takes those handed over every ``MARK_LINGER``
    seconds and writes them in one transaction: a transaction a page on the crawl's thread (its
    commit, the write-ahead log, the checkpoints' fsync) took 0.3-0.4 ms of that thread's time a page.
    Until it is committed a mark is kept in memory, where ``get`` finds it. A killed crawl loses the
    marks of its last half second; the records they stand for are in its records file, which the next
    crawl's start reads and marks (``pipelines.seen``'s reconciliation), as after any mark that failed.
    """

    MARK_LINGER = 0.5  # seconds between the writer's transactions

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS seen (
        key TEXT PRIMARY KEY, alias_of TEXT, entry TEXT NOT NULL, site TEXT, published_at REAL
    );
    CREATE INDEX IF NOT EXISTS seen_recent ON seen (published_at) WHERE alias_of IS NULL;
    CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, state TEXT NOT NULL);
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: another crawl of the same archive (archiver schedule --jobs) may hold the lock.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        set_up_when_unlocked(self._set_up)
        self._pending: dict[str, str] = {}  # key -> entry (JSON) of the marks not committed yet
        self._lock = threading.Lock()
        self._marks: Handover[list[tuple[Any, ...]]] = Handover(self.MARK_LINGER)
        self._writer: threading.Thread | None = None
        self._failure: BaseException | None = None  # a failed write, not raised yet

    def _set_up(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process
        self._db.executescript(self.SCHEMA)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SqliteSeenStore:
        return cls(seen_store_path(crawler.settings))

    def get(self, url: str) -> SeenEntry | None:
        key = url_key(url)
        with self._lock:
            pending = self._pending.get(key)
        if pending is not None:
            return entry_from_json(pending)
        row = self._db.execute("SELECT entry FROM seen WHERE key = ?", (key,)).fetchone()
        return entry_from_json(row[0]) if row else None

    def mark(self, entry: SeenEntry, aliases: Iterable[str] = ()) -> None:
        key = url_key(entry.url)
        data = json.dumps(vars(entry), separators=(",", ":"))  # flat: asdict would copy each field
        published = timestamp_of(entry.published) or timestamp_of(entry.fetched_at)
        rows = [(key, None, data, entry.site, published)]
        rows += [(alias, key, data, entry.site, published) for alias in {url_key(a) for a in aliases} - {key}]
        with self._lock:
            self._pending.update((row[0], data) for row in rows)
        if self._writer is None or not self._writer.is_alive():  # the first mark, or a writer that died
            self._writer = threading.Thread(target=self._write, name="seen-store", daemon=True)
            self._writer.start()
        self._marks.put(rows)
        self._raise_failure()

    def flush(self) -> None:
        if self._writer is not None:
            done = self._marks.flush()
            while not done.wait(1.0) and self._writer.is_alive():
                pass
        self._raise_failure()

    def _raise_failure(self) -> None:
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def _write(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            closed = False
            while not closed:
                marks, flushes, closed = self._marks.take()
                rows = [row for rows in marks for row in rows]
                if rows:
                    self._commit(db, rows)
                for done in flushes:
                    done.set()
        except Exception as error:  # noqa: BLE001 - the crawl hears of it at its next mark
            self._failure = self._failure or error
            logger.error("seen-store %s: its writer stopped: %r", self.path, error)
        finally:
            db.close()

    def _commit(self, db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
        try:
            with db:  # one transaction
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?)", rows)
        except (sqlite3.Error, OSError) as error:
            # Raised to the crawl by its next mark (or flush): it counts the failure and, on a full disk,
            # stops; the records stay, and the next start marks them from the records file.
            self._failure = self._failure or error
        finally:
            with self._lock:
                for row in rows:
                    if self._pending.get(row[0]) is row[2]:  # not marked again since
                        del self._pending[row[0]]

    def touch(self, url: str, checked_at: float) -> None:
        if self._pending:
            self.flush()  # the UPDATE below must find the rows
        entry = self.get(url)
        if entry is not None:
            entry.checked_at = checked_at
            key = url_key(url)
            self._hint("UPDATE seen SET entry = ? WHERE key = ? OR alias_of = ?",
                       (json.dumps(asdict(entry), separators=(",", ":")), key, key))

    def recent(self, max_age_days: float, site: str | None = None) -> list[SeenEntry]:
        if self._pending:
            self.flush()
        since = time.time() - max_age_days * 86400
        query = "SELECT entry FROM seen WHERE alias_of IS NULL AND published_at >= ?"
        params: tuple[Any, ...] = (since,)
        if site is not None:
            query += " AND site = ?"
            params += (site,)
        entries = [entry_from_json(row[0]) for row in self._db.execute(query + " ORDER BY published_at DESC", params)]
        return [e for e in entries if e.kind == "article"]

    def feed_state(self, url: str) -> FeedState | None:
        row = self._db.execute("SELECT state FROM feeds WHERE url = ?", (url,)).fetchone()
        return FeedState(**json.loads(row[0])) if row else None

    def save_feed_state(self, state: FeedState) -> None:
        self._hint("INSERT OR REPLACE INTO feeds VALUES (?, ?)", (state.url, json.dumps(asdict(state))))

    def _hint(self, sql: str, parameters: tuple[Any, ...]) -> None:
        """A write whose loss costs a refetch at most (when an article was last checked, a feed's state): on a
        full disk it is left out with a warning, and the crawl goes on (its guard stops it soon enough)."""
        try:
            self._db.execute(sql, parameters)
        except sqlite3.OperationalError as error:
            if "full" not in str(error):
                raise
            logger.warning("seen-store %s not updated: %s", self.path, error)

    def close(self) -> None:
        """Commit the marks still waiting, then close (a failed write is logged: the store is going)."""
        if self._writer is not None:
            self._marks.close()
            self._writer.join()
            self._writer = None
        if self._failure is not None:
            logger.warning("seen-store %s: the last marks were not written (%s); the next crawl marks them "
                           "from the records", self.path, self._failure)
            self._failure = None
        self._db.close()


def seen_store_path(settings: Any) -> Path:
    path = settings.get("SEEN_STORE_PATH")
    return Path(path) if path else Path(settings.get("ARCHIVE_DIR")) / "state" / "seen.sqlite3"


_STORES: weakref.WeakKeyDictionary[Crawler, SeenStore] = weakref.WeakKeyDictionary()


def seen_store(crawler: Crawler) -> SeenStore:
    """The crawl's one seen-store (``SEEN_STORE``), opened on first use and closed with the spider."""
    store = _STORES.get(crawler)
    if store is None:
        store = load_object(crawler.settings.get("SEEN_STORE")).from_crawler(crawler)
        _STORES[crawler] = store

        def close() -> None:
            _STORES.pop(crawler, None)
            store.close()

        # After everything else that handles spider_closed (pipelines close before it).
        crawler.signals.connect(close, signal=signals.engine_stopped, weak=False)
    return store


def entry_from_json(data: str) -> SeenEntry:
    known = {f.name for f in fields(SeenEntry)}
    return SeenEntry(**{k: v for k, v in json.loads(data).items() if k in known})


def timestamp_of(value: str | None) -> float | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
