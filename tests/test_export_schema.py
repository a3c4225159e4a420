"""The record schema: versioned, in step with the Article item and its docs page, and what every export follows."""

from __future__ import annotations

import dataclasses
import re

import jsonschema
import pyarrow as pa
import pytest

from archiver.datasets.columns import arrow_schema, csv_cell, hf_features, normalize, record_columns, shape_of
from archiver.record.items import SCHEMA_VERSION, Article
from archiver.record.schema import article_schema, schema_version_of, schema_versions
from conftest import REPO

RECORDS_PAGE = (REPO / "docs" / "records" / "records.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    match = re.search(rf"^(#+) {re.escape(title)}\n(.*?)(?=^#{{1,3}} |\Z)", RECORDS_PAGE, re.M | re.S)
    assert match, f"docs/records/records.md has no section {title!r}"
    return match.group(2)


def test_current_schema_is_the_frozen_copy_of_its_version():
    current = article_schema()
    assert schema_version_of(current) == SCHEMA_VERSION
    assert current["$id"].endswith(f"article-{SCHEMA_VERSION}.json")
    assert SCHEMA_VERSION in schema_versions()
    assert article_schema(SCHEMA_VERSION) == current


def test_unknown_schema_version_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown schema version"):
        article_schema("0.9")


def test_schema_fields_are_the_article_fields_in_order():
    assert list(article_schema()["properties"]) == [f.name for f in dataclasses.fields(Article)]


def test_every_field_is_described_in_the_schema_and_the_docs():
    schema = article_schema()

    def undescribed(node, path=""):
        for name, sub in node.get("properties", {}).items():
            if not sub.get("description"):
                yield path + name
            yield from undescribed(sub.get("items", sub), f"{path}{name}.")

    assert list(undescribed(schema)) == []
    table = section("Article records")
    documented = re.findall(r"^\| `([a-z_0-9]+)` \|", table, re.M)
    assert documented == list(schema["properties"])


def test_docs_list_every_schema_version():
    versions = section("Schema versions")
    for version in schema_versions():
        assert re.search(rf"^\| `?{re.escape(version)}`? \|", versions, re.M), version


def test_every_crawled_record_validates_against_the_schema_it_names(demo_crawl):
    assert demo_crawl.records
    for record in demo_crawl.records:
        assert record["schema_version"] == SCHEMA_VERSION and record["extractor_version"]
        jsonschema.validate(record, article_schema(record["schema_version"]))


def test_columns_follow_the_schema_so_a_new_field_flows_into_every_format():
    schema = article_schema()
    schema["properties"]["word_count"] = {"type": ["integer", "null"], "description": "Words in the body."}
    schema["properties"]["entities"] = {"type": "array", "description": "Named entities.", "items": {
        "type": "object", "properties": {"name": {"type": "string"}, "kind": {"type": ["string", "null"]}}}}
    columns = record_columns(schema)
    assert [c.name for c in columns][-2:] == ["word_count", "entities"]
    arrow = arrow_schema(columns)
    assert arrow.field("word_count").type == pa.int64()
    assert arrow.field("entities").type == pa.list_(pa.struct([("name", pa.string()), ("kind", pa.string())]))
    features = {f["name"]: f for f in hf_features(columns)}
    assert features["word_count"] == {"name": "word_count", "dtype": "int64"}
    assert features["entities"] == {"name": "entities", "list": [{"name": "name", "dtype": "string"},
                                                                  {"name": "kind", "dtype": "string"}]}
    row, extra = normalize({"url": "u", "word_count": 3, "old_field": 1}, columns)
    assert list(row) == [c.name for c in columns] and row["word_count"] == 3 and row["headline"] is None
    assert extra == ["old_field"]


@pytest.mark.parametrize("node, kind", [
    ({"type": "string"}, "scalar"),
    ({"type": ["boolean", "null"]}, "scalar"),
    ({"enum": ["a", "b"]}, "scalar"),
    ({"type": "array", "items": {"type": "string"}}, "list"),
    ({"type": "object", "properties": {"a": {"type": "string"}}}, "struct"),
    ({"type": "object", "additionalProperties": {"enum": ["x"]}}, "keyed"),
    ({"type": ["object", "null"]}, "json"),
    ({"type": ["string", "integer"]}, "json"),
])
def test_json_schema_shapes(node, kind):
    assert shape_of(node).kind == kind


@pytest.mark.parametrize("value, cell", [
    (None, ""), (True, "true"), (False, "false"), (3, "3"), ("a,b", "a,b"),
    (["x", "y"], '["x", "y"]'), ({"k": "v"}, '{"k": "v"}'), ("ünï", "ünï"),
])
def test_csv_cells(value, cell):
    assert csv_cell(value) == cell
