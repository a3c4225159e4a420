"""Crawls of one archive opening its SQLite files at the same moment (archiver schedule --jobs)."""

from __future__ import annotations

import multiprocessing

import pytest

from archiver.reading.index import connect
from archiver.crawl.seen import SqliteSeenStore
from archiver.warc.digests import SqliteDigestIndex

PROCESSES = 6
ROUNDS = 10


def _seen(path):
    SqliteSeenStore(path).close()


def _digests(path):
    SqliteDigestIndex(path).close()


def _search_index(path):
    connect(path, create=True).close()


def _open_at_once(open_file, path, barrier):
    barrier.wait()
    open_file(path)


@pytest.mark.parametrize("open_file", [_seen, _digests, _search_index])
def test_crawls_opening_a_new_file_at_once_all_open_it(tmp_path, open_file):
    # Each opens the new file and switches it to WAL; SQLite answers the losers of that race
    # "database is locked" at once, whatever the connection's timeout.
    context = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        path = tmp_path / f"{round_}.sqlite"
        barrier = context.Barrier(PROCESSES)
        workers = [context.Process(target=_open_at_once, args=(open_file, path, barrier)) for _ in range(PROCESSES)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [w.exitcode for w in workers] == [0] * PROCESSES, f"round {round_}"
