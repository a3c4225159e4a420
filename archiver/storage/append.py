"""A file written at its end only, that takes a failed write back: nothing half-written stays in it.

Python's buffered writer cannot drop what it holds after a write failed (closing it writes the
rest later, perhaps once space was freed, after bytes that were never meant to be followed),
and ``os.write`` may write part of a buffer before the disk fills. ``AppendFile`` keeps its own
buffer, writes every byte with its own loop and knows where each write started, so
``cut_back(offset)`` drops the buffer and truncates the file to a point readers may see. A
file whose cut-back failed too (an I/O error) is ``torn``: it takes no more writes, and the
next start's recovery cuts it (WARC files: ``recover_open_files``; records files:
``pipelines.jsonlines.cut_torn_last_line``).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

BUFFER_SIZE = 1 << 16
# The OS write call, a seam for tests that fail it as a failing disk would (EIO, a short write).
os_write = os.write


class AppendFile:
    """An append-only binary file with its own write buffer and ``cut_back``; not thread-safe."""

    def __init__(self, fd: int, path: Path, buffer_size: int = BUFFER_SIZE) -> None:
        self.fd = fd
        self.path = Path(path)
        self.buffer_size = buffer_size
        self.torn = False
        self._buffer = bytearray()
        self._written = os.lseek(fd, 0, os.SEEK_END)  # bytes in the file

    @classmethod
    def create(cls, path: Path) -> AppendFile:
        """A new file; an existing one of that name is an error, never overwritten."""
        return cls(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644), path)

    @classmethod
    def open(cls, path: Path) -> AppendFile:
        """A file to append to, created when missing."""
        return cls(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644), path)

    @property
    def closed(self) -> bool:
        return self.fd < 0

    def fileno(self) -> int:
        return self.fd

    def tell(self) -> int:
        return self._written + len(self._buffer)

    def write(self, data: bytes) -> int:
        if self.torn:
            raise OSError(errno.EIO, f"{self.path} was left torn by a failed write; it takes no more")
        self._buffer += data
        if len(self._buffer) >= self.buffer_size:
            self.flush()
        return len(data)

    def flush(self) -> None:
        """Hand the buffer to the OS, every byte of it or an exception (what was written stays counted)."""
        while self._buffer:
            written = os_write(self.fd, self._buffer)
            del self._buffer[:written]
            self._written += written

    def append_whole(self, data: bytes) -> int:
        """Write ``data`` and flush it: all of it reaches the file, or none of it stays; returns its offset."""
        start = self.tell()
        try:
            self.write(data)
            self.flush()
        except BaseException:
            self.cut_back(start)
            raise
        return start

    def cut_back(self, offset: int) -> None:
        """Forget everything after ``offset``: what the buffer holds and what reached the file.

        Never raises: a file that cannot be cut (an I/O error) is marked ``torn`` instead.
        """
        if offset >= self._written:
            del self._buffer[max(offset - self._written, 0):]
            return
        self._buffer.clear()
        try:
            os.ftruncate(self.fd, offset)
            os.lseek(self.fd, offset, os.SEEK_SET)
        except OSError:
            self.torn = True
            return
        self._written = offset

    def sync(self) -> None:
        self.flush()
        os.fsync(self.fd)

    def close(self) -> None:
        """Flush and close; the descriptor is closed even when the flush fails (the error is raised)."""
        if self.closed:
            return
        try:
            self.flush()
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Close without writing what the buffer still holds."""
        if not self.closed:
            self._buffer.clear()
            fd, self.fd = self.fd, -1
            os.close(fd)
