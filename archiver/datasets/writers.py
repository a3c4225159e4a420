"""Output formats: JSON Lines, CSV, Parquet, and sharded Parquet for a Hugging Face dataset.

Each writer takes rows already normalised to the export columns, writes to a
``*.partial`` file beside the target and renames it on ``close()``, so an export
that fails or is interrupted never leaves a file that looks finished.
"""

from __future__ import annotations

import csv
import gzip
import importlib
import io
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from archiver.datasets.columns import Column, arrow_converter, arrow_schema, csv_cell, csv_quoted

logger = logging.getLogger(__name__)

PARTIAL = ".partial"
# Rows per Parquet row group, and a cap on the bytes a row group buffers before it is written.
ROW_GROUP_ROWS = 1000
ROW_GROUP_BYTES = 64 * 1024**2


class ExportError(Exception):
    """An export cannot run as asked; the message is meant for the user."""


def require_pyarrow() -> None:
    """pyarrow, with what it loads on first use: building a table loads pandas (when installed and not
    kept out: ``arrow_without_pandas``). Loaded here, before the worker processes fork, rather than once
    in each of them (a second or more of CPU per worker, more than a 3,000-record export's work)."""
    try:
        importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise ExportError("Parquet output needs pyarrow: pip install 'archiver[datasets]'") from None
    import pyarrow as pa

    pa.table({"warm_up": pa.array([], pa.int8())})


def arrow_without_pandas() -> None:
    """Keep pyarrow from importing pandas in this process, when pandas is not imported yet.

    pyarrow checks on first use whether pandas is installed, importing it (a fifth of a second of CPU,
    more than a small export's work) though an export never hands it pandas objects. With ``pandas``
    unimportable for that one check, pyarrow takes pandas as absent for its guesses (is this a
    DataFrame?) and still imports it when asked for it outright (``to_pandas``). For the command line,
    whose process does nothing else; a library caller's process is left as it is.
    """
    if "pandas" in sys.modules:
        return
    try:
        import pyarrow as pa
    except ImportError:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # ``import pandas`` raises ImportError
    try:
        pa.lib._pandas_api.have_pandas  # noqa: B018  # the one check; it is not tried again
    except AttributeError:  # another pyarrow: it may import pandas as it likes
        pass
    finally:
        del sys.modules["pandas"]


def _partial(path: Path) -> Path:
    return path.with_name(path.name + PARTIAL)


class _TextFileWriter:
    """Common part of the JSON Lines and CSV writers: partial file, optional gzip, or stdout."""

    def __init__(self, path: Path | None, *, compress: bool) -> None:
        self.path = path
        self.rows = 0
        self._raw: IO[bytes] | None = None
        if path is None:
            self.stream: IO[str] = sys.stdout
            return
        self._raw = open(_partial(path), "wb")
        binary: IO[bytes] = gzip.GzipFile(path.name, "wb", fileobj=self._raw, mtime=0) if compress else self._raw
        self.stream = io.TextIOWrapper(binary, encoding="utf-8", newline="")

    def close(self) -> list[Path]:
        self.stream.flush()
        if self.path is None:
            return []
        self.stream.close()  # closes the gzip member too
        if self._raw is not None and not self._raw.closed:
            self._raw.close()
        os.replace(_partial(self.path), self.path)
        return [self.path]

    def abort(self) -> None:
        if self.path is None:
            return
        try:
            self.stream.close()
            if self._raw is not None:
                self._raw.close()
        finally:
            _partial(self.path).unlink(missing_ok=True)


class JsonlWriter(_TextFileWriter):
    """One JSON object per line, keys in schema order (gzip on request)."""

    def write(self, row: dict[str, Any]) -> None:
        self.stream.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.rows += 1


