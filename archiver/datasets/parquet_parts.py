"""``export --format parquet`` with the row groups encoded and compressed on the workers.

Pass two's tasks leave each shard's rows in an Arrow IPC part, with each row's body length;
this process cuts the row groups from those lengths alone (``writers.Grouper``, the cuts
``writers.RowGroups`` makes), so they are the same for any number of workers and any task
size. Each group is then a task (``encode_group``): its rows, taken from the parts they are
in, written as a one-group Parquet file as ``writers.ParquetWriter`` writes a group. This
process only copies the groups' bytes one after the other and writes the footer: the groups'
own metadata with their offsets moved to where they now start (``GroupedParquetWriter``). The
file is the one a single writer makes of the same groups, byte for byte.
"""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.datasets import workers
from archiver.datasets.columns import Column, arrow_schema
from archiver.datasets.parts import COPY_CHUNK, PARTIAL, PartFile
from archiver.datasets.thrift_compact import I64, LIST, STRUCT, Hole, fill, read_struct, write_struct
from archiver.datasets.writers import ROW_GROUP_ROWS, Grouper, Slice

MAGIC = b"PAR1"
# The pyarrow releases whose one-group files stitch into the bytes one writer makes: checked on 20 to 26.
# 18 and 19 number each row group in one writer's footer; 17 encodes a file's later groups otherwise.
STITCHING_SINCE = 20
# Offsets into the file, by struct: RowGroup.file_offset; ColumnChunk's file, offset index and column index
# offsets; ColumnMetaData's data, index, dictionary page and bloom filter offsets (parquet.thrift).
ROW_GROUP_OFFSETS, CHUNK_OFFSETS, COLUMN_OFFSETS = {5}, {2, 4, 6}, {9, 10, 11, 14}
ROW_GROUPS, NUM_ROWS, COLUMNS, META_DATA, ORDINAL = 4, 3, 1, 3, 7



def stitches_as_one_writer(version: str | None = None) -> bool:
    """Whether this pyarrow's (or ``version``'s) groups, encoded apart and stitched, are one writer's file."""
    if version is None:
        import pyarrow

        version = pyarrow.__version__
    return int(version.split(".")[0]) >= STITCHING_SINCE


@dataclass(frozen=True)
class GroupTask:
    path: Path  # the one-group Parquet file to write
    slices: tuple[Slice, ...]
    columns: list[Column]


@dataclass
class GroupResult:
    path: Path
    slices: tuple[Slice, ...]
    row_group: bytes  # its RowGroup's metadata, the offsets into the file left out (``holes``)
    holes: list[tuple[int, int]]  # (where in ``row_group``, offset into its file)
    head: bytes  # its FileMetaData's fields before num_rows (version, schema)
    tail: bytes  # ... and after row_groups (key-value metadata, created_by, column orders)
    data_end: int  # where its footer starts
    rows: int
    arrow_bytes: int
    done_bytes: int = 0
    items: int = 0


def encode_group(task: GroupTask) -> GroupResult:
    """One row group, as ``writers.ParquetWriter.write_group`` writes it, alone in a file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    batches = [batch for part, start, rows in task.slices for batch in _batches(part, start, rows)]
    group = pa.Table.from_batches(batches).combine_chunks()
    with PartFile(task.path, "wb") as out:
        writer = pq.ParquetWriter(out, arrow_schema(task.columns), compression="zstd")
        writer.write_table(group, row_group_size=max(group.num_rows, 1))
        writer.close()
    footer, data_end = read_footer(task.path)
    [row_group] = _field(footer, ROW_GROUPS)[2][1]  # type: ignore[index]
    holes: list[tuple[int, int]] = []
    row_group_bytes = bytes(write_struct(_with_holes(row_group), holes=holes))
    head = bytes(write_struct([f for f in footer if f[0] < NUM_ROWS], stop=False))
    tail = bytes(write_struct([f for f in footer if f[0] > ROW_GROUPS], last=ROW_GROUPS))
    workers.report(0, 0)  # the rows were counted when pass two made them
    return GroupResult(task.path, task.slices, row_group_bytes, holes, head, tail, data_end, group.num_rows,
                       group.nbytes)


def _batches(part: Path, start: int, rows: int) -> Iterator[Any]:
    """Rows ``start`` to ``start + rows`` of an IPC part, as slices of its batches: the part is read as far as the
    last of them, and no batch before the first is kept. (Read, not memory-mapped: the Parquet writer took
    three times as long over mapped pages.)"""
    import pyarrow as pa

    with pa.ipc.open_stream(pa.OSFile(str(part))) as stream:
        offset, stop = 0, start + rows
        for batch in stream:
            end = offset + batch.num_rows
            if end > start:
                first = max(start, offset)
                yield batch.slice(first - offset, min(end, stop) - first)
            offset = end
            if offset >= stop:
                return


def read_footer(path: Path) -> tuple[list[Any], int]:
    """A Parquet file's FileMetaData and where it starts."""
    with open(path, "rb") as source:
        source.seek(-8, os.SEEK_END)
        tail = source.read(8)
        if tail[4:] != MAGIC:
            raise ValueError(f"{path} is not a Parquet file")
        size = struct.unpack("<I", tail[:4])[0]
        source.seek(-8 - size, os.SEEK_END)
        start = source.tell()
        return read_struct(source.read(size)), start


