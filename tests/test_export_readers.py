"""Every export read with the tools data users have: pandas, pyarrow, DuckDB, Hugging Face ``datasets``.

One module-scoped export of each format (``datasets`` is slow to import): the
versioned demo archive plus a records file written with schema 1.0, which must
still export (``site`` filled from the URL, dates typed).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archiver.record.items import SCHEMA_VERSION
from archiver.record.schema import article_schema
from conftest import run_archiver
from export_fixtures import versioned_archive  # noqa: F401  (fixture)

pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")

DATES = ("fetched_at", "published", "modified")
TIMESTAMP = pa.timestamp("us", tz="UTC")
OLD_FILE = "20200101T000000Z-1-schema-1.0.jsonl"


def old_record(record: dict, n: int, published: str) -> dict:
    """A record as archiver wrote it under schema 1.0: no ``site`` (1.1), ``browser`` (1.2) or ``capture`` (1.3)."""
    old = copy.deepcopy(record)
    del old["site"], old["browser"]
    old.pop("capture", None)
    old.update(schema_version="1.0", url=f"https://www.news.example.co.uk/old/{n}/",
               canonical_url=f"https://www.news.example.co.uk/old/{n}/", published=published,
               id=f"<urn:uuid:00000000-0000-4000-8000-0000000001{n:02d}>", version=1, previous_version_id=None)
    jsonschema.validate(old, article_schema("1.0"))
    return old


@pytest.fixture(scope="module")
def exports(versioned_archive, tmp_path_factory):  # noqa: F811
    import shutil

    root = tmp_path_factory.mktemp("readers")
    archive = root / "archive"
    shutil.copytree(versioned_archive.archive, archive)
    base = versioned_archive.crawl_records[0]
    olds = [old_record(base, 1, "2024-06-18"), old_record(base, 2, "2023-06-30T19:00:00.000Z")]
    (archive / "articles" / OLD_FILE).write_text("".join(json.dumps(r) + "\n" for r in olds), encoding="utf-8")
    outs = {"jsonl": root / "news.jsonl", "csv": root / "news.csv", "parquet": root / "news.parquet",
            "hf": root / "news-hf"}
    for fmt, out in outs.items():
        done = run_archiver("export", "--archive", str(archive), "--format", fmt, "--out", str(out),
                            "--license", "cc-by-4.0", "--name", "Demo news")
        assert done.returncode == 0, done.stderr
    outs["expected_rows"] = len(versioned_archive.latest) + len(olds)
    return outs


def test_parquet_dates_are_utc_timestamps_with_raw_and_precision(exports):
    schema = pq.read_schema(exports["parquet"])
    shards = sorted((exports["hf"] / "data").glob("train-*.parquet"))
    for name in DATES:
        assert schema.field(name).type == TIMESTAMP
        assert schema.field(f"{name}_raw").type == pa.string() and schema.field(f"{name}_precision").type == pa.string()
        assert all(pq.read_schema(shard).field(name).type == TIMESTAMP for shard in shards)
    assert schema.field("site").type == pa.string()
    assert schema.metadata[b"archiver.schema_version"].decode() == SCHEMA_VERSION
    rows = pq.read_table(exports["parquet"]).to_pylist()
    seed = next(r for r in rows if r["published_raw"] == "2021-09-06T10:21:00-04:00")
    assert seed["published"] == datetime(2021, 9, 6, 14, 21, tzinfo=timezone.utc)
    assert seed["published_precision"] == "second"


def test_schema_1_0_records_export_with_site_and_typed_dates(exports):
    rows = {r["url"]: r for r in pq.read_table(exports["parquet"]).to_pylist()}
    day = rows["https://www.news.example.co.uk/old/1/"]
    assert day["site"] == "example.co.uk" and day["schema_version"] == SCHEMA_VERSION
    assert (day["published"], day["published_raw"], day["published_precision"]) == (
        datetime(2024, 6, 18, tzinfo=timezone.utc), "2024-06-18", "day")
    milli = rows["https://www.news.example.co.uk/old/2/"]
    assert milli["published"] == datetime(2023, 6, 30, 19, tzinfo=timezone.utc)
    assert milli["published_precision"] == "millisecond"


def test_pandas_reads_every_format_with_dates_that_need_no_arguments(exports):
    frames = {
        "jsonl": pd.read_json(exports["jsonl"], lines=True),
        "csv": pd.read_csv(exports["csv"]),
        "parquet": pd.read_parquet(exports["parquet"]),
        "hf": pd.concat(pd.read_parquet(p) for p in sorted((exports["hf"] / "data").glob("*.parquet"))),
    }
    reference = frames["parquet"].set_index("url")
    for fmt, frame in frames.items():
        assert len(frame) == exports["expected_rows"], fmt
        frame = frame.set_index("url").loc[reference.index]
        for name in DATES:
            column = pd.to_datetime(frame[name])  # no format=, no utc=: one ISO 8601 form in UTC
            assert str(column.dt.tz) == "UTC", (fmt, name)
            assert column.equals(reference[name].astype(column.dtype)), (fmt, name)
        assert frame["site"].tolist() == reference["site"].tolist()
    assert str(frames["parquet"]["published"].dtype).startswith("datetime64[") and "UTC" in str(
        frames["parquet"]["published"].dtype)


def test_csv_quotes_text_and_schema_version_reads_as_text_with_the_documented_types(exports):
    text = exports["csv"].read_text(encoding="utf-8")
    assert text.count(f',"{SCHEMA_VERSION}",') == exports["expected_rows"]  # quoted: text, not a number
    # pandas and DuckDB guess types without regard to quotes ("1.1" becomes 1.1): docs/records/export.md
    # gives each the one type to pin, and with it the version reads back as written.
    frame = pd.read_csv(exports["csv"], dtype={"schema_version": str})
    assert set(frame["schema_version"]) == {SCHEMA_VERSION}
    con = duckdb.connect()
    source = f"read_csv('{exports['csv']}', types={{'schema_version': 'VARCHAR'}})"
    assert con.execute(f"SELECT DISTINCT schema_version FROM {source}").fetchall() == [(SCHEMA_VERSION,)]
    kinds = {name: kind for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    assert kinds["published"].startswith("TIMESTAMP") and kinds["site"] == "VARCHAR"


def test_duckdb_counts_per_site_in_every_format(exports):
    con = duckdb.connect()
    sources = {"jsonl": f"read_json_auto('{exports['jsonl']}')", "csv": f"read_csv('{exports['csv']}')",
               "parquet": f"read_parquet('{exports['parquet']}')",
               "hf": f"read_parquet('{exports['hf'] / 'data' / '*.parquet'}')"}
    per_site = {}
    for fmt, source in sources.items():
        per_site[fmt] = dict(con.execute(f"SELECT site, count(*) FROM {source} GROUP BY site ORDER BY site").fetchall())
        assert sum(per_site[fmt].values()) == exports["expected_rows"], fmt
    assert per_site["parquet"] == {"127.0.0.1": exports["expected_rows"] - 3, "example.co.uk": 2, "example.org": 1}
    assert all(counts == per_site["parquet"] for counts in per_site.values()), per_site
    kind = con.execute(f"SELECT typeof(published) FROM {sources['parquet']} LIMIT 1").fetchone()[0]
    assert kind == "TIMESTAMP WITH TIME ZONE"


def test_datasets_loads_the_hf_folder_offline_and_the_card_has_a_license(exports, tmp_path_factory):
    cache = tmp_path_factory.mktemp("hf-cache")
    with pytest.MonkeyPatch.context() as env:
        for name, value in {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(cache),
                            "HF_DATASETS_CACHE": str(cache / "datasets")}.items():
            env.setenv(name, value)
        datasets = pytest.importorskip("datasets")
        huggingface_hub = pytest.importorskip("huggingface_hub")
        loaded = datasets.load_dataset(str(exports["hf"]), split="train", cache_dir=str(cache / "datasets"))
        card = huggingface_hub.DatasetCard.load(exports["hf"] / "README.md")
    assert loaded.num_rows == exports["expected_rows"]
    for name in DATES:
        assert loaded.features[name].dtype == "timestamp[us, tz=UTC]"
    assert loaded.features["site"].dtype == "string"
    assert card.data.license == "cc-by-4.0"
    assert "rights vary by publisher" in card.text
    assert "| `example.co.uk` | 2 |" in card.text  # the per-site table counts the `site` column