class CsvWriter(_TextFileWriter):
    """A header row of the columns; lists and objects as JSON text, null as an empty cell.

    Text cells are always quoted, numbers, booleans and timestamps never, so a reader
    that honours quoting keeps ``schema_version`` ("1.1") and other text as text.
    """

    def __init__(self, path: Path | None, columns: list[Column], *, compress: bool) -> None:
        super().__init__(path, compress=compress)
        self.names = [c.name for c in columns]
        self.quoted = [csv_quoted(c) for c in columns]
        self._csv = csv.writer(self.stream, lineterminator="\n")
        self._csv.writerow(self.names)

    def write(self, row: dict[str, Any]) -> None:
        self.stream.write(csv_line(self.names, self.quoted, row))
        self.rows += 1


def csv_line(names: list[str], quoted: list[bool], row: dict[str, Any]) -> str:
    """One CSV line of a row: text cells quoted, the rest only when they must be."""
    cells = []
    for name, quote in zip(names, quoted):
        cell = csv_cell(row[name])
        cells.append('"' + cell.replace('"', '""') + '"' if quote and cell else _plain_cell(cell))
    return ",".join(cells) + "\n"


def _plain_cell(cell: str) -> str:
    """A cell quoted only when it must be (RFC 4180: separator, quote or line break in it)."""
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n\r') else cell


class RowConverter:
    """Export rows to Arrow tables of the schema's types; rows that do not fit are counted, named and left out."""

    def __init__(self, columns: list[Column]) -> None:
        require_pyarrow()
        self.schema = arrow_schema(columns)
        self.converters = [(c.name, arrow_converter(c.shape)) for c in columns]
        self.bad_rows = 0

    def table(self, rows: list[dict[str, Any]]) -> Any:
        return self.table_and_lengths(rows)[0]

    def table_and_lengths(self, rows: list[dict[str, Any]]) -> tuple[Any, list[int]]:
        """The table of the rows that fit, and the characters of each one's body (what ``RowGroups`` weighs)."""
        import pyarrow as pa

        converted = [{name: convert(row.get(name)) for name, convert in self.converters} for row in rows]
        try:
            return pa.Table.from_pylist(converted, schema=self.schema), body_lengths(converted)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            pass
        good, kept = [], []
        for row in converted:
            try:
                good.append(pa.Table.from_pylist([row], schema=self.schema))
                kept.append(row)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
                self.bad_rows += 1
                logger.warning("record %s does not fit the schema, skipped: %s", row.get("id") or row.get("url"), error)
        return (pa.concat_tables(good) if good else self.schema.empty_table()), body_lengths(kept)


def body_lengths(rows: list[dict[str, Any]]) -> list[int]:
    """Characters of each row's body (0 for none): pyarrow.compute's ``utf8_length`` of the column, in Python."""
    return [len(body) if isinstance(body := row.get("body"), str) else 0 for row in rows]


Slice = tuple[Any, int, int]  # (a part of the rows: a table, a file; its first row; rows)


