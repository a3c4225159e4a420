"""``archiver export``: records of an archive to JSON Lines, CSV, Parquet or a Hugging Face dataset folder."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import archiver
from archiver.datasets import passes
from archiver.datasets.card import DEFAULT_LICENSE, CardInfo, render_card
from archiver.datasets.columns import record_columns
from archiver.datasets.export_tasks import Job, Shard, export_shard
from archiver.datasets.parquet_parts import (
    GroupedParquetWriter,
    GroupResult,
    GroupTask,
    encode_group,
    stitches_as_one_writer,
)
from archiver.datasets.progress import Progress
from archiver.datasets.select import Filters, VersionIndex
from archiver.datasets.source import RecordFiles
from archiver.datasets.summary import Summary
from archiver.datasets.workers import InlineRunner, Runner, shared_tally
from archiver.datasets.writers import (
    ROW_GROUP_ROWS,
    CsvWriter,
    ExportError,
    JsonlWriter,
    ParquetWriter,
    ShardedParquetWriter,
    require_pyarrow,
)
from archiver.record.items import SCHEMA_VERSION

FORMATS = ("jsonl", "csv", "parquet", "hf")
COPY_CHARS = 1024 * 1024
DEFAULT_SHARD_BYTES = 256 * 1024**2
SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``500MB``, ``1GiB``, ``20KB``, ``4096`` → bytes (K/M/G/T as powers of 1024)."""
    match = SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 256MB)")
    unit = (match.group(2) or "").upper().rstrip("B").rstrip("I")
    return int(float(match.group(1)) * 1024 ** " KMGT".index(unit or " "))


@dataclass
class ExportOptions:
    fmt: str
    out: Path | None  # None: standard output (jsonl, csv)
    archive: Path | None = None
    records: list[Path] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    all_versions: bool = False
    compress: bool = False
    row_group_rows: int = ROW_GROUP_ROWS
    shard_bytes: int = DEFAULT_SHARD_BYTES
    name: str | None = None
    overwrite: bool = False
    progress: bool = False
    command: str = ""
    task_bytes: int | None = None  # records per task (pass one and two), as bytes of record files; None: auto
    license: str = DEFAULT_LICENSE  # hf: the card's license key


@dataclass
class ExportReport:
    rows: int
    files: list[Path]
    records_read: int
    matched: int
    unreadable: int
    seconds: float
    summary: Summary | None  # for hf exports (the card's figures)
    dropped_fields: Counter[str] = field(default_factory=Counter)
    bad_rows: int = 0


def _check_output(options: ExportOptions) -> None:
    if options.fmt not in FORMATS:
        raise ExportError(f"unknown format {options.fmt!r}; choose one of {', '.join(FORMATS)}")
    if options.fmt in ("parquet", "hf"):
        require_pyarrow()
        if options.out is None:
            raise ExportError(f"--format {options.fmt} needs --out PATH (it cannot go to standard output)")
    if options.out is None:
        return
    if options.fmt == "hf":
        data = options.out / "data"
        stale = sorted(data.glob("*.parquet")) if data.is_dir() else []
        if stale and not options.overwrite:
            raise ExportError(f"{data} already holds {len(stale)} Parquet file(s); pass --overwrite to replace them")
        if options.out.exists() and not options.out.is_dir():
            raise ExportError(f"--out {options.out} exists and is not a folder")
    elif options.out.is_dir():
        raise ExportError(f"--out {options.out} is a folder; --format {options.fmt} writes one file")
    elif not options.out.parent.is_dir():
        raise ExportError(f"no such folder: {options.out.parent}")


def _writer(options: ExportOptions, columns: list, work: Path, runner: Runner) -> object:
    out = options.out
    if options.fmt == "jsonl":
        return JsonlWriter(out, compress=options.compress)
    if options.fmt == "csv":
        return CsvWriter(out, columns, compress=options.compress)
    assert out is not None
    if options.fmt == "parquet":
        # One worker writes the groups itself (no one-group files to copy); so does a pyarrow whose groups,
        # encoded apart, would not be the bytes one writer makes.
        if isinstance(runner, InlineRunner) or not stitches_as_one_writer():
            return ParquetWriter(out, columns, row_group_rows=options.row_group_rows)
        return GroupedParquetWriter(out, columns, work, row_group_rows=options.row_group_rows)
    data = out / "data"
    if options.overwrite and data.is_dir():
        for stale in data.glob("*.parquet"):
            stale.unlink()
    data.mkdir(parents=True, exist_ok=True)
    return ShardedParquetWriter(data, columns, shard_bytes=options.shard_bytes, row_group_rows=options.row_group_rows)


