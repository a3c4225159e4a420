"""Parquet row groups encoded by tasks and stitched into one file: the bytes one writer makes of the same rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archiver.datasets.columns import record_columns
from archiver.datasets.parquet_parts import GroupedParquetWriter, encode_group, stitches_as_one_writer
from archiver.datasets.thrift_compact import read_struct, write_struct
from archiver.datasets.writers import ParquetWriter, RowConverter


def rows(count):
    return [{"id": f"<urn:uuid:{n}>", "url": f"https://example.org/{n}", "headline": f"Story {n}",
             "body": "word " * (n % 13) * 40 if n % 5 else None, "authors": [f"A{n % 3}"] * (n % 2),
             "version": n % 4 + 1, "paywalled": n % 7 == 0} for n in range(count)]


def parts_of(table, cuts, folder):
    """The table as pass two leaves it: Arrow IPC parts, each with its rows' body lengths."""
    parts, start = [], 0
    for number, end in enumerate([*cuts, table.num_rows]):
        path = folder / f"part-{number}"
        piece = table.slice(start, end - start)
        with pa.ipc.new_stream(str(path), table.schema) as out:
            out.write_table(piece, max_chunksize=150)  # pass two writes a batch per thousand rows
        parts.append((path, [len(body or "") for body in piece.column("body").to_pylist()]))
        start = end
    return parts


def test_only_a_pyarrow_whose_stitched_groups_are_one_writers_file_stitches():
    # 18 and 19 number the row groups in one writer's footer, 17 encodes later groups otherwise: an export
    # there writes its groups in one writer, whatever the workers (archiver/datasets/export.py).
    assert [stitches_as_one_writer(v) for v in ("17.0.0", "19.0.1", "20.0.0", "26.0.1")] == [False, False, True, True]


needs_stitching = pytest.mark.skipif(not stitches_as_one_writer(), reason="this pyarrow's groups are not stitched")


@needs_stitching
@pytest.mark.parametrize("count,cuts,group_rows", [
    (1000, [], 1000), (2500, [1, 700, 700, 1999], 1000), (300, [100, 200], 7), (50, [10], 1000), (0, [], 1000),
])
def test_stitched_groups_are_the_file_one_writer_makes(tmp_path, count, cuts, group_rows):
    columns = record_columns()
    table = RowConverter(columns).table(rows(count))
    one = ParquetWriter(tmp_path / "one.parquet", columns, row_group_rows=group_rows)
    one.write_table(table)
    one.close()
    work = tmp_path / "work"
    work.mkdir()
    stitched = GroupedParquetWriter(tmp_path / "stitched.parquet", columns, work, row_group_rows=group_rows)
    for part, lengths in parts_of(table, cuts, work):
        stitched.add_part(part, lengths)
        while stitched.ready:  # in order, as the runner returns them
            stitched.add_group(encode_group(stitched.ready.popleft()))
    stitched.finish()
    while stitched.ready:
        stitched.add_group(encode_group(stitched.ready.popleft()))
    assert stitched.close() == [tmp_path / "stitched.parquet"]
    assert (tmp_path / "stitched.parquet").read_bytes() == (tmp_path / "one.parquet").read_bytes()
    assert pq.read_table(tmp_path / "stitched.parquet").equals(table)
    assert list(work.iterdir()) == []  # every part and group file removed once copied in
    assert not (tmp_path / "stitched.parquet.partial").exists()


def test_a_footer_read_and_written_back_is_the_same_bytes(tmp_path):
    columns = record_columns()
    path = tmp_path / "one.parquet"
    pq.write_table(RowConverter(columns).table(rows(40)), path, compression="zstd", row_group_size=9)
    data = path.read_bytes()
    size = int.from_bytes(data[-8:-4], "little")
    footer = data[-8 - size:-8]
    assert bytes(write_struct(read_struct(footer))) == footer
