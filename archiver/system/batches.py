"""Items handed to a writer thread in batches: one transaction for what comes together, not one per item."""

from __future__ import annotations

import queue
import threading
import time
from typing import Generic, TypeVar

T = TypeVar("T")


def next_batch(source: queue.Queue[T | None], limit: int, linger: float) -> tuple[list[T], bool]:
    """Up to ``limit`` items: the first waited for, then those that come within ``linger`` seconds;
    and whether the end (None) was taken."""
    batch: list[T | None] = [source.get()]
    deadline = time.monotonic() + linger
    while batch[-1] is not None and len(batch) < limit:
        remaining = deadline - time.monotonic()
        try:
            batch.append(source.get(timeout=remaining) if remaining > 0 else source.get_nowait())
        except queue.Empty:
            break
    if batch[-1] is None:
        return batch[:-1], True  # type: ignore[return-value]
    return batch, False  # type: ignore[return-value]


class Handover(Generic[T]):
    """Items one thread hands to a writer thread, which takes them all every ``linger`` seconds.

    Unlike a queue, handing an item over never wakes the writer: on a crawl's thread, a wake-up an
    item (the writer then asks for Python's lock) cost more than the item's own work. ``flush`` and
    ``close`` wake it at once.
    """

    def __init__(self, linger: float) -> None:
        self.linger = linger
        self._items: list[T] = []
        self._waiters: list[threading.Event] = []
        self._closed = False
        self._lock = threading.Lock()
        self._wake = threading.Event()

    def put(self, item: T) -> None:
        with self._lock:
            self._items.append(item)

    def take(self) -> tuple[list[T], list[threading.Event], bool]:
        """For the writer: after at most ``linger`` seconds, the items handed over, the flushes waiting
        for them (set them once the items are written), and whether the handing side has closed."""
        self._wake.wait(self.linger)
        self._wake.clear()
        with self._lock:
            items, self._items = self._items, []
            waiters, self._waiters = self._waiters, []
            return items, waiters, self._closed

    def flush(self) -> threading.Event:
        """An event the writer sets once every item handed over so far is written."""
        done = threading.Event()
        with self._lock:
            self._waiters.append(done)
        self._wake.set()
        return done

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()