def _field(fields: list[list[Any]], number: int) -> list[Any] | None:
    return next((field for field in fields if field[0] == number), None)


def _with_holes(row_group: list[list[Any]]) -> list[list[Any]]:
    """A RowGroup with its offsets into the file made ``Hole``s, to be filled in where the group lands (an
    offset of 0 is one not set: a writer leaves ColumnChunk.file_offset at 0, the file's magic being there)."""
    def holes(fields: list[list[Any]], numbers: set[int]) -> None:
        for field in fields:
            if field[0] in numbers and field[2]:
                field[2] = Hole(field[2])

    row_group[:] = [field for field in row_group if field[0] != ORDINAL]  # optional: its number in one file
    holes(row_group, ROW_GROUP_OFFSETS)
    for chunk in (_field(row_group, COLUMNS) or [0, 0, (0, [])])[2][1]:
        holes(chunk, CHUNK_OFFSETS)
        meta = _field(chunk, META_DATA)
        if meta is not None:
            holes(meta[2], COLUMN_OFFSETS)
    return row_group


class GroupedParquetWriter:
    """``writers.ParquetWriter``'s file, its row groups encoded by tasks: pass two's parts come in order
    (``add_part``), the groups they complete wait in ``ready`` for the runner, and each encoded group, in
    order, is copied in (``add_group``); ``close`` writes the footer. A part is removed once every group
    that reads it is in. The file is ``<path>.partial`` until ``close``."""

    def __init__(self, path: Path, columns: list[Column], work: Path, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.path, self.columns, self.work = path, columns, work
        self.partial = path.with_name(path.name + PARTIAL)
        self.grouper = Grouper(row_group_rows)
        self.ready: deque[GroupTask] = deque()
        self.rows = self.bad_rows = self.arrow_bytes = 0
        self._made = 0  # groups cut so far
        self._readers: dict[Path, int] = {}  # part -> groups cut from it not yet copied in
        self._row_groups: list[bytes] = []  # each copied group's RowGroup, its offsets where it is
        self._first: GroupResult | None = None  # the first group: the footer's other fields
        self._out = open(self.partial, "wb")
        self._out.write(MAGIC)
        self._position = len(MAGIC)

    def add_part(self, part: Path, lengths: list[int]) -> None:
        self._queue(self.grouper.add(part, lengths))
        if not self._readers.get(part) and part not in self._open_parts():  # no rows, or none that fit
            self._readers.pop(part, None)
            part.unlink(missing_ok=True)

    def finish(self) -> None:
        """No more parts: the last group's rows are all in."""
        self._queue(self.grouper.rest())

    def _queue(self, groups: list[list[Slice]]) -> None:
        for slices in groups:
            for part, _, _ in slices:
                self._readers[part] = self._readers.get(part, 0) + 1
            self.ready.append(GroupTask(self.work / f"group-{self._made:06d}.parquet", tuple(slices), self.columns))
            self._made += 1

    def add_group(self, group: GroupResult) -> None:
        """An encoded group (the next in order): its pages copied in, its metadata moved to where they are."""
        with open(group.path, "rb") as source:
            source.seek(len(MAGIC))
            left = group.data_end - len(MAGIC)
            while left > 0:
                chunk = source.read(min(COPY_CHUNK, left))
                if not chunk:
                    raise ValueError(f"{group.path} ended early")
                self._out.write(chunk)
                left -= len(chunk)
        group.path.unlink()
        self._row_groups.append(fill(group.row_group, group.holes, self._position - len(MAGIC)))
        self._first = self._first or group
        self._position += group.data_end - len(MAGIC)
        self.rows += group.rows
        self.arrow_bytes += group.arrow_bytes
        for part, _, _ in group.slices:
            self._readers[part] -= 1
            if not self._readers[part] and part not in self._open_parts():
                del self._readers[part]
                part.unlink(missing_ok=True)

    def _open_parts(self) -> set[Path]:
        """Parts the group being cut still reads (more groups may come from them)."""
        return {part for part, _, _ in self.grouper._group}

    def close(self) -> list[Path]:
        if self._first is None:  # no rows: the file a writer makes of none
            self._out.close()
            import pyarrow.parquet as pq

            pq.ParquetWriter(self.partial, arrow_schema(self.columns), compression="zstd").close()
        else:
            # The row groups' list header (their count: as many empty items), then each one as it is: the footer is
            # written in pieces, never whole in memory. The head ends with the schema (2), a field every footer has.
            counts = [[NUM_ROWS, I64, self.rows], [ROW_GROUPS, LIST, (STRUCT, [b""] * len(self._row_groups))]]
            header = write_struct(counts, bytearray(self._first.head), last=NUM_ROWS - 1, stop=False)
            pieces = [header, *self._row_groups, self._first.tail]
            for piece in pieces:
                self._out.write(piece)
            self._out.write(struct.pack("<I", sum(map(len, pieces))) + MAGIC)
            self._out.close()
        os.replace(self.partial, self.path)
        return [self.path]

    def abort(self) -> None:
        try:
            self._out.close()  # on a full disk its buffer's flush fails: the file goes all the same
        finally:
            self.partial.unlink(missing_ok=True)
