"""`archiver export`: a crawled archive (plus later versions) to every format, read back with pyarrow, csv, json."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import sys
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from archiver.datasets.columns import hf_features, normalize, record_columns
from archiver.datasets.moments import UTC_FORM
from conftest import REPO, run_archiver
from export_fixtures import shifted, versioned_archive  # noqa: F401  (fixture)

COLUMNS = record_columns()
NAMES = [c.name for c in COLUMNS]


def export(archive, fmt, out, *args):
    done = run_archiver("export", "--archive", str(archive), "--format", fmt, "--out", str(out), *args)
    assert done.returncode == 0, done.stderr
    return done


def normalized(record):
    return normalize(record, COLUMNS)[0]


def from_arrow(row):
    """Undo the two Parquet-only shapes: key/value lists back to objects, JSON text back to values."""
    for column in COLUMNS:
        value = row[column.name]
        if column.shape.kind == "timestamp" and value is not None:
            row[column.name] = value.strftime(UTC_FORM)
        elif column.shape.kind == "keyed" and value is not None:
            row[column.name] = {pair["key"]: pair["value"] for pair in value}
        elif column.shape.kind == "json" and value is not None:
            row[column.name] = json.loads(value)
    return row


def from_csv(row):
    out = {}
    for column in COLUMNS:
        cell = row[column.name]
        if cell == "":
            out[column.name] = None
        elif column.nested:
            out[column.name] = json.loads(cell)
        elif column.shape.scalar == "integer":
            out[column.name] = int(cell)
        elif column.shape.scalar == "boolean":
            out[column.name] = {"true": True, "false": False}[cell]
        else:
            out[column.name] = cell
    return out


def read_back(fmt, out):
    if fmt == "jsonl":
        opener = gzip.open if out.read_bytes()[:2] == b"\x1f\x8b" else open
        with opener(out, "rt", encoding="utf-8") as lines:
            return [json.loads(line) for line in lines]
    if fmt == "csv":
        with open(out, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == NAMES
            return [from_csv(row) for row in reader]
    files = [out] if fmt == "parquet" else sorted((out / "data").glob("train-*.parquet"))
    return [from_arrow(row) for path in files for row in pq.read_table(path).to_pylist()]


def expected_rows(records, fmt):
    rows = [normalized(r) for r in records]
    if fmt == "csv":  # CSV has no null: an empty string reads back as null
        rows = [{k: (None if v == "" else v) for k, v in row.items()} for row in rows]
    return rows


@pytest.mark.parametrize("fmt, name, extra", [
    ("jsonl", "out.jsonl", []),
    ("jsonl", "out.jsonl.gz", []),
    ("jsonl", "gzipped.jsonl", ["--gzip"]),
    ("csv", "out.csv", []),
    ("parquet", "out.parquet", []),
    ("hf", "dataset", ["--shard-size", "1", "--row-group-size", "5"]),
])
def test_every_format_reads_back_as_the_latest_version_of_every_article(versioned_archive, tmp_path, fmt, name,
                                                                        extra):
    out = tmp_path / name
    done = export(versioned_archive.archive, fmt, out, *extra)
    if name.endswith(".gz") or "--gzip" in extra:
        assert out.read_bytes()[:2] == b"\x1f\x8b"
    rows = read_back(fmt, out)
    expected = versioned_archive.latest
    assert len(rows) == len(expected) == len(versioned_archive.crawl_records) + 1
    assert rows == expected_rows(expected, fmt)  # every field, nested ones included, in archive order
    assert "1 unreadable lines skipped" in done.stdout
    assert f"exported        {len(expected)} (latest version per canonical URL)" in done.stdout


@pytest.mark.parametrize("label, reason", [
    ("A", "a higher version fetched later"),
    ("B", "the same version fetched later"),
    ("C", "a higher version, even fetched earlier"),
    ("D", "a higher version without canonical_url, grouped by its URL"),
])
def test_latest_version_wins(versioned_archive, tmp_path, label, reason):
    export(versioned_archive.archive, "jsonl", tmp_path / "out.jsonl")
    ids = {row["id"] for row in read_back("jsonl", tmp_path / "out.jsonl")}
    assert versioned_archive.added[label]["id"] in ids, reason
    assert versioned_archive.originals[label]["id"] not in ids, reason


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_all_versions_exports_every_record_once(versioned_archive, tmp_path, fmt):
    out = tmp_path / f"all.{fmt}"
    export(versioned_archive.archive, fmt, out, "--all-versions")
    rows = read_back(fmt, out)
    assert rows == expected_rows(versioned_archive.all_records, fmt)
    assert len({row["id"] for row in rows}) == len(rows) == len(versioned_archive.all_records)


def test_a_record_copied_into_two_files_is_exported_once(versioned_archive, tmp_path):
    copy = tmp_path / "copy.jsonl"
    first = versioned_archive.crawl_records[0]
    copy.write_text(json.dumps(first) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = run_archiver("export", "--records", str(versioned_archive.archive / "articles"), "--records", str(copy),
                        "--format", "jsonl", "--out", str(out), "--all-versions")
    assert done.returncode == 0, done.stderr
    ids = [row["id"] for row in read_back("jsonl", out)]
    assert ids.count(first["id"]) == 1 and len(ids) == len(versioned_archive.all_records)


def published_day(record):
    return (record["published"] or record["fetched_at"])[:10]


FILTERS = {
    "spanish": (["--language", "es"], lambda r: r["language"] == "es"),
    "two languages": (["--language", "de,es"], lambda r: r["language"] in ("de", "es")),
    "site by host": (["--site", "news.example.org"], lambda r: "news.example.org" in r["url"]),
    "site by URL": (["--site", "https://www.news.example.org/"], lambda r: "news.example.org" in r["url"]),
    "site by name": (["--site", "Beispiel Zeitung"], lambda r: "news.example.org" in r["url"]),
    "demo site": (["--site", "127.0.0.1"], lambda r: "127.0.0.1" in r["url"]),
    "since a day": (["--since", "2024-01-01"], lambda r: published_day(r) >= "2024-01-01"),
    "until a day": (["--until", "2023-06-30"], lambda r: published_day(r) <= "2023-06-30"),
    "a day range": (["--since", "2023-01-01", "--until", "2023-12-31"],
                    lambda r: "2023-01-01" <= published_day(r) <= "2023-12-31"),
    # E was published 2025-01-15T10:00+01:00, i.e. 09:00 UTC.
    "since an instant before": (["--since", "2025-01-15T08:30:00Z"], lambda r: r["language"] == "de"),
    "since an instant after": (["--since", "2025-01-15T09:30:00Z"], lambda r: False),
    "english in 2024": (["--language", "en", "--since", "2024-01-01"],
                        lambda r: r["language"] == "en" and published_day(r) >= "2024-01-01"),
}


@pytest.mark.parametrize("args, wanted", FILTERS.values(), ids=FILTERS.keys())
def test_filters(versioned_archive, tmp_path, args, wanted):
    out = tmp_path / "out.jsonl"
    export(versioned_archive.archive, "jsonl", out, *args)
    expected = [normalized(r) for r in versioned_archive.latest if wanted(r)]
    assert read_back("jsonl", out) == expected


def test_filters_pick_records_before_the_latest_version_is_chosen(versioned_archive, tmp_path):
    """Fetched until an hour after A's first fetch: A's version 1 is the latest there is by then."""
    a = versioned_archive.originals["A"]
    out = tmp_path / "out.jsonl"
    export(versioned_archive.archive, "jsonl", out, "--date-field", "fetched",
           "--until", shifted(a["fetched_at"], timedelta(minutes=30)))
    ids = {row["id"] for row in read_back("jsonl", out)}
    assert a["id"] in ids and versioned_archive.added["A"]["id"] not in ids


def test_fetched_date_filter(versioned_archive, tmp_path):
    a = versioned_archive.originals["A"]
    out = tmp_path / "out.jsonl"
    export(versioned_archive.archive, "jsonl", out, "--date-field", "fetched",
           "--since", shifted(a["fetched_at"], timedelta(hours=12)))
    assert {row["id"] for row in read_back("jsonl", out)} == {versioned_archive.added["A"]["id"],
                                                               versioned_archive.added["D"]["id"]}


def test_parquet_columns_are_typed_from_the_schema(versioned_archive, tmp_path):
    out = tmp_path / "out.parquet"
    export(versioned_archive.archive, "parquet", out)
    parquet = pq.ParquetFile(out)
    schema = parquet.schema_arrow
    assert schema.names == NAMES
    text = pa.string()
    assert schema.field("authors").type == pa.list_(text)
    assert schema.field("captions").type == pa.list_(pa.struct(
        [("text", text), ("credit", text), ("image_url", text), ("alt", text)]))
    assert schema.field("translations").type == pa.list_(pa.struct([("language", text), ("url", text)]))
    assert schema.field("warc").type == pa.struct(
        [("filename", text), ("record_id", text), ("offset", pa.int64()), ("length", pa.int64())])
    assert schema.field("provenance").type == pa.list_(pa.struct([("key", text), ("value", text)]))
    assert schema.field("news_sitemap").type == text  # a free-form object: JSON text
    assert schema.field("status").type == pa.int64() and schema.field("paywalled").type == pa.bool_()
    assert schema.field("body").metadata[b"description"].startswith(b"Article text")
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"
    table = pq.read_table(out)
    captions = [c for row in table.column("captions").to_pylist() for c in row]
    assert captions and all(set(c) == {"text", "credit", "image_url", "alt"} for c in captions)
    assert any(c["credit"] for c in captions)


def test_hf_folder_has_shards_and_a_dataset_card(versioned_archive, tmp_path):
    out = tmp_path / "dataset"
    export(versioned_archive.archive, "hf", out, "--shard-size", "1", "--row-group-size", "4", "--name", "Demo news")
    shards = sorted(p.name for p in (out / "data").iterdir())
    total = len(shards)
    assert total == 4  # 14 rows, 4 per row group, a new shard after each
    assert shards == [f"train-{i:05d}-of-{total:05d}.parquet" for i in range(total)]
    card = (out / "README.md").read_text(encoding="utf-8")
    front, body = card.split("---\n", 2)[1:]
    meta = yaml.safe_load(front)
    assert meta["configs"] == [{"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}]
    assert meta["dataset_info"]["features"] == hf_features(COLUMNS)
    assert meta["dataset_info"]["splits"][0]["num_examples"] == 14
    assert meta["pretty_name"] == "Demo news" and set(meta["language"]) == {"en", "es", "de"}
    assert meta["size_categories"] == ["n<1K"]
    for text in ("# Demo news", "| `127.0.0.1` | 13 |", "| `example.org` | 1 |", "| `de` | 1 |",
                 "2021-09-06 to 2025-01-15", "the latest version of each article", "| `captions` |",
                 "list<struct<text, credit, image_url, alt>>", "| empty body | 1 |", "| truncated | 1 |"):
        assert text in body, text


def test_hf_export_refuses_to_mix_with_an_earlier_one_unless_told(versioned_archive, tmp_path):
    out = tmp_path / "dataset"
    export(versioned_archive.archive, "hf", out, "--shard-size", "1", "--row-group-size", "4")
    again = run_archiver("export", "--archive", str(versioned_archive.archive), "--format", "hf", "--out", str(out))
    assert again.returncode == 1 and "pass --overwrite" in again.stderr
    export(versioned_archive.archive, "hf", out, "--overwrite")
    assert [p.name for p in (out / "data").iterdir()] == ["train-00000-of-00001.parquet"]
    assert len(read_back("hf", out)) == 14


def test_jsonl_to_standard_output(versioned_archive):
    done = run_archiver("export", "--archive", str(versioned_archive.archive), "--format", "jsonl", "--out", "-")
    assert done.returncode == 0
    assert [json.loads(line) for line in done.stdout.splitlines()] == expected_rows(versioned_archive.latest, "jsonl")
    assert "exported        14" in done.stderr


@pytest.mark.parametrize("flag, shown", [("--progress", True), ("--no-progress", False), (None, False)])
def test_progress_bar_only_when_asked_or_on_a_terminal(versioned_archive, tmp_path, flag, shown):
    args = ["export", "--archive", str(versioned_archive.archive), "--format", "jsonl", "--out",
            str(tmp_path / "o.jsonl")]
    done = run_archiver(*args, *([flag] if flag else []))
    assert done.returncode == 0
    assert ("indexing   100%" in done.stderr) is shown
    assert ("exporting  100%" in done.stderr) is shown


BLOCK_PYARROW = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None; "
                 "from archiver.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("fmt, works", [("parquet", False), ("hf", False), ("jsonl", True), ("csv", True)])
def test_without_pyarrow_parquet_fails_with_one_line_and_text_formats_work(versioned_archive, tmp_path, fmt, works):
    import subprocess

    out = tmp_path / f"out.{fmt}"
    done = subprocess.run([sys.executable, "-c", BLOCK_PYARROW, "export", "--archive", str(versioned_archive.archive),
                           "--format", fmt, "--out", str(out)], capture_output=True, text=True, cwd=REPO)
    if works:
        assert done.returncode == 0, done.stderr
        assert out.exists()
    else:
        assert done.returncode == 1
        assert done.stderr == "archiver export: Parquet output needs pyarrow: pip install 'archiver[datasets]'\n"
        assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--archive", "/nonexistent/archive"], "no such records file or folder"),
    (["--since", "last tuesday"], "not a date"),
    (["--shard-size", "big"], "not a size"),
])
def test_bad_input_gets_one_clear_line(versioned_archive, tmp_path, args, message):
    base = ["--archive", str(versioned_archive.archive)] if "--archive" not in args else []
    done = run_archiver("export", *base, *args, "--format", "jsonl", "--out", str(tmp_path / "o.jsonl"))
    assert done.returncode == 1
    assert done.stderr.startswith("archiver export: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.jsonl").exists()


def test_a_record_of_the_wrong_shape_is_skipped_on_read_and_named(versioned_archive, tmp_path):
    bad = dict(versioned_archive.crawl_records[0], status="two hundred", id="<urn:uuid:bad>",
               url="http://127.0.0.1/bad/", canonical_url=None)
    extra = tmp_path / "bad.jsonl"
    extra.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    done = run_archiver("export", "--records", str(versioned_archive.archive / "articles"), "--records", str(extra),
                        "--format", "parquet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    # Checked against the schema as it is read: one warning naming file, line and field.
    assert "records read    18 (2 unreadable lines skipped)" in done.stdout  # it and the fixture's cut line
    assert f"{extra} line 1: status is \"two hundred\", not integer or null; skipped" in done.stderr
    assert len(read_back("parquet", out)) == 14



def test_the_parquet_command_does_not_load_pandas_and_pyarrow_still_can(versioned_archive, tmp_path):
    """pyarrow would import pandas on first use (a fifth of a second of CPU, in series before the workers fork);
    the command keeps it out, and pyarrow still hands pandas objects back and forth when asked to afterwards."""
    out = tmp_path / "out.parquet"
    script = ("import sys\nfrom archiver.cli import main\n"
              f"assert main(['export', '--archive', {str(versioned_archive.archive)!r}, '--format', 'parquet', "
              f"'--out', {str(out)!r}, '--workers', '2']) == 0\n"
              "print('pandas' in sys.modules)\n"
              "import pyarrow as pa, pyarrow.parquet as pq\n"
              "frame = pq.read_table(sys.argv[1]).to_pandas()\n"
              "print(type(frame).__name__, pa.table(frame).num_rows == len(frame) > 0)\n")
    done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, cwd=REPO,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-2:] == ["False", "DataFrame True"]
    assert pq.read_table(out).num_rows > 0


def test_row_groups_cut_the_same_with_the_workers_body_lengths_as_by_counting(monkeypatch):
    """Workers send each Parquet row's body length with their part (the parent then needs no pyarrow.compute);
    the row groups are the ones counting the bodies gives: characters, not bytes; no body counts 0."""
    import archiver.datasets.writers as writers

    monkeypatch.setattr(writers, "ROW_GROUP_BYTES", 40 * 1024)  # so the bytes, not the rows, cut groups
    bodies = ["é" * 9000, None, "x" * 30_000, "日本" * 2000, "", "a" * 12_000] * 5
    rows = [{"body": body, "n": n} for n, body in enumerate(bodies)]
    table = pa.Table.from_pylist(rows, schema=pa.schema([("body", pa.string()), ("n", pa.int64())]))
    assert writers.body_lengths(rows) == [len(b or "") for b in bodies]
    counted = [g.column("n").to_pylist() for g in writers.RowGroups(1000).add(table)]
    given = [g.column("n").to_pylist() for g in writers.RowGroups(1000).add(table, writers.body_lengths(rows))]
    assert given == counted and len(counted) > 3


def test_export_dates_are_one_fixed_width_form_whatever_the_year():
    from datetime import datetime, timezone

    from archiver.datasets.moments import from_utc_text, utc_text

    cases = {"2021-09-06T10:21:00-04:00": ("2021-09-06T14:21:00.000000Z", "second"),
             "2023-06-30T19:00:00.000Z": ("2023-06-30T19:00:00.000000Z", "millisecond"),
             "0999-05-05": ("0999-05-05T00:00:00.000000Z", "day"),  # a CMS's placeholder years too
             "0001-01-01T00:00Z": ("0001-01-01T00:00:00.000000Z", "minute")}
    for raw, (text, precision) in cases.items():
        assert utc_text(raw) == (text, precision)
        assert from_utc_text(text) == datetime.fromisoformat(text.replace("Z", "+00:00"))
        assert from_utc_text(text).tzinfo == timezone.utc
