"""Exactly-once article records across workers: unconfirmed records, and reconciling dead writers.

A record is written (JSON Lines, flushed) and then marked in the shared seen-store. A
worker killed between the two leaves a line nobody has confirmed; its lease expires and
another worker fetches the page again and records it too. So each worker notes, in Redis,
the records it is about to write (``:unconfirmed:<host>:<pid>``) and clears them once the
seen-store is marked. A worker starting on an archive folder reconciles the JSON Lines
files of dead writers on its host: an unconfirmed line is dropped if the seen-store names
another record (another worker recorded the article since), kept if it names this very
record (the dead worker marked it and died before confirming), and adopted — marked in the
seen-store — if nobody recorded the article since.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archiver.distributed.connection import redis_from_settings, redis_text
from archiver.distributed.stores import state_prefix
from archiver.record.items import Article
from archiver.crawl.seen import SeenEntry, SeenStore, seen_store

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True



def reconcile_dead_writers(server: Redis, prefix: str, store: SeenStore, host: str) -> tuple[int, int]:
    """Settle the unconfirmed records of dead writers on ``host``; returns (dropped, adopted) lines."""
    dropped = adopted = 0
    for writer, path in server.hgetall(f"{prefix}:writers").items():
        writer, path = redis_text(writer), Path(redis_text(path))
        writer_host, _, pid = writer.rpartition(":")
        if writer_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        unconfirmed = {redis_text(r) for r in server.smembers(f"{prefix}:unconfirmed:{writer}")}
        if unconfirmed and path.exists():
            d, a = _settle_file(path, unconfirmed, store)
            dropped, adopted = dropped + d, adopted + a
            store.flush()  # its marks durable before the list that would redo them is gone
        server.delete(f"{prefix}:unconfirmed:{writer}")
        server.hdel(f"{prefix}:writers", writer)
    return dropped, adopted


def _settle_file(path: Path, unconfirmed: set[str], store: SeenStore) -> tuple[int, int]:
    kept, dropped, adopted = [], 0, 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            dropped += 1  # the half-written last line of the kill
            continue
        if record.get("id") in unconfirmed:
            seen = store.get(record.get("canonical_url") or record["url"]) or store.get(record["url"])
            if seen is None:
                store.mark(_entry_of(record), aliases=[record["url"]])
            elif (seen.record_id, seen.fetched_at) != (record.get("id"), record.get("fetched_at")):
                # Another worker recorded the article since: its record stands. (A revisit keeps
                # the original's id, but not its fetch time: the same id alone is not this line.)
                dropped += 1
                continue
            # Else the dead worker marked this very record and died before confirming it: keep it.
            adopted += 1
        kept.append(line)
    temporary = path.with_suffix(".reconciled")
    temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    with open(temporary, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(temporary, path)
    logger.info("Reconciled %s: %d unconfirmed lines dropped, %d adopted", path, dropped, adopted)
    return dropped, adopted


def _entry_of(record: dict) -> SeenEntry:
    return SeenEntry(url=record["url"], record_id=record.get("id"), fetched_at=record.get("fetched_at"),
                     content_sha1=record.get("content_sha1"), published=record.get("published"),
                     version=record.get("version") or 1)


class RecordCommitPipeline:
    """Notes each record as unconfirmed before it is written; clears it once the seen-store has it.

    Runs between the seen-store pipeline (500) and the JSON Lines writer (800); its
    ``item_scraped`` handler is connected after the seen-store pipeline's, so it clears
    a record only after the seen-store is marked.
    """

    def __init__(self, crawler: Crawler, server: Redis, prefix: str) -> None:
        self.crawler = crawler
        self.server = server
        self.prefix = prefix
        self.host = socket.gethostname()
        self.writer = f"{self.host}:{os.getpid()}"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.get("REDIS_URL") or not settings.getbool("SEEN_ENABLED"):
            raise NotConfigured
        pipeline = cls(crawler, redis_from_settings(settings), state_prefix(settings))
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def open_spider(self) -> None:
        dropped, adopted = reconcile_dead_writers(self.server, self.prefix, seen_store(self.crawler), self.host)
        stats = self.crawler.stats
        assert stats is not None
        if dropped or adopted:
            stats.set_value("records/reconciled_dropped", dropped)
            stats.set_value("records/reconciled_adopted", adopted)

    def process_item(self, item: object) -> object:
        if isinstance(item, Article) and item.id:
            path = self.crawler.stats.get_value("jsonl/path") if self.crawler.stats else None
            pipe = self.server.pipeline(transaction=True)
            if path:
                pipe.hset(f"{self.prefix}:writers", self.writer, str(Path(path).resolve()))
            pipe.sadd(f"{self.prefix}:unconfirmed:{self.writer}", item.id)
            pipe.execute()
        return item

    def item_scraped(self, item: object, **kwargs: object) -> None:
        if isinstance(item, Article) and item.id:
            self.server.srem(f"{self.prefix}:unconfirmed:{self.writer}", item.id)

    def close_spider(self) -> None:
        # A clean stop leaves nothing unconfirmed: nothing for anyone to reconcile.
        if not self.server.scard(f"{self.prefix}:unconfirmed:{self.writer}"):
            self.server.hdel(f"{self.prefix}:writers", self.writer)
