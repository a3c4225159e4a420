"""Batches off a queue for a writer thread: one transaction for what comes together, not one per item."""

from __future__ import annotations

import queue
import time
from typing import TypeVar

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