def export(options: ExportOptions, runner: Runner | None = None) -> ExportReport:
    """Run one export; raises ``ExportError`` (before writing anything) when it cannot.

    Both passes run as record-shard tasks on ``runner`` (``passes.py``, ``export_tasks.py``);
    this process only plans the shards, picks the latest versions in its SQLite table and
    appends the finished parts to the writer in shard order.
    """
    _check_output(options)
    runner = runner or InlineRunner()
    columns = record_columns()
    files = RecordFiles.locate(options.archive, options.records)
    started = time.monotonic()
    progress = Progress(files.total_bytes, enabled=options.progress)
    work_parent = options.out.parent if options.out is not None and options.fmt != "hf" else options.out
    if work_parent is not None:
        work_parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".archiver-export-", dir=work_parent))  # beside the output: workers see it
    writer = None
    try:
        job = Job(work, [p.resolve() for p in files.paths], options.fmt, options.filters, columns,
                  summarize=options.fmt == "hf")
        shards = passes.plan(job, runner, options.task_bytes)
        counts = _Counts()
        with tempfile.TemporaryDirectory(prefix="archiver-select-") as scratch:
            index = VersionIndex(Path(scratch))
            selected = passes.select(job, shards, runner, index, progress)
            counts.records_read, counts.unreadable = selected.records_read, selected.unreadable
            counts.matched = selected.matched
            writer = _writer(options, columns, work, runner)
            _export(job, shards, runner, index, writer, progress, counts, "id" if options.all_versions else "key")
            index.close()
        paths = writer.close()  # type: ignore[attr-defined]
    except BaseException:
        if writer is not None:
            writer.abort()  # type: ignore[attr-defined]
        raise
    finally:
        progress.close()
        shutil.rmtree(work, ignore_errors=True)
    summary = counts.summary
    if summary is not None:
        if counts.bad_rows:
            summary = _recount(paths)
        try:
            paths.append(_write_card(options, summary, columns, paths, writer.arrow_bytes))  # type: ignore[attr-defined]
        except BaseException:  # a full disk: no dataset without its card, no half card
            for path in [*paths, options.out / "README.md"]:  # type: ignore[operator]
                path.unlink(missing_ok=True)
            raise
    return ExportReport(rows=counts.rows, files=paths, records_read=counts.records_read,
                        matched=counts.matched, unreadable=counts.unreadable,
                        seconds=time.monotonic() - started, summary=summary, dropped_fields=counts.dropped,
                        bad_rows=counts.bad_rows)


@dataclass
class _Counts:
    records_read: int = 0
    unreadable: int = 0
    matched: int = 0
    rows: int = 0
    bad_rows: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    summary: Summary | None = None


def _export(job: Job, shards: list[Shard], runner: Runner, index: VersionIndex, writer, progress: Progress,
            counts: _Counts, per: str) -> None:
    """Pass two: the chosen records, normalised in the shards' tasks, appended to the writer in shard order."""
    progress.stage("exporting")
    tally = shared_tally(runner)
    tick = passes.ticker(progress, tally, "records")
    counts.summary = Summary() if job.summarize else None
    tasks = passes.chosen(job, shards, index, per)
    grouped = isinstance(writer, GroupedParquetWriter)
    if grouped:  # the row groups its parts complete are encoded by tasks between pass two's
        tasks = _with_groups(tasks, writer.ready)
    for result in runner.map(_run, tasks, tally, tick):
        if isinstance(result, GroupResult):
            writer.add_group(result)
            continue
        if grouped:
            writer.add_part(result.part, result.lengths)
        else:
            append_part(writer, result.part, job.fmt, result.lengths)
            result.part.unlink()
        counts.rows += result.rows
        counts.bad_rows += result.bad_rows
        counts.dropped.update(result.dropped)
        if counts.summary is not None and result.summary is not None:
            counts.summary.merge(result.summary)
    if grouped:  # the groups the last parts completed
        writer.finish()
        for result in runner.map(_run, _with_groups((), writer.ready), tally, tick):
            writer.add_group(result)
    progress.update(progress.total, counts.rows, force=True)


def _with_groups(tasks: Iterable[Any], ready: deque[GroupTask]) -> Iterator[Any]:
    """Pass two's tasks with the group tasks that are ready each time the runner asks for one."""
    for task in tasks:
        while ready:
            yield ready.popleft()
        yield task
    while ready:
        yield ready.popleft()


def _run(task: Any) -> Any:
    """A task of pass two: a shard's (``export_shard``) or a row group's (``encode_group``)."""
    return encode_group(task) if isinstance(task, GroupTask) else export_shard(task)


def append_part(writer, part: Path, fmt: str, lengths: list[int] | None = None) -> None:
    """A finished part, streamed into the writer: text as it is, Arrow batches cut into row groups
    (``lengths``: each row's body characters, which the cuts weigh; counted again when not given)."""
    if fmt in ("jsonl", "csv"):
        with open(part, encoding="utf-8", newline="") as text:
            while chunk := text.read(COPY_CHARS):
                writer.stream.write(chunk)
        return
    import pyarrow as pa

    done = 0
    with pa.ipc.open_stream(str(part)) as batches:
        for batch in batches:
            rows = None if lengths is None else lengths[done: done + batch.num_rows]
            writer.write_table(pa.Table.from_batches([batch]), rows)
            done += batch.num_rows


def _recount(paths: list[Path]) -> Summary:
    """Summary of what the Parquet files hold, when rows had to be skipped while writing."""
    import pyarrow.parquet as pq

    summary = Summary()
    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_ROWS):
            for row in batch.to_pylist():
                summary.add(row)
    return summary


def _write_card(options: ExportOptions, summary: Summary, columns: list, paths: list[Path], num_bytes: int) -> Path:
    assert options.out is not None
    source = options.archive or (options.records[0] if options.records else Path("."))
    info = CardInfo(
        name=options.name or f"{Path(source).resolve().name} news articles",
        archiver_version=archiver.__version__,
        schema_version=SCHEMA_VERSION,
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        selection="every version of every article" if options.all_versions
        else "the latest version of each article (per canonical URL)",
        filters=options.filters.describe(),
        source=Path(source).name,
        command=options.command,
        files=[p.relative_to(options.out).as_posix() for p in paths],
        license=options.license,
    )
    card = options.out / "README.md"
    card.write_text(render_card(info, summary, columns, num_bytes), encoding="utf-8")
    return card
