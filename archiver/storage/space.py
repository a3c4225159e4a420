"""Free space on the archive's file system, against a minimum in bytes and as a share of its size.

A crawl stops cleanly below the minimum (``archiver.extensions.diskspace``) instead of
running into a full disk, where every writer (WARC files, records, the SQLite indexes,
Scrapy's job state) fails at once. The reserve left is what the crawl needs to finish the
records in flight, close its files and index them. ``archiver schedule`` starts no crawl
below it.
"""

from __future__ import annotations

import errno
import math
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The exit code of `archiver crawl` (and `schedule --once`) stopped, or not started, for want of space.
EXIT_NO_SPACE = 5
# Writes that failed because the file system (or the user's quota) is full.
OUT_OF_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)


def parse_size(value: object) -> int:
    """``1073741824``, ``1GiB``, ``500MB``, ``0`` -> bytes (K/M/G/T as powers of 1024)."""
    match = SIZE.match(str(value))
    if not match:
        raise ValueError(f"not a size: {value!r} (e.g. 1GiB, 500MB, 0)")
    unit = (match.group(2) or "").upper().rstrip("B").rstrip("I")
    return int(float(match.group(1)) * 1024 ** " KMGT".index(unit or " "))


def parse_switch(value: object) -> bool:
    """A boolean setting as Scrapy reads one: True, 1, "1", "true"; False, 0, "0", "false", None."""
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false", "none", ""):
        return False
    raise ValueError(f"not true or false: {value!r}")


def parse_share(value: object) -> float:
    """``0.01``, ``1%`` -> 0.01."""
    text = str(value).strip()
    try:
        share = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        share = -1.0
    if not 0 <= share < 1:
        raise ValueError(f"not a share between 0 and 1 (or 0% to 100%): {value!r}")
    return share


def existing_ancestor(path: Path) -> Path:
    """``path`` or the nearest folder above it that exists: where it will be created."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def size_text(count: float) -> str:
    """``1.5 GiB``, ``730.0 KiB``, ``12 bytes``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(count) >= size:
            return f"{count / size:.1f} {unit}"
    return f"{int(count)} bytes"


@dataclass(frozen=True)
class FreeSpace:
    """Bytes available to this process on the file system holding ``path``, and the file system's size."""

    path: Path
    free: int
    total: int

    @classmethod
    def of(cls, path: Path) -> FreeSpace:
        found = existing_ancestor(path)
        stat = os.statvfs(found)
        # f_bavail: what an unprivileged writer may use (root's reserved blocks left out).
        return cls(found, stat.f_bavail * stat.f_frsize, stat.f_blocks * stat.f_frsize)

    @property
    def share(self) -> float:
        return self.free / self.total if self.total else 0.0


@dataclass(frozen=True)
class Shortfall:
    """Free space below the minimum: what there is, what is required, in one line."""

    space: FreeSpace
    required: int

    def __str__(self) -> str:
        space = self.space
        return (f"free space on {space.path} is {size_text(space.free)} ({space.share:.1%} of "
                f"{size_text(space.total)}), below the minimum of {size_text(self.required)} "
                "(DISKSPACE_MIN_FREE, DISKSPACE_MIN_FREE_SHARE)")


@dataclass(frozen=True)
class SpaceRule:
    """Keep at least ``min_bytes`` and at least ``min_share`` of the file system free (the larger wins)."""

    min_bytes: int
    min_share: float

    @classmethod
    def from_settings(cls, settings: Any) -> SpaceRule | None:
        """The rule the ``DISKSPACE_*`` settings give (Scrapy's settings, or a plain mapping of them); None when
        the guard is off. ValueError: a bad value."""
        if not parse_switch(settings.get("DISKSPACE_ENABLED")):
            return None
        rule = cls(parse_size(settings.get("DISKSPACE_MIN_FREE")), parse_share(settings.get("DISKSPACE_MIN_FREE_SHARE")))
        return rule if rule.min_bytes > 0 or rule.min_share > 0 else None

    def required(self, total: int) -> int:
        return max(self.min_bytes, math.ceil(self.min_share * total))

    def check(self, path: Path) -> Shortfall | None:
        """None while ``path``'s file system has enough free space, else the shortfall."""
        space = FreeSpace.of(path)
        required = self.required(space.total)
        return Shortfall(space, required) if space.free < required else None

    def check_all(self, paths: list[Path]) -> Shortfall | None:
        """The first shortfall among the file systems holding ``paths``."""
        for path in paths:
            shortfall = self.check(path)
            if shortfall is not None:
                return shortfall
        return None


def is_out_of_space(error: BaseException) -> bool:
    """Whether a write failed because the file system (or quota) is full: an OSError, or SQLite's own words."""
    if isinstance(error, OSError):
        return error.errno in OUT_OF_SPACE_ERRNOS
    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(error)
    return False
