"""The seen-store and the payload digest index in Redis, shared by every worker of a crawl."""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.discovery.urls import url_key
from archiver.distributed.connection import Outage, redis_from_settings, redis_text
from archiver.crawl.seen import FeedState, SeenEntry, SeenStore, entry_from_json, timestamp_of
from archiver.warc.records import Original

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


logger = logging.getLogger(__name__)

# Writes younger than this are written again after an outage: a Redis that came back from a
# crash may have lost its last second or so (appendfsync everysec), and a write is idempotent.
REPLAY_SECONDS = 60.0


class RecentWrites:
    """The writes of the last ``REPLAY_SECONDS``, replayed when Redis comes back from an outage."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.writes: deque[tuple[float, Callable[[], None]]] = deque()
        Outage.recovery_hooks.append(self.replay)

    def add(self, write: Callable[[], None]) -> None:
        now = time.monotonic()
        self.writes.append((now, write))
        while self.writes and self.writes[0][0] < now - REPLAY_SECONDS:
            self.writes.popleft()

    def replay(self) -> None:
        writes = [write for _, write in list(self.writes)]  # list(): one step, another thread may append
        for write in writes:
            write()
        if writes:
            logger.info("Reconciled with Redis after the outage: %d recent %s written again", len(writes), self.name)

    def close(self) -> None:
        if self.replay in Outage.recovery_hooks:
            Outage.recovery_hooks.remove(self.replay)


def state_prefix(settings: BaseSettings) -> str:
    """Key prefix of an archive's shared state; every worker writing into one archive must use the same."""
    return settings.get("REDIS_STATE_KEY") or "archiver:state"


class RedisSeenStore(SeenStore):
    """``SeenStore`` in Redis: the SQLite store's layout, as hashes and a sorted set.

    ``:seen`` maps every key (a URL and its aliases) to the entry; ``:aliases:<key>``
    lists the aliases so ``touch`` updates them all; ``:published`` orders articles by
    date for revisits; ``:feeds`` holds the adaptive feed states. ``mark`` is one
    MULTI/EXEC: durable (as Redis is configured) and all-or-nothing on return.
    """

    def __init__(self, server: Redis, prefix: str) -> None:
        self.server = server
        self.prefix = prefix
        self.recent_marks = RecentWrites("seen-store marks")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisSeenStore:
        return cls(redis_from_settings(crawler.settings), state_prefix(crawler.settings))

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def get(self, url: str) -> SeenEntry | None:
        data = redis_text(self.server.hget(self._key("seen"), url_key(url)))
        return entry_from_json(data) if data else None

    def mark(self, entry: SeenEntry, aliases: Iterable[str] = ()) -> None:
        aliases = list(aliases)
        self._mark(entry, aliases)
        self.recent_marks.add(lambda: self._mark(entry, aliases))

    def _mark(self, entry: SeenEntry, aliases: list[str]) -> None:
        key = url_key(entry.url)
        data = json.dumps(asdict(entry), separators=(",", ":"))
        keys = {key} | {url_key(alias) for alias in aliases}
        published = timestamp_of(entry.published) or timestamp_of(entry.fetched_at) or time.time()
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self._key("seen"), mapping={k: data for k in keys})
        pipe.sadd(self._key(f"aliases:{key}"), *keys)
        if entry.kind == "article":
            pipe.zadd(self._key("published"), {key: published})
            if entry.site:
                pipe.hset(self._key("site"), key, entry.site)
        pipe.execute()

    def touch(self, url: str, checked_at: float) -> None:
        entry = self.get(url)
        if entry is None:
            return
        entry.checked_at = checked_at
        key = url_key(entry.url)
        data = json.dumps(asdict(entry), separators=(",", ":"))
        keys = [redis_text(k) for k in self.server.smembers(self._key(f"aliases:{key}"))] or [key]
        self.server.hset(self._key("seen"), mapping={k: data for k in keys if k})

    def recent(self, max_age_days: float, site: str | None = None) -> list[SeenEntry]:
        since = time.time() - max_age_days * 86400
        keys = [redis_text(k) for k in self.server.zrevrangebyscore(self._key("published"), "+inf", since)]
        if not keys:
            return []
        entries = [entry_from_json(redis_text(d)) for d in self.server.hmget(self._key("seen"), keys) if d]
        return [e for e in entries if e.kind == "article" and (site is None or e.site == site)]

    def feed_state(self, url: str) -> FeedState | None:
        data = redis_text(self.server.hget(self._key("feeds"), url))
        return FeedState(**json.loads(data)) if data else None

    def save_feed_state(self, state: FeedState) -> None:
        self.server.hset(self._key("feeds"), state.url, json.dumps(asdict(state)))

    def close(self) -> None:
        self.recent_marks.close()
        self.server.close()


class RedisDigestIndex:
    """``DigestIndex`` in Redis: payload digest -> the record that first stored it, for every worker.

    ``add`` is HSETNX, so of two workers archiving one payload at once the first wins and
    the other's record simply stays a full response. ``:byfile:<filename>`` (a sorted set
    by end offset) lets recovery drop the entries of a file it had to cut.
    """

    def __init__(self, server: Redis, prefix: str) -> None:
        self.server = server
        self.key = f"{prefix}:digests"
        self.recent_adds = RecentWrites("payload digests")

    @classmethod
    def from_archive(cls, archive_root: Path, settings: Any = None) -> RedisDigestIndex:
        if settings is None or not settings.get("REDIS_URL"):
            raise ValueError("RedisDigestIndex needs the crawl's settings with REDIS_URL")
        return cls(redis_from_settings(settings), state_prefix(settings))

    def get(self, digest: str) -> Original | None:
        data = redis_text(self.server.hget(self.key, digest))
        return Original(**json.loads(data)) if data else None

    def add(self, digest: str, original: Original) -> None:
        self._add(digest, original)
        self.recent_adds.add(lambda: self._add(digest, original))

    def _add(self, digest: str, original: Original) -> None:
        data = json.dumps(asdict(original), separators=(",", ":"))
        # The second test: this very add, retried after its reply was lost.
        if self.server.hsetnx(self.key, digest, data) or redis_text(self.server.hget(self.key, digest)) == data:
            self.server.zadd(f"{self.key}:byfile:{original.filename}", {digest: original.offset + original.length})

    def forget(self, digest: str) -> None:
        original = self.get(digest)
        self.server.hdel(self.key, digest)
        if original is not None:
            self.server.zrem(f"{self.key}:byfile:{original.filename}", digest)

    def forget_beyond(self, filename: str, size: int) -> int:
        byfile = f"{self.key}:byfile:{filename}"
        forgotten = 0
        for digest in [redis_text(d) for d in self.server.zrangebyscore(byfile, f"({size}", "+inf")]:
            original = self.get(digest) if digest else None
            if original is not None and original.filename == filename:
                self.server.hdel(self.key, digest)
                forgotten += 1
            self.server.zrem(byfile, digest)
        return forgotten

    def items(self) -> Iterator[tuple[str, Original]]:
        for digest, data in self.server.hscan_iter(self.key):
            yield redis_text(digest) or "", Original(**json.loads(redis_text(data) or "{}"))

    def close(self) -> None:
        self.recent_adds.close()
        self.server.close()
