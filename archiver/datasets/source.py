"""Reading article records back: the JSON Lines files of an archive (or given files), streamed."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

logger = logging.getLogger(__name__)

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz")
SHOWN_BAD_LINES = 10


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
    unreadable: int = 0  # lines that are not a JSON object (e.g. cut by a killed crawl)

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
        """The record on a line, or None (counted in ``unreadable``) when it is not a JSON object."""
        try:
            record = json.loads(line.text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            return record
        self.unreadable += 1
        if self.unreadable <= SHOWN_BAD_LINES:
            logger.warning("%s line %d: not a JSON record, skipped", self.paths[line.file], line.number + 1)
        elif self.unreadable == SHOWN_BAD_LINES + 1:
            logger.warning("more lines that are not JSON records: counted, not shown")
        return None

    def records(self) -> Iterator[tuple[Line, dict[str, Any]]]:
        for line in self.lines():
            record = self.parse(line)
            if record is not None:
                yield line, record
