"""Export columns, derived from the record JSON Schema: names, order, shape and conversions.

Every exporter takes its columns from here, so a field added to
``archiver/record/schema/article.schema.json`` shows up in JSON Lines, CSV, Parquet and
the dataset card without touching the exporters. How a JSON Schema node maps:

=============================================  ===================  =============================
JSON Schema                                    shape                Parquet / Arrow
=============================================  ===================  =============================
string, integer, number, boolean (or null)     scalar               string, int64, float64, bool
array of X                                     list                 list<X>
object with ``properties``                     struct               struct<...> (schema order)
object with only ``additionalProperties``      keyed                list<struct<key, value>>
object without either, or mixed types          json                 string holding JSON text
string marked ``"x-export": "timestamp"``      timestamp            timestamp[us, tz=UTC]
=============================================  ===================  =============================

A ``timestamp`` field (``fetched_at``, ``published``, ``modified``) becomes three
columns: ``<name>`` in UTC (one ISO 8601 form in JSON Lines and CSV, a timestamp in
Parquet), ``<name>_raw`` (the record's string, as the page wrote it) and
``<name>_precision`` (day, minute, second, millisecond, microsecond; see
``archiver.datasets.moments``). ``site`` is filled from ``url`` for records older than
schema 1.1, which lack it.

``keyed`` objects (``provenance``) are stored as a list of key/value structs, not as
an Arrow map: Hugging Face ``datasets`` cannot load map columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archiver.system.domains import registrable_domain
from archiver.datasets.moments import from_utc_text, utc_text
from archiver.record.items import SCHEMA_VERSION
from archiver.record.schema import article_schema

SCALARS = {"string", "integer", "number", "boolean"}


@dataclass(frozen=True)
class Shape:
    """The shape of one JSON Schema node (see the module docstring)."""

    kind: str  # scalar, list, struct, keyed, json, timestamp
    scalar: str | None = None  # for scalar: string, integer, number, boolean
    item: Shape | None = None  # for list: the items; for keyed: the values
    fields: tuple[tuple[str, Shape, str], ...] = ()  # for struct: (name, shape, description)


@dataclass(frozen=True)
class Column:
    name: str
    shape: Shape
    description: str = ""
    # For the companions of a timestamp column: (the record field, "raw" or "precision").
    derived_from: tuple[str, str] | None = None
    nested: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nested", self.shape.kind not in ("scalar", "timestamp"))


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("type")
    if declared is None and "enum" in node:
        return {"string"} if all(isinstance(v, str) for v in node["enum"]) else set()
    types = {declared} if isinstance(declared, str) else set(declared or [])
    return types - {"null"}


def shape_of(node: dict[str, Any]) -> Shape:
    """The shape of a JSON Schema node."""
    if node.get("x-export") == "timestamp":
        return Shape("timestamp")
    types = _types(node)
    if len(types) == 1:
        (kind,) = types
        if kind in SCALARS:
            return Shape("scalar", scalar=kind)
        if kind == "array":
            return Shape("list", item=shape_of(node.get("items") or {}))
        if kind == "object" and node.get("properties"):
            return Shape("struct", fields=tuple(
                (name, shape_of(sub), sub.get("description", "")) for name, sub in node["properties"].items()
            ))
        if kind == "object" and isinstance(node.get("additionalProperties"), dict):
            return Shape("keyed", item=shape_of(node["additionalProperties"]))
    return Shape("json")


TEXT = Shape("scalar", scalar="string")


def record_columns(schema: dict[str, Any] | None = None) -> list[Column]:
    """The export columns: the schema's properties, in schema order, timestamps with their companions."""
    schema = schema or article_schema()
    columns = []
    for name, node in schema["properties"].items():
        shape = shape_of(node)
        if shape.kind != "timestamp":
            columns.append(Column(name, shape, node.get("description", "")))
            continue
        columns += [
            Column(name, shape, f"{node.get('description', '')} As a UTC timestamp; a date alone is midnight UTC."),
            Column(f"{name}_raw", TEXT, f"{name} as the record holds it (the page's own string).", (name, "raw")),
            Column(f"{name}_precision", TEXT, f"Precision of {name}_raw: day, minute, second, millisecond or "
                   "microsecond.", (name, "precision")),
        ]
    return columns


def normalize(record: dict[str, Any], columns: list[Column]) -> tuple[dict[str, Any], list[str]]:
    """The record with exactly the columns, in order (missing ones null), and the names it had beyond them.

    Dates become the one UTC text form (``moments.utc_text``) with their companions;
    a record of schema 1.0 gets its ``site`` from its URL and is labelled with the
    current schema version, whose layout the row now has.
    """
    row: dict[str, Any] = {}
    dates: dict[str, tuple[str | None, str | None]] = {}
    for column in columns:
        if column.shape.kind == "timestamp":
            dates[column.name] = utc_text(record.get(column.name))
            row[column.name] = dates[column.name][0]
        elif column.derived_from:
            source, part = column.derived_from
            raw = record.get(source)
            row[column.name] = raw if part == "raw" else (dates.get(source) or utc_text(raw))[1]
        else:
            row[column.name] = record.get(column.name)
    if "site" in row and "site" not in record:
        row["site"] = registrable_domain(record.get("url"))
        if "schema_version" in row and record.get("schema_version") == "1.0":
            row["schema_version"] = SCHEMA_VERSION
    derived = {c.name for c in columns if c.derived_from}
    return row, [name for name in record if name not in row or name in derived]


