"""The work of ``archiver export`` cut into record shards, for any runner (``workers.py``).

A shard is a run of whole lines of one records file (a ``.jsonl.gz`` file is one
shard: gzip cannot be entered mid-way). ``export`` and ``stats`` cut the files at
byte offsets without reading them (``plan_cuts``): a shard holds the lines that
start in it, which its tasks find, numbered from 0 within the shard; a record's
place is then (shard, line), and the parent numbers lines in the file only for
the warnings of pass one, from the shards' line counts. (Other commands plan
shards by counting newlines, ``plan_shards``, so each knows its first line.)
Pass one (``index_shard``) parses a shard and returns the selection rows of the
records that pass the filters; pass two (``export_shard``) parses the chosen lines again, normalises
them and writes them to a part file ready to be appended: JSON Lines or CSV text,
or an Arrow IPC stream of typed rows for Parquet. The parent writes the parts in
shard order, so the output does not depend on how many workers made them.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from archiver.datasets import workers
from archiver.datasets.columns import Column, csv_quoted, normalize
from archiver.datasets.counted import Counted
from archiver.datasets.parts import PartFile
from archiver.datasets.select import Filters, record_key, record_version, sort_time
from archiver.datasets.source import Line, RecordFiles
from archiver.datasets.summary import Summary
from archiver.datasets.workers import TaskSizes, sizes_of
from archiver.datasets.writers import RowConverter, csv_line
from archiver.record.reader import parse_line

SHARD_BYTES = 16 * 1024**2
SCAN_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Shard:
    number: int
    file: int  # index into the run's record files
    start: int  # byte offset of the first line (plain files)
    end: int | None  # byte offset after the last line; None: to the end of the file
    first_line: int | None  # None: the lines that start in [start, end), numbered from 0 in the shard (``plan_cuts``)
    size: int  # bytes of the file (as stored) this shard covers, for progress
    stop_line: int | None = None  # the first line of the next shard of the file; None: to the end


def plan_shards(paths: list[Path], shard_bytes: int | TaskSizes = SHARD_BYTES) -> Iterator[Shard]:
    """Shards of about ``shard_bytes`` each (or as ``TaskSizes`` says along the files), cut at line starts
    (one read of each plain file, no parsing)."""
    sizes = sizes_of(shard_bytes)
    number, base = 0, 0  # base: bytes of the files before this one
    for file, path in enumerate(paths):
        if path.name.endswith(".gz"):
            size = path.stat().st_size
            yield Shard(number, file, 0, None, 0, size)
            number += 1
            base += size
            continue
        start, first, position = 0, 0, 0
        wanted = sizes.at(base)
        size = path.stat().st_size
        with open(path, "rb") as raw:
            for line_number, text in enumerate(raw):
                position += len(text)
                if position - start >= wanted and not sizes.joins(base + position, size - position):
                    yield Shard(number, file, start, position, first, position - start, line_number + 1)
                    number += 1
                    start, first = position, line_number + 1
                    wanted = sizes.at(base + start)
        if position > start or first == 0:
            yield Shard(number, file, start, None, first, position - start)
            number += 1
        base += position


def plan_cuts(paths: list[Path], shard_bytes: int | TaskSizes = SHARD_BYTES) -> list[Shard]:
    """Shards of about ``shard_bytes`` each (or as ``TaskSizes`` says along the files), cut at byte offsets: no
    file is read here (the tasks find their first line, ``shard_lines``)."""
    sizes = sizes_of(shard_bytes)
    shards: list[Shard] = []
    base = 0  # bytes of the files before this one
    for file, path in enumerate(paths):
        size = path.stat().st_size
        cuts = [] if path.name.endswith(".gz") else sizes.bounds(base, size)
        for start, end in zip([0, *cuts], [*cuts, None]):
            shards.append(Shard(len(shards), file, start, end, None, (size if end is None else end) - start))
        base += size
    return shards


def shard_lines(paths: list[Path], shard: Shard) -> Iterator[Line]:
    """The non-blank lines of a shard, numbered as in the whole file (in the shard: ``plan_cuts``)."""
    for line in all_lines(paths, shard):
        if line.text.strip():
            yield line


def all_lines(paths: list[Path], shard: Shard) -> Iterator[Line]:
    """Every line of a shard, blank ones too (their numbers count)."""
    path = paths[shard.file]
    with open(path, "rb") as raw:
        if path.name.endswith(".gz"):
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw)
        else:
            raw.seek(shard.start)
            stream = raw
        if shard.first_line is None:
            yield from _lines_starting_in(stream, shard)
            return
        left = None if shard.end is None else shard.end - shard.start
        for number, text in enumerate(stream, start=shard.first_line):
            if left is not None:
                if left <= 0:
                    break
                left -= len(text)
            yield Line(shard.file, number, text)


def _lines_starting_in(stream: IO[bytes], shard: Shard) -> Iterator[Line]:
    """The lines that start in the shard's bytes (``stream`` is at its start): a line cut by the start is the
    shard before's, a line cut by the end is this one's, whole."""
    position = shard.start
    if position > 0:  # past the end of the line the start cuts (none when a line starts right there)
        stream.seek(position - 1)
        position += len(stream.readline()) - 1
    for number, text in enumerate(stream):
        if shard.end is not None and position >= shard.end:
            break
        position += len(text)
        yield Line(shard.file, number, text)


@dataclass(frozen=True)
class Job:
    """What every task of one export (or ``stats``) reads (paths on storage every worker sees)."""

    work: Path | None  # the folder of part files (None: the tasks write none)
    paths: list[Path]
    fmt: str = "jsonl"
    filters: Filters = field(default_factory=Filters)
    columns: list[Column] = field(default_factory=list)
    summarize: bool = False
    facts: bool = False  # pass one keeps what ``stats`` counts of each record (``Summary.facts``, the WARC file)


@dataclass(frozen=True)
class IndexTask:
    job: Job
    shard: Shard


@dataclass
class IndexResult:
    rows: list[tuple[Any, ...]]  # VersionIndex rows of the records that passed the filters (``VersionIndex.add``)
    records_read: int
    unreadable: int
    done_bytes: int
    items: int = 0
    counted: Counted | None = None  # what ``stats`` counts of the rows' records (``job.facts``)
    lines: int = 0  # lines of the shard, blank ones too
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line in the shard, why) of unreadable lines


def index_shard(task: IndexTask) -> IndexResult:
    """Pass one: the selection row of every record of the shard that passes the filters, placed at (shard, line
    in the shard) (``plan_cuts``); the lines that hold no record are returned for the parent to warn about."""
    job, shard = task.job, task.shard
    rows, read, lines = [], 0, 0
    malformed: list[tuple[int, str]] = []
    counted = Counted() if job.facts else None
    for line in all_lines(job.paths, shard):
        lines = line.number + 1
        if not line.text.strip():
            continue
        record, reason = parse_line(line.text)
        if record is None:
            malformed.append((line.number, reason or "malformed"))
            continue
        read += 1
        if job.filters.match(record):
            place = (shard.number, line.number)
            record_id = record.get("id")
            sha = record.get("content_sha1")
            facts = None
            if counted is not None:
                facts = facts_and_warc(record)
                counted.add(*facts, place)
            rows.append((record_key(record), record_id if isinstance(record_id, str) else "#{}:{}".format(*place),
                         record_version(record), sort_time(record.get("fetched_at")),
                         sha if isinstance(sha, str) else None, *place,
                         None if facts is None else facts_text(facts)))
    workers.report(shard.size, read)
    return IndexResult(rows, read, len(malformed), shard.size, read, counted, lines, malformed)


def facts_and_warc(record: dict[str, Any]) -> tuple[list[Any], str | None]:
    """What ``stats`` counts of a record: its ``Summary.facts`` and the WARC file it points at (None: no pointer)."""
    pointer = record.get("warc")
    name = pointer.get("filename") if isinstance(pointer, dict) else None
    return Summary.facts(record), name if isinstance(name, str) else None


def facts_text(facts: tuple[list[Any], str | None]) -> str:
    """``facts_and_warc`` as JSON text, for the index's ``facts`` column (read back for the records the
    latest-version choice passes over)."""
    return json.dumps(facts, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ExportTask:
    job: Job
    shard: Shard
    wanted: tuple[int, ...]  # line numbers chosen in this shard, ascending


@dataclass
class ExportResult:
    part: Path
    rows: int
    bad_rows: int
    dropped: Counter[str]
    summary: Summary | None
    done_bytes: int
    items: int = 0
    lengths: list[int] = field(default_factory=list)  # Parquet: each row's body characters (row group cuts)


def export_shard(task: ExportTask) -> ExportResult:
    """Pass two: the chosen records of one shard, normalised and written to a part file."""
    job, shard = task.job, task.shard
    files = RecordFiles(job.paths)
    wanted = iter(task.wanted)
    want = next(wanted, None)
    dropped: Counter[str] = Counter()
    summary = Summary() if job.summarize else None
    rows: list[dict[str, Any]] = []
    assert job.work is not None
    part = job.work / f"export-{shard.number:06d}"
    with PartFile(part, "wb") as out:
        sink = _sink(job, out)
        for line in shard_lines(job.paths, shard):
            if want is None:
                break
            if line.number != want:
                continue
            want = next(wanted, None)
            record = files.parse(line)
            if record is None:
                continue
            row, extra = normalize(record, job.columns)
            if extra:
                dropped.update(extra)
            if summary is not None:
                summary.add(row)
            rows.append(row)
            if len(rows) >= 1000:
                sink.write(rows)
                rows = []
        sink.write(rows)
        sink.close()
    workers.report(shard.size, sink.rows)
    return ExportResult(part, sink.rows, sink.bad_rows, dropped, summary, shard.size, sink.rows, sink.lengths)


class _TextSink:
    def __init__(self, job: Job, out: IO[bytes]) -> None:
        self.fmt = job.fmt
        self.names = [c.name for c in job.columns]
        self.quoted = [csv_quoted(c) for c in job.columns]
        self.out = out
        self.rows = self.bad_rows = 0
        self.lengths: list[int] = []

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.fmt == "jsonl":
            text = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
        else:
            text = "".join(csv_line(self.names, self.quoted, row) for row in rows)
        self.out.write(text.encode("utf-8"))
        self.rows += len(rows)

    def close(self) -> None:
        pass


class _ArrowSink:
    """Typed rows as an Arrow IPC stream; rows that do not fit the schema are counted and left out."""

    def __init__(self, job: Job, out: IO[bytes]) -> None:
        import pyarrow as pa

        self.converter = RowConverter(job.columns)
        self.writer = pa.ipc.new_stream(out, self.converter.schema)
        self.rows = 0
        self.lengths: list[int] = []  # the parent cuts row groups by them, without reading the bodies again

    @property
    def bad_rows(self) -> int:
        return self.converter.bad_rows

    def write(self, rows: list[dict[str, Any]]) -> None:
        table, lengths = self.converter.table_and_lengths(rows)
        if table.num_rows:
            self.writer.write_table(table)
            self.rows += table.num_rows
            self.lengths += lengths

    def close(self) -> None:
        self.writer.close()


def _sink(job: Job, out: IO[bytes]):
    return _TextSink(job, out) if job.fmt in ("jsonl", "csv") else _ArrowSink(job, out)
