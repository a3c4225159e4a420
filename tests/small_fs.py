"""A small file system made for a test: a tmpfs of a few hundred KiB or MiB, mounted, resized, filled, unmounted.

Mounting needs root (CI runs as root); elsewhere the tests that use it are skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

PAGE = 4096  # tmpfs hands out whole pages


def _mount(*args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)
    except FileNotFoundError as error:
        return subprocess.CompletedProcess(args, 127, "", str(error))


@contextmanager
def small_fs(path: Path, size_kib: int):
    """A tmpfs of ``size_kib`` KiB at ``path`` for the block; skips the test when it cannot be mounted."""
    path.mkdir(parents=True, exist_ok=True)
    done = _mount("-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path))
    if done.returncode:
        pytest.skip(f"cannot mount a {size_kib} KiB tmpfs at {path}: {done.stderr.strip() or 'mount failed'} "
                    "(these tests need root, as CI has, to make a small file system)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], capture_output=True, timeout=30)


def resize(path: Path, size_kib: int) -> None:
    """Grow (or shrink) the tmpfs: space freed, or taken away, under a running archive."""
    done = _mount("-o", f"remount,size={size_kib}k", str(path))
    assert done.returncode == 0, done.stderr


def read_only(path: Path) -> None:
    done = _mount("-o", "remount,ro", str(path))
    assert done.returncode == 0, done.stderr


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def fill(path: Path, leave: int = 0, name: str = "ballast") -> Path:
    """A file that takes all free space but about ``leave`` bytes; remove it to free the space again."""
    ballast = path / name
    with open(ballast, "ab") as out:
        block = b"\0" * (1 << 16)
        while free_bytes(path) > leave:
            try:
                out.write(block[: max(PAGE, min(len(block), free_bytes(path) - leave))])
                out.flush()
            except OSError:
                break
    return ballast
