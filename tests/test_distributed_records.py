"""Reconciling a dead worker's unconfirmed records against the shared seen-store (a real Redis)."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

redis = pytest.importorskip("redis", reason="pip install '.[distributed]'")


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def record(url: str, record_id: str, fetched_at: str) -> dict:
    return {"url": url, "canonical_url": url, "id": record_id, "fetched_at": fetched_at, "content_sha1": "x"}


@pytest.fixture
def dead_writer(redis_url, tmp_path):
    """A worker of this host killed after writing one record line it had not confirmed."""
    import socket

    from archiver.distributed.stores import RedisSeenStore

    server = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}"
    line = record("http://example.com/a/", "<urn:uuid:1>", "2026-12-01T10:00:00Z")
    path = tmp_path / "articles" / "crawl.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    writer = f"{socket.gethostname()}:{dead_pid()}"
    server.hset(f"{prefix}:writers", writer, str(path))
    server.sadd(f"{prefix}:unconfirmed:{writer}", line["id"])
    return server, prefix, RedisSeenStore(server, prefix), path, line


def reconcile(server, prefix, store):
    import socket

    from archiver.distributed.records import reconcile_dead_writers

    return reconcile_dead_writers(server, prefix, store, socket.gethostname())


def test_a_record_the_dead_worker_marked_but_did_not_confirm_is_kept(dead_writer):
    from archiver.distributed.records import _entry_of

    server, prefix, store, path, line = dead_writer
    store.mark(_entry_of(line), aliases=[line["url"]])  # killed between the seen-store mark and the confirmation
    assert reconcile(server, prefix, store) == (0, 1)
    assert [json.loads(x)["id"] for x in path.read_text().splitlines()] == [line["id"]]


def test_a_record_another_worker_made_since_wins(dead_writer):
    from archiver.distributed.records import _entry_of

    server, prefix, store, path, line = dead_writer
    # The page fetched again elsewhere, its payload unchanged: a revisit keeps the original's id.
    store.mark(_entry_of(record(line["url"], line["id"], "2026-12-01T10:05:00Z")), aliases=[line["url"]])
    assert reconcile(server, prefix, store) == (1, 0)
    assert path.read_text() == ""


def test_a_record_nobody_made_since_is_adopted(dead_writer):
    server, prefix, store, path, line = dead_writer
    assert reconcile(server, prefix, store) == (0, 1)
    assert store.get(line["url"]).record_id == line["id"]
    assert path.read_text().strip()
