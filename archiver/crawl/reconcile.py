"""At the start of a crawl: mark in the seen-store every record the records files hold and it lacks.

The seen-store is marked just after a record is written; a crawl killed between the
two (``kill -9``, a power cut) leaves a record whose article the store does not
know, and the next crawl would fetch and record it again: one article, two records.
Reading the records files back at start closes that gap. To stay cheap on a large
archive, ``<archive>/state/records-reconciled.json`` remembers how many bytes of each
file are known to be marked: only what was added since (a killed crawl's file, in
practice) is read. A crawl that ends cleanly adds its own file, fully marked.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path

from archiver.record.reader import Warnings, iter_records, record_files
from archiver.crawl.resume import mark_if_unmarked
from archiver.crawl.seen import SeenStore
from archiver.storage.torn import cut_torn_tail

logger = logging.getLogger(__name__)

STATE_NAME = "records-reconciled.json"


def _load(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


def _save(path: Path, sizes: dict[str, int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(sizes, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)  # atomic; a lost update from a concurrent crawl only means a re-read
    except OSError as error:  # a full disk: the files are read again next time, nothing worse
        temporary.unlink(missing_ok=True)
        logger.warning("Could not save %s: %s", path, error.strerror or error)


def reconcile(store: SeenStore, articles_dir: Path, state_dir: Path, skip: Path | None = None) -> int:
    """Mark the records the seen-store lacks; return how many were marked. ``skip``: this crawl's own file."""
    state = state_dir / STATE_NAME
    known = _load(state)
    marked = 0
    warnings = Warnings()
    for path in record_files(articles_dir):
        if path == skip or path.name.endswith(".gz"):
            continue
        size = path.stat().st_size
        if known.get(path.name) == size:
            continue
        if cut_torn_tail(path):  # a line cut mid-write: no record, its page is fetched again
            size = path.stat().st_size
        for line in iter_records([path], warnings):
            marked += mark_if_unmarked(store, line.record)
        known[path.name] = size
    if marked:
        logger.warning("%d records were in the records files but not in the seen-store (a crawl was killed "
                       "between writing and marking them): marked now, so they are not fetched again", marked)
    try:
        store.flush()  # the marks durable before the note that these files need no second reading
    except (sqlite3.Error, OSError) as error:
        logger.warning("seen-store not updated (%s): the records files are read again at the next start", error)
        return marked
    _save(state, {name: size for name, size in known.items() if (articles_dir / name).exists()})
    return marked


def note_complete(path: Path, state_dir: Path) -> None:
    """A crawl ended cleanly: its records file is fully marked."""
    if path.exists():
        state = state_dir / STATE_NAME
        known = _load(state)
        known[path.name] = path.stat().st_size
        _save(state, known)
