"""Import every component the crawl's settings name, so a host that lacks a dependency fails early.

Scrapyd lists an egg's spiders when it is uploaded (``addversion.json``, ``listspiders.json``);
importing the spiders alone succeeds without ``warcio`` and the rest, and the first job then
dies with ``ModuleNotFoundError`` in its log. ``spiders/__init__.py`` calls
``require_components()``, so the listing, and with it the deploy, fails instead, naming
what is missing.
"""

from __future__ import annotations

import importlib

COMPONENT_DICTS = ("DOWNLOADER_MIDDLEWARES", "ITEM_PIPELINES", "EXTENSIONS", "ADDONS")
COMPONENT_PATHS = ("WARC_DEDUP_INDEX", "SEEN_STORE")


class MissingDependency(ImportError):
    """A crawl component cannot be imported on this host."""


def component_paths() -> list[str]:
    """The dotted class paths archiver.settings names, in settings order."""
    settings = importlib.import_module("archiver.settings")
    paths = [path for name in COMPONENT_DICTS for path in getattr(settings, name, {})]
    return paths + [getattr(settings, name) for name in COMPONENT_PATHS if getattr(settings, name, "")]


def require_components() -> None:
    for path in component_paths():
        module, _, name = path.rpartition(".")
        try:
            getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as error:
            raise MissingDependency(
                f"archiver cannot load {path} ({error}): install the project's dependencies on this host "
                "(pip install -r requirements-scrapyd.txt), not the project itself") from error
