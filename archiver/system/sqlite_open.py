"""Setting up an SQLite file that several crawls of one archive may open at the same moment."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Longer than any other crawl takes to switch the file to WAL and create its tables.
SET_UP_RETRY_SECONDS = 30.0


def set_up_when_unlocked(set_up: Callable[[], T], seconds: float = SET_UP_RETRY_SECONDS) -> T:
    """Run ``set_up`` (the switch to WAL, ``CREATE ... IF NOT EXISTS``), again while SQLite says the
    file is locked.

    Two connections switching a new file to WAL at once race, and SQLite answers the loser "database
    is locked" at once: the connection's busy timeout does not apply there. ``archiver schedule
    --jobs`` starts the crawls of one archive together, so without this one of them died at start.
    ``set_up`` must be safe to run twice.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            return set_up()
        except sqlite3.OperationalError as error:
            message = str(error)
            if "locked" not in message and "busy" not in message or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
