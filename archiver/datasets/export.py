"""``archiver export``: records of an archive to JSON Lines, CSV, Parquet or a Hugging Face dataset folder."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import archiver
from archiver.datasets.card import DEFAULT_LICENSE, CardInfo, render_card
from archiver.datasets.columns import record_columns, normalize
from archiver.datasets.progress import Progress
from archiver.datasets.select import Filters, Selection
from archiver.datasets.source import RecordFiles
from archiver.datasets.summary import Summary
from archiver.datasets.writers import (
    ROW_GROUP_ROWS,
    CsvWriter,
    ExportError,
    JsonlWriter,
    ParquetWriter,
    ShardedParquetWriter,
    require_pyarrow,
)
from archiver.items import SCHEMA_VERSION

FORMATS = ("jsonl", "csv", "parquet", "hf")
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


def _writer(options: ExportOptions, columns: list) -> object:
    out = options.out
    if options.fmt == "jsonl":
        return JsonlWriter(out, compress=options.compress)
    if options.fmt == "csv":
        return CsvWriter(out, columns, compress=options.compress)
    assert out is not None
    if options.fmt == "parquet":
        return ParquetWriter(out, columns, row_group_rows=options.row_group_rows)
    data = out / "data"
    if options.overwrite and data.is_dir():
        for stale in data.glob("*.parquet"):
            stale.unlink()
    data.mkdir(parents=True, exist_ok=True)
    return ShardedParquetWriter(data, columns, shard_bytes=options.shard_bytes, row_group_rows=options.row_group_rows)


def export(options: ExportOptions) -> ExportReport:
    """Run one export; raises ``ExportError`` (before writing anything) when it cannot."""
    _check_output(options)
    columns = record_columns()
    files = RecordFiles.locate(options.archive, options.records)
    started = time.monotonic()
    progress = Progress(files.total_bytes, enabled=options.progress)
    writer = _writer(options, columns)
    summary = Summary() if options.fmt == "hf" else None  # only the dataset card needs one
    dropped: Counter[str] = Counter()
    rows = 0
    try:
        with Selection(files, options.filters, options.all_versions, progress) as selection:
            for record in selection:
                row, extra = normalize(record, columns)
                if extra:
                    dropped.update(extra)
                writer.write(row)  # type: ignore[attr-defined]
                rows += 1
                if summary is not None:
                    summary.add(row)
    except BaseException:
        writer.abort()  # type: ignore[attr-defined]
        raise
    paths = writer.close()  # type: ignore[attr-defined]
    bad_rows = getattr(writer, "bad_rows", 0)
    rows -= bad_rows
    if summary is not None:
        if bad_rows:
            summary = _recount(paths)
        paths.append(_write_card(options, summary, columns, paths, writer.arrow_bytes))  # type: ignore[attr-defined]
    return ExportReport(rows=rows, files=paths, records_read=selection.records_read,
                        matched=selection.matched, unreadable=files.unreadable,
                        seconds=time.monotonic() - started, summary=summary, dropped_fields=dropped,
                        bad_rows=bad_rows)


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