class Grouper:
    """Cuts rows into row groups as their parts come, from each row's body characters alone: ``row_group_rows``
    rows, or fewer once they hold ``ROW_GROUP_BYTES`` (counted as 1 KiB plus the body's characters per row).
    The cuts depend only on the rows, never on how they were cut into parts, so any number of workers gives
    the same file."""

    def __init__(self, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.row_group_rows = max(1, row_group_rows)
        self._group: list[Slice] = []
        self._rows = self._weight = 0

    def add(self, part: Any, lengths: list[int]) -> list[list[Slice]]:
        """The groups a part's rows complete."""
        done, start = [], 0
        for index, length in enumerate(lengths):
            self._rows += 1
            self._weight += 1024 + length
            if self._rows >= self.row_group_rows or self._weight >= ROW_GROUP_BYTES:
                self._group.append((part, start, index + 1 - start))
                done.append(self._group)
                self._group, self._rows, self._weight, start = [], 0, 0, index + 1
        if start < len(lengths):
            self._group.append((part, start, len(lengths) - start))
        return done

    def rest(self) -> list[list[Slice]]:
        """The last group, when rows are left."""
        last, self._group, self._rows, self._weight = self._group, [], 0, 0
        return [last] if last else []


class RowGroups:
    """Cuts a stream of Arrow tables into row groups (``Grouper``'s cuts), each one table."""

    def __init__(self, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.grouper = Grouper(row_group_rows)

    def add(self, table: Any, lengths: list[int] | None = None) -> Iterator[Any]:
        """``lengths``: the characters of each row's body, when known (else counted here, with pyarrow.compute)."""
        if lengths is None:
            import pyarrow.compute as pc

            lengths = pc.fill_null(pc.utf8_length(table.column("body")), 0).to_pylist() if table.num_rows else []
        for slices in self.grouper.add(table, lengths):
            yield _joined(slices)

    def rest(self) -> Iterator[Any]:
        for slices in self.grouper.rest():
            yield _joined(slices)


def _joined(slices: list[Slice]) -> Any:
    import pyarrow as pa

    return pa.concat_tables([table.slice(start, rows) for table, start, rows in slices]).combine_chunks()


class ParquetWriter:
    """Typed columns (lists, structs) from the schema, zstd; rows arrive as Arrow tables, one per row group."""

    def __init__(self, path: Path, columns: list[Column], *, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        require_pyarrow()
        import pyarrow.parquet as pq

        self.path = path
        self.schema = arrow_schema(columns)
        self.groups = RowGroups(row_group_rows)
        self.rows = 0
        self.bad_rows = 0
        self.arrow_bytes = 0  # size of the rows in memory, as Hugging Face counts a split's num_bytes
        self._writer = pq.ParquetWriter(_partial(path), self.schema, compression="zstd")

    def write_table(self, table: Any, lengths: list[int] | None = None) -> None:
        for group in self.groups.add(table, lengths):
            self.write_group(group)

    def write_group(self, group: Any) -> None:
        self._writer.write_table(group, row_group_size=max(group.num_rows, 1))
        self.rows += group.num_rows
        self.arrow_bytes += group.nbytes

    @property
    def file_size(self) -> int:
        return _partial(self.path).stat().st_size

    def close(self) -> list[Path]:
        for group in self.groups.rest():
            self.write_group(group)
        self._writer.close()
        os.replace(_partial(self.path), self.path)
        return [self.path]

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            _partial(self.path).unlink(missing_ok=True)


class ShardedParquetWriter:
    """``<dir>/train-00000-of-0000N.parquet``: a new shard once one reaches ``shard_bytes`` on disk."""

    def __init__(self, directory: Path, columns: list[Column], *, shard_bytes: int,
                 row_group_rows: int = ROW_GROUP_ROWS, split: str = "train") -> None:
        require_pyarrow()
        self.directory = directory
        self.columns = columns
        self.shard_bytes = shard_bytes
        self.row_group_rows = row_group_rows
        self.split = split
        self.groups = RowGroups(row_group_rows)
        self.shards: list[ParquetWriter] = []
        self.rows = 0
        self._open()

    @property
    def bad_rows(self) -> int:
        return 0  # counted where rows are converted

    @property
    def arrow_bytes(self) -> int:
        return sum(shard.arrow_bytes for shard in self.shards)

    def _open(self) -> None:
        path = self.directory / f"{self.split}-{len(self.shards):05d}.parquet"
        self.shards.append(ParquetWriter(path, self.columns, row_group_rows=self.row_group_rows))

    def write_table(self, table: Any, lengths: list[int] | None = None) -> None:
        for group in self.groups.add(table, lengths):
            self._write_group(group)

    def _write_group(self, group: Any) -> None:
        current = self.shards[-1]
        current.write_group(group)
        if current.file_size >= self.shard_bytes:
            self.rows += current.rows
            current.close()
            self._open()

    def close(self) -> list[Path]:
        for group in self.groups.rest():
            self._write_group(group)
        last = self.shards[-1]
        last.close()
        self.rows += last.rows
        if last.rows == 0 and len(self.shards) > 1:
            last.path.unlink()
            self.shards.pop()
        total = len(self.shards)
        final = []
        for number, shard in enumerate(self.shards):
            name = self.directory / f"{self.split}-{number:05d}-of-{total:05d}.parquet"
            os.replace(shard.path, name)
            final.append(name)
        return final

    def abort(self) -> None:
        for shard in self.shards:
            if shard is self.shards[-1]:
                shard.abort()
            else:
                shard.path.unlink(missing_ok=True)
