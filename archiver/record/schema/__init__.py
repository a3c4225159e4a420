"""The JSON Schema of article records, shipped in the package, one frozen file per released version.

``article.schema.json`` is the current schema; ``versions/article-<version>.schema.json``
keeps every released version unchanged, so a record can always be checked against
the schema its ``schema_version`` names. Changing a field means a new version: bump
``archiver.record.items.SCHEMA_VERSION``, the ``$id`` and ``schema_version`` default here,
add the frozen copy, and a row to "Schema versions" in docs/records/records.md
(what changed, in docs/records/schema-changes.md).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

CURRENT = "article.schema.json"
VERSIONED = re.compile(r"^article-(\d+(?:\.\d+)*)\.schema\.json$")


def _read(*parts: str) -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath(*parts).read_text("utf-8"))


@lru_cache(maxsize=None)
def _cached(version: str | None) -> str:
    if version is None:
        return json.dumps(_read(CURRENT))
    if version not in schema_versions():
        raise KeyError(f"unknown schema version {version!r}; known: {', '.join(schema_versions())}")
    return json.dumps(_read("versions", f"article-{version}.schema.json"))


def article_schema(version: str | None = None) -> dict[str, Any]:
    """The record schema: the current one, or the frozen copy of ``version`` (e.g. ``"1.0"``)."""
    return json.loads(_cached(version))


def schema_versions() -> list[str]:
    """Every released schema version shipped in the package, oldest first."""
    names = (entry.name for entry in resources.files(__name__).joinpath("versions").iterdir())
    found = [match.group(1) for match in map(VERSIONED.match, names) if match]
    return sorted(found, key=lambda v: tuple(int(part) for part in v.split(".")))


def schema_version_of(schema: dict[str, Any]) -> str:
    """The version a schema document declares (its ``schema_version`` default)."""
    return str(schema["properties"]["schema_version"]["default"])
