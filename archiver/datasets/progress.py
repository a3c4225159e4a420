"""A one-line progress bar on stderr for long exports (no dependency)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24


class Progress:
    """Redraws ``label  42% [#####.....] 12,000 records  850 records/s  3.4 MB/s`` a few times a second.

    The counts are summed over every worker (``workers.Tally``), so the rates are the
    whole job's. Shown only when ``enabled`` (``--progress``, or stderr is a terminal);
    otherwise every call is a no-op, so callers never branch on it.
    """

    def __init__(self, total_bytes: int, *, enabled: bool, stream: TextIO | None = None,
                 interval: float = 0.2) -> None:
        self.total = max(total_bytes, 1)
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self.interval = interval
        self.label = ""
        self._started = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._width = 0

    @staticmethod
    def wanted(flag: bool | None, stream: TextIO | None = None) -> bool:
        """``--progress``/``--no-progress`` win; by default only on a terminal."""
        if flag is not None:
            return flag
        stream = stream or sys.stderr
        return bool(getattr(stream, "isatty", lambda: False)())

    def stage(self, label: str, total_bytes: int | None = None) -> None:
        """Start a new line for the next stage (the last one stays on screen); ``total_bytes``: its size."""
        self.close()
        self.label = label
        if total_bytes is not None:
            self.total = max(total_bytes, 1)
        self._started = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, done_bytes: int, items: int, noun: str = "records", *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self.interval and done_bytes < self.total:
            return
        self._last = now
        fraction = min(done_bytes / self.total, 1.0)
        filled = int(fraction * BAR_WIDTH)
        seconds = max(now - self._started, 1e-9)
        line = (f"{self.label:<10} {fraction:4.0%} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
                f"{items:,} {noun}  {items / seconds:,.0f} {noun}/s  {done_bytes / seconds / 1e6:.1f} MB/s")
        self.stream.write("\r" + line.ljust(self._width))  # spaces over what a longer line left
        self._width = len(line)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
