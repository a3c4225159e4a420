"""The demo site's files, and what a crawl of them must find."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SITE_DIR = Path(__file__).resolve().parent / "site"
EXPECTED_PATH = Path(__file__).resolve().parent / "expected.json"


def load_expected() -> dict[str, Any]:
    """What a crawl of the demo site must find (see the "notes" key inside for conventions)."""
    result: dict[str, Any] = json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))
    return result
