"""Batches for a writer thread (the reading index, the seen-store): records that come close together share
one transaction."""

from __future__ import annotations

import threading
import time

from archiver.system.batches import Handover


def test_a_batch_takes_what_comes_within_the_linger():
    source: Handover = Handover(linger=1.0)
    source.put({"n": 1})
    late = threading.Timer(0.05, source.put, ({"n": 2},))
    late.start()
    batch, _, done = source.take(limit=10)
    late.join()
    # The second record came 0.05 s after the first: the same batch (which then waited out its second).
    assert [record["n"] for record in batch] == [1, 2]
    assert not done


def test_the_end_closes_the_batch_at_once():
    source: Handover = Handover(linger=30.0)
    for n in range(3):
        source.put({"n": n})
    source.close()
    started = time.monotonic()
    batch, _, done = source.take(limit=10)
    assert [record["n"] for record in batch] == [0, 1, 2] and done
    assert time.monotonic() - started < 10  # not the whole linger: the end was handed over


def test_a_batch_never_holds_more_than_its_limit():
    source: Handover = Handover(linger=30.0)
    for n in range(5):
        source.put({"n": n})
    source.close()
    batch, _, done = source.take(limit=2)
    assert [record["n"] for record in batch] == [0, 1] and not done
    assert len(source) == 3
    started = time.monotonic()
    assert [record["n"] for record in source.take(limit=2)[0]] == [2, 3]  # the rest at once
    assert source.take(limit=2)[0] == [{"n": 4}] and time.monotonic() - started < 10


def test_a_flush_is_answered_after_the_items_before_it():
    source: Handover = Handover(linger=30.0)
    source.put("a")
    flushed = source.flush()
    started = time.monotonic()
    items, waiters, done = source.take()
    assert items == ["a"] and waiters == [flushed] and not done
    assert time.monotonic() - started < 10  # the flush woke the writer
