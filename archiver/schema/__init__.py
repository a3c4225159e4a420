"""The JSON Schema of article records, shipped in the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def article_schema() -> dict[str, Any]:
    return json.loads(resources.files(__name__).joinpath("article.schema.json").read_text("utf-8"))
