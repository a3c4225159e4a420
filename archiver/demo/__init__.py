"""The bundled demo news site: static pages, the results expected from them, and a local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archiver.demo.server import DemoServer, make_server

__all__ = ["EXPECTED_PATH", "SITE_DIR", "DemoServer", "load_expected", "make_server"]

SITE_DIR = Path(__file__).resolve().parent / "site"
EXPECTED_PATH = Path(__file__).resolve().parent / "expected.json"


def load_expected() -> dict[str, Any]:
    """What a crawl of the demo site must find (see the "notes" key inside for conventions)."""
    result: dict[str, Any] = json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))
    return result


def __getattr__(name: str) -> Any:
    # Imported lazily so that `python -m archiver.demo.server` doesn't find its own module
    # already imported by the package (runpy warns about that).
    if name in ("DemoServer", "make_server"):
        from archiver.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
