"""Reading article records back: the JSON Lines files of an archive (or given files), streamed."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from archiver.record.reader import RECORD_SUFFIXES, Malformed, Warnings, parse_line

logger = logging.getLogger(__name__)


class SourceError(Exception):
    """The records to read cannot be found; the message says what to pass instead."""


@dataclass
class Line:
    file: int  # index into RecordFiles.paths
    number: int  # 0-based line number in that file
    text: bytes


@dataclass
class RecordFiles:
    """The record files to read, in order: ``<archive>/articles/*.jsonl`` by default.

    File names of crawls start with their UTC start time, so name order is crawl order.
    """

    paths: list[Path]
    bytes_read: int = 0
    _warnings: Warnings = field(default_factory=Warnings, repr=False)
    unreadable: int = 0  # lines that hold no valid record (cut by a killed crawl, not JSON, wrong shape)

    @classmethod
    def locate(cls, archive: Path | None, records: list[Path] | None = None) -> RecordFiles:
        """Files under ``records`` (files or folders) when given, else ``<archive>/articles``."""
        roots = list(records or [])
        if not roots:
            if archive is None:
                raise SourceError("give --archive DIR or --records PATH")
            roots = [Path(archive) / "articles"]
        paths: list[Path] = []
        for root in roots:
            if root.is_dir():
                paths += sorted(p for p in root.iterdir() if p.is_file() and p.name.endswith(RECORD_SUFFIXES))
            elif root.is_file():
                paths.append(root)
            else:
                raise SourceError(f"no such records file or folder: {root}")
        return cls(paths)

    @property
    def total_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.paths)

    def lines(self) -> Iterator[Line]:
        """Every non-blank line of every file; ``bytes_read`` follows the files as stored."""
        done = 0
        for index, path in enumerate(self.paths):
            with open(path, "rb") as raw:
                stream: BinaryIO = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
                for number, text in enumerate(stream):
                    self.bytes_read = done + raw.tell()
                    if text.strip():
                        yield Line(index, number, text)
                done += raw.tell()
                self.bytes_read = done

    def parse(self, line: Line) -> dict[str, Any] | None:
        """The record on a line, or None (counted in ``unreadable``, one warning) when it holds no valid record.

        The check is ``archiver.record.reader``'s, the one every command reads records with.
        """
        record, reason = parse_line(line.text)
        if record is not None:
            return record
        self.unreadable += 1
        self._warnings(Malformed(self.paths[line.file], line.number + 1, reason or "malformed"))
        return None

    def records(self) -> Iterator[tuple[Line, dict[str, Any]]]:
        for line in self.lines():
            record = self.parse(line)
            if record is not None:
                yield line, record
