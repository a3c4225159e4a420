"""The seen-store: what an archive already holds, keyed by canonical URL, so re-runs fetch only what is new.

``SeenStore`` is the small interface the crawl uses; ``SqliteSeenStore`` keeps it in one
SQLite file in the archive folder (no server). Another backend (Redis, for distributed
crawls) implements the same methods and is named by the ``SEEN_STORE`` setting.
"""

from __future__ import annotations

import json
import logging
import sqlite3
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
        """Record ``entry`` under its URL and ``aliases`` (canonical URL, redirect chain); durable on return."""

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
    """The seen-store in one SQLite file (WAL journal: a killed crawl loses no committed mark)."""

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

    def _set_up(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process
        self._db.executescript(self.SCHEMA)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SqliteSeenStore:
        return cls(seen_store_path(crawler.settings))

    def get(self, url: str) -> SeenEntry | None:
        row = self._db.execute("SELECT entry FROM seen WHERE key = ?", (url_key(url),)).fetchone()
        return entry_from_json(row[0]) if row else None

    def mark(self, entry: SeenEntry, aliases: Iterable[str] = ()) -> None:
        key = url_key(entry.url)
        data = json.dumps(asdict(entry), separators=(",", ":"))
        published = timestamp_of(entry.published) or timestamp_of(entry.fetched_at)
        rows = [(key, None, data, entry.site, published)]
        rows += [(alias, key, data, entry.site, published) for alias in {url_key(a) for a in aliases} - {key}]
        with self._db:  # one transaction
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?)", rows)

    def touch(self, url: str, checked_at: float) -> None:
        entry = self.get(url)
        if entry is not None:
            entry.checked_at = checked_at
            key = url_key(url)
            self._hint("UPDATE seen SET entry = ? WHERE key = ? OR alias_of = ?",
                       (json.dumps(asdict(entry), separators=(",", ":")), key, key))

    def recent(self, max_age_days: float, site: str | None = None) -> list[SeenEntry]:
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
