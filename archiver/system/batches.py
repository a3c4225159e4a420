"""Items handed to a writer thread in batches: one transaction for what comes together, not one per item."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


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

    def __len__(self) -> int:
        """Items handed over and not taken yet."""
        with self._lock:
            return len(self._items)

    def take(self, limit: int | None = None) -> tuple[list[T], list[threading.Event], bool]:
        """For the writer: after at most ``linger`` seconds, the items handed over (the first ``limit``;
        the next call takes the rest at once), the flushes waiting for them (set them once the items are
        written), and whether the handing side has closed (and nothing is left)."""
        self._wake.wait(self.linger)
        self._wake.clear()
        with self._lock:
            if limit is not None and len(self._items) > limit:
                items, self._items = self._items[:limit], self._items[limit:]
                self._wake.set()  # the rest, with the flushes and the end, at the next call
                return items, [], False
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
