"""The bundled demo news site: static pages, the results expected from them, and a local server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archiver.demo.files import EXPECTED_PATH, SITE_DIR, load_expected

if TYPE_CHECKING:
    from archiver.demo.server import DemoServer, make_server

__all__ = ["EXPECTED_PATH", "SITE_DIR", "DemoServer", "load_expected", "make_server"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `python -m archiver.demo.server` doesn't find its own module
    # already imported by the package (runpy warns about that).
    if name in ("DemoServer", "make_server"):
        from archiver.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
