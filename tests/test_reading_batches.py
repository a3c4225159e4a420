"""The reading-index pipeline's batches: records that come close together share one transaction."""

from __future__ import annotations

import queue
import threading
import time

from archiver.system.batches import next_batch


def test_a_batch_takes_what_comes_within_the_linger():
    source: queue.Queue = queue.Queue()
    source.put({"n": 1})
    late = threading.Timer(0.05, source.put, ({"n": 2},))
    late.start()
    batch, done = next_batch(source, limit=10, linger=1.0)
    late.join()
    # The second record came 0.05 s after the first: the same batch (which then waited out its second).
    assert [record["n"] for record in batch] == [1, 2]
    assert not done


def test_the_end_closes_the_batch_at_once():
    source: queue.Queue = queue.Queue()
    for n in range(3):
        source.put({"n": n})
    source.put(None)
    started = time.monotonic()
    batch, done = next_batch(source, limit=10, linger=30.0)
    assert [record["n"] for record in batch] == [0, 1, 2] and done
    assert time.monotonic() - started < 10  # not the whole linger: the end was in the queue


def test_a_batch_never_holds_more_than_its_limit():
    source: queue.Queue = queue.Queue()
    for n in range(5):
        source.put({"n": n})
    batch, done = next_batch(source, limit=2, linger=30.0)
    assert [record["n"] for record in batch] == [0, 1] and not done
    assert source.qsize() == 3
