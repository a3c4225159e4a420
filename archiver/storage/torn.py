"""Line files (the JSON Lines records) whose last line was cut while being written, and their writers' locks.

A records file is locked (``flock``) by the crawl writing it, from its creation to its close.
A last line without its newline in a file nobody holds is torn: its crawl was killed, or its
disk filled under an older archiver, while writing it. Its article was never marked in the
seen-store (that follows the write), so cutting the line off loses nothing the next crawl will
not fetch again; ``archiver verify`` reports it as a fault until then.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

TAIL_CHUNK = 1 << 16


def lock_for_writing(fd: int) -> None:
    """Hold ``fd``'s file while it is written (released when it is closed, or the process dies)."""
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def held_by_a_writer(path: Path) -> bool:
    """Whether a live process holds ``path``'s write lock (a crawl is writing it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(fd)
    return False


def torn_tail(path: Path) -> int | None:
    """Where a last line without its newline starts (the end of the last whole line); None when none is cut."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return None
        end = size
        while end > 0:  # read backwards to the last newline: the file may be large
            start = max(0, end - TAIL_CHUNK)
            fh.seek(start)
            chunk = fh.read(end - start)
            if end == size and chunk.endswith(b"\n"):
                return None
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            end = start
        return 0


def cut_torn_tail(path: Path) -> bool:
    """Cut a torn last line off ``path`` unless a crawl is writing it; True when one was cut."""
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        try:  # taken, not just asked: no crawl starts writing it while it is cut
            lock_for_writing(fd)
        except BlockingIOError:
            return False
        cut = torn_tail(path)
        if cut is None:
            return False
        size = os.fstat(fd).st_size
        os.ftruncate(fd, cut)
        os.fsync(fd)
    finally:
        os.close(fd)
    logger.warning("Cut a torn last record (%d bytes, written by a crawl that stopped while writing it) off %s",
                   size - cut, path)
    return True
