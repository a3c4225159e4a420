"""Files written by one task: ``<name>.partial`` while being written, renamed to ``<name>`` only when whole."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import IO

PARTIAL = ".partial"
COPY_CHUNK = 1024 * 1024


class PartFile:
    """``with PartFile(path) as out:`` text output that appears at ``path`` only if the block ends normally."""

    def __init__(self, path: Path, mode: str = "w") -> None:
        self.path = Path(path)
        self.mode = mode
        self.stream: IO = None  # type: ignore[assignment]

    def __enter__(self) -> IO:
        partial = self.path.with_name(self.path.name + PARTIAL)
        self.stream = open(partial, self.mode, **({} if "b" in self.mode else {"encoding": "utf-8"}))
        return self.stream

    def __exit__(self, kind, value, traceback) -> None:
        partial = self.path.with_name(self.path.name + PARTIAL)
        self.stream.close()
        if kind is None:
            os.replace(partial, self.path)
        else:
            partial.unlink(missing_ok=True)


def concatenate(parts: Iterable[Path], out: IO[bytes]) -> None:
    """Copy whole part files, in order, into ``out`` (streamed: memory stays flat)."""
    for part in parts:
        with open(part, "rb") as source:
            shutil.copyfileobj(source, out, COPY_CHUNK)