# -- Arrow / Parquet ------------------------------------------------------------------------------

def arrow_type(shape: Shape) -> Any:
    import pyarrow as pa

    if shape.kind == "timestamp":
        return pa.timestamp("us", tz="UTC")
    if shape.kind == "scalar":
        return {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
                "boolean": pa.bool_()}[shape.scalar or "string"]
    if shape.kind == "list":
        assert shape.item is not None
        return pa.list_(arrow_type(shape.item))
    if shape.kind == "struct":
        return pa.struct([pa.field(name, arrow_type(sub), metadata=_description(text))
                          for name, sub, text in shape.fields])
    if shape.kind == "keyed":
        assert shape.item is not None
        return pa.list_(pa.struct([pa.field("key", pa.string()), pa.field("value", arrow_type(shape.item))]))
    return pa.string()


def arrow_schema(columns: list[Column]) -> Any:
    """The Arrow schema of the export, field descriptions kept as field metadata."""
    import pyarrow as pa

    return pa.schema([pa.field(c.name, arrow_type(c.shape), metadata=_description(c.description)) for c in columns],
                     metadata={"archiver.schema_version": SCHEMA_VERSION})


def _description(text: str) -> dict[str, str] | None:
    return {"description": text} if text else None


def arrow_converter(shape: Shape) -> Callable[[Any], Any]:
    """A function from a JSON value to what pyarrow takes for ``arrow_type(shape)``."""
    if shape.kind == "scalar":
        return _identity
    if shape.kind == "timestamp":
        return from_utc_text
    if shape.kind == "json":
        return _json_text
    if shape.kind == "list":
        assert shape.item is not None
        item = arrow_converter(shape.item)
        if item is _identity:
            return _identity
        return lambda value: [item(v) for v in value] if isinstance(value, list) else value
    if shape.kind == "struct":
        subs = [(name, arrow_converter(sub)) for name, sub, _ in shape.fields]
        if all(conv is _identity for _, conv in subs):
            return _identity
        return lambda value: {name: conv(value.get(name)) for name, conv in subs} \
            if isinstance(value, dict) else value
    assert shape.item is not None
    value_conv = arrow_converter(shape.item)
    return lambda value: [{"key": k, "value": value_conv(v)} for k, v in value.items()] \
        if isinstance(value, dict) else value


def _identity(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def type_label(shape: Shape) -> str:
    """A short type for people: ``string``, ``list<string>``, ``list<struct<text, credit>>``, ``JSON text``."""
    if shape.kind == "timestamp":
        return "timestamp[us, UTC]"
    if shape.kind == "scalar":
        return {"integer": "int64", "number": "float64", "boolean": "bool"}.get(shape.scalar or "", "string")
    if shape.kind == "list":
        assert shape.item is not None
        return f"list<{type_label(shape.item)}>"
    if shape.kind == "struct":
        return f"struct<{', '.join(name for name, _, _ in shape.fields)}>"
    if shape.kind == "keyed":
        return "list<struct<key, value>>"
    return "string (JSON text)"


# -- CSV ----------------------------------------------------------------------------------------

def csv_cell(value: Any) -> str:
    """One CSV cell: text as is, true/false, numbers, JSON for lists and objects, empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_quoted(column: Column) -> bool:
    """Whether a column's cells are written quoted: text and JSON text, not numbers, booleans or timestamps."""
    return column.shape.kind != "timestamp" and (column.shape.kind != "scalar" or column.shape.scalar == "string")


# -- Hugging Face features ------------------------------------------------------------------------

HF_DTYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool"}


def hf_feature(shape: Shape) -> dict[str, Any]:
    """The dataset card's ``features`` entry (without ``name``) for one shape."""
    if shape.kind == "scalar":
        return {"dtype": HF_DTYPES[shape.scalar or "string"]}
    if shape.kind == "timestamp":
        return {"dtype": "timestamp[us, tz=UTC]"}
    if shape.kind == "json":
        return {"dtype": "string"}
    if shape.kind == "struct":
        return {"struct": [{"name": name, **hf_feature(sub)} for name, sub, _ in shape.fields]}
    assert shape.item is not None
    if shape.kind == "keyed":
        item = Shape("struct", fields=(("key", Shape("scalar", scalar="string"), ""), ("value", shape.item, "")))
    else:
        item = shape.item
    inner = hf_feature(item)
    # The Hub's short forms: `list: string` and `list: [fields]`.
    if list(inner) == ["dtype"]:
        return {"list": inner["dtype"]}
    if list(inner) == ["struct"]:
        return {"list": inner["struct"]}
    return {"list": inner}


def hf_features(columns: list[Column]) -> list[dict[str, Any]]:
    return [{"name": c.name, **hf_feature(c.shape)} for c in columns]
