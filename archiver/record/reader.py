"""Reading article records (JSON Lines) back, each line checked against the record schema.

Every command that reads records (``stats``, ``export``, ``reextract``, ``verify``,
``wacz``, the crawl's start-up reconciliation) reads them through this module: a line
that is not JSON, not an object, or not of the schema's shape (``{"url": 5}``, a
missing ``body``) is skipped with one warning naming the file and line, and the
records around it are read as usual.

The check is the record schema (``archiver/schema``) itself, interpreted for the
keywords it uses (type, required, properties, items, enum, minimum); a record is
checked against the schema version it names. Fields the schema does not know are
tolerated here (``export`` reports and leaves them out), so records of a newer
archiver stay readable.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from archiver.record.schema import article_schema, schema_versions

logger = logging.getLogger(__name__)

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz")
# One warning per malformed line, up to this many per command; then one line saying how many more.
MAX_WARNINGS = 1000
# The keywords the record schema uses; annotations (description, ``x-...``) do not constrain a record.
SUPPORTED_KEYWORDS = {"type", "required", "properties", "items", "enum", "minimum", "additionalProperties",
                      "description", "default", "$schema", "$id", "title"}
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


@dataclass
class RecordLine:
    """One valid record and where it is."""

    path: Path
    number: int  # 1-based line number
    record: dict[str, Any]
    text: bytes  # the line as stored


@dataclass
class Malformed:
    """A line that holds no valid record."""

    path: Path
    number: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path} line {self.number}: {self.reason}; skipped"


def problem(value: Any, schema: dict[str, Any], where: str = "") -> str | None:
    """Why ``value`` does not fit ``schema`` (None when it does): the keywords the record schema uses."""
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(JSON_TYPES[kind](value) for kind in kinds):
            shown = json.dumps(value, ensure_ascii=False)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            return f"{where or 'record'} is {shown}, not {' or '.join(kinds)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{where} is {value!r}, not one of {', '.join(map(str, schema['enum']))}"
    if "minimum" in schema and JSON_TYPES["number"](value) and value < schema["minimum"]:
        return f"{where} is {value}, below {schema['minimum']}"
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            sub = properties.get(name, extra if isinstance(extra, dict) else None)
            found = problem(item, sub, f"{where + '.' if where else ''}{name}") if sub is not None else None
            if found:
                return found
        for name in schema.get("required", ()):
            if name not in value:
                return f"{where + '.' if where else ''}{name} is missing"
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found = problem(item, schema["items"], f"{where}[{index}]")
            if found:
                return found
    return None


PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "null": (type(None),),
    "array": (list,), "object": (dict,),
}


def fits(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """``schema`` made into one check: whether a value fits it, what ``problem`` finds None for.

    Every record of every archive-wide command passes the check: walking the schema for each
    value took five times the JSON parse; the check is built once per schema version, with
    what each node asks decided then. Only a value that does not fit is walked by ``problem``,
    for the words of its warning.
    """
    kinds = schema.get("type")
    kinds = None if kinds is None else [kinds] if isinstance(kinds, str) else list(kinds)
    types = tuple(t for kind in kinds or () for t in PYTHON_TYPES[kind])
    bools = kinds is not None and "boolean" in kinds  # JSON's true is no integer, though Python's is
    has_enum, enum = "enum" in schema, schema.get("enum")
    has_minimum, minimum = "minimum" in schema, schema.get("minimum")
    properties = {name: fits(sub) for name, sub in schema.get("properties", {}).items()}
    extra = schema.get("additionalProperties")
    other = fits(extra) if isinstance(extra, dict) else None
    required = tuple(schema.get("required", ()))
    items = fits(schema["items"]) if isinstance(schema.get("items"), dict) else None

    def check(value: Any) -> bool:
        if kinds is not None and (value.__class__ is bool and not bools
                                  or not isinstance(value, types)):
            return False
        if has_enum and value not in enum:
            return False
        if has_minimum and isinstance(value, (int, float)) and value.__class__ is not bool and value < minimum:
            return False
        if isinstance(value, dict):
            for name, item in value.items():
                sub = properties.get(name, other)
                if sub is not None and not sub(item):
                    return False
            for name in required:
                if name not in value:
                    return False
        elif items is not None and isinstance(value, list):
            for item in value:
                if not items(item):
                    return False
        return True

    return check


@lru_cache(maxsize=None)
def _known_versions() -> frozenset[str]:
    return frozenset(schema_versions())


@lru_cache(maxsize=None)
def _schema(version: str | None) -> tuple[dict[str, Any], Callable[[Any], bool]]:
    schema = article_schema(version)
    return schema, fits(schema)


def record_problem(record: Any) -> str | None:
    """Why a parsed JSON value is not a valid article record, or None."""
    if not isinstance(record, dict):
        return f"not a JSON object but {type(record).__name__}"
    version = record.get("schema_version")
    # Any version this archiver does not ship is read by the newest schema (one cache entry, whatever the line says).
    schema, check = _schema(version if isinstance(version, str) and version in _known_versions() else None)
    return None if check(record) else problem(record, schema)


def load_checks() -> None:
    """Build every schema version's check now: in a parent, before it forks the workers that read records."""
    for version in (None, *_known_versions()):
        _schema(version)


def parse_line(text: bytes | str) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) for a valid record line, else (None, why)."""
    try:
        record = json.loads(text)
    except ValueError as error:
        return None, f"not valid JSON ({str(error).split(':')[0]})"
    reason = record_problem(record)
    return (None, reason) if reason else (record, None)


class Warnings:
    """One warning per malformed line (a line read twice is warned about once), at most ``MAX_WARNINGS``.

    ``count`` counts them all.
    """

    def __init__(self, limit: int = MAX_WARNINGS) -> None:
        self.limit = limit
        self.count = 0
        self.seen: set[tuple[Path, int]] = set()

    def __call__(self, malformed: Malformed) -> None:
        if (malformed.path, malformed.number) in self.seen:
            return
        self.seen.add((malformed.path, malformed.number))
        self.count += 1
        if self.count <= self.limit:
            logger.warning("%s", malformed)
        elif self.count == self.limit + 1:
            logger.warning("more malformed record lines: counted, not shown")


def iter_records(paths: Iterable[str | Path], on_malformed: Callable[[Malformed], None] | None = None
                 ) -> Iterator[RecordLine]:
    """Every valid record of the files, in order; each malformed line goes to ``on_malformed`` once.

    ``on_malformed`` defaults to one warning per line (``Warnings``). Blank lines are skipped silently.
    """
    report = on_malformed or Warnings()
    for path in map(Path, paths):
        with open(path, "rb") as raw:
            stream: BinaryIO = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw  # type: ignore
            for number, text in enumerate(stream, start=1):
                if not text.strip():
                    continue
                record, reason = parse_line(text)
                if record is None:
                    report(Malformed(path, number, reason or "malformed"))
                else:
                    yield RecordLine(path, number, record, text)


def record_files(folder: Path) -> list[Path]:
    """The records files of a folder (``<archive>/articles``), in name order: crawl order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(RECORD_SUFFIXES))
