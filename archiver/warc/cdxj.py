"""The CDXJ index beside the WARC files: ``<archive>/warc/index.cdxj``, sorted, merged crawl after crawl.

Entries come from webrecorder's ``cdxj-indexer`` (the indexer behind pywb and
py-wacz), so keys, fields and POST handling are exactly what pywb and
ReplayWeb.page look up. File names in the index are relative to the index's
folder, as in a WACZ package.
"""

from __future__ import annotations

import bisect
import fcntl
import heapq
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdxj_indexer.main import CDXJIndexer

from archiver.warc.reading import iter_warc
from archiver.warc.writer import WARC_SUFFIX, iter_member_ends

logger = logging.getLogger(__name__)

INDEX_FILENAME = "index.cdxj"
LOCK_FILENAME = ".index.lock"
# Records a replay tool looks up by URL. Requests are not captures; metadata
# records (TLS certificates) describe a capture and are reached through it.
INDEXED_RECORDS = "response,revisit"


@dataclass(frozen=True)
class CdxjEntry:
    """One index line: SURT key, 14-digit timestamp and the JSON fields."""

    urlkey: str
    timestamp: str
    fields: dict[str, Any]

    @classmethod
    def parse(cls, line: str) -> CdxjEntry:
        urlkey, timestamp, data = line.rstrip("\n").split(" ", 2)
        return cls(urlkey, timestamp, json.loads(data))


@dataclass
class IndexUpdate:
    """What one ``update_index`` call did."""

    path: Path
    files_indexed: list[str] = field(default_factory=list)
    entries_added: int = 0


def _indexer_lines(warc: Path, filename: str) -> list[str]:
    out = io.StringIO()
    CDXJIndexer(out, [str(warc)], post_append=True, sort=True, records=INDEXED_RECORDS,
                filename=filename).process_all()
    return out.getvalue().splitlines(keepends=True)


def is_whole(warc: Path) -> bool:
    """Whether every byte of a gzip WARC file is in a whole gzip member (a quick check: no parsing)."""
    with open(warc, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return True  # not gzip-per-record: left to warcio as it is
        size = fh.seek(0, os.SEEK_END)
        ends = list(iter_member_ends(fh))
    return bool(ends) and ends[-1] == size


def index_lines(warc: Path) -> list[str]:
    """Sorted CDXJ lines for one WARC file (file names as bare names).

    A file with damaged records is indexed without them: its readable members
    (``archiver.warc.reading``, which reports each damaged stretch once) are copied
    side by side, indexed, and their offsets mapped back to the file's.
    """
    warc = Path(warc)
    if is_whole(warc):
        return _indexer_lines(warc, warc.name)
    # warcio's indexer would stop at the damage (or index garbage after it) without a word.
    logger.info("%s has damaged records: indexing the readable ones", warc)
    spans = sorted({(member.offset, member.length) for member in iter_warc(warc)})
    moved: list[tuple[int, int]] = []  # (offset in the copy, offset in the file)
    with open(warc, "rb") as source, tempfile.NamedTemporaryFile(
            dir=warc.parent, prefix=".indexing-", suffix=WARC_SUFFIX) as copy:
        for offset, length in spans:
            moved.append((copy.tell(), offset))
            source.seek(offset)
            copy.write(source.read(length))
        copy.flush()
        lines = _indexer_lines(Path(copy.name), warc.name)
    starts = [start for start, _ in moved]
    remapped = []
    for line in lines:
        entry = CdxjEntry.parse(line)
        copied = int(entry.fields["offset"])
        start, original = moved[bisect.bisect_right(starts, copied) - 1]
        entry.fields["offset"] = str(original + copied - start)
        remapped.append(f"{entry.urlkey} {entry.timestamp} {json.dumps(entry.fields)}\n")
    return sorted(remapped)


def read_entries(path: Path) -> Iterator[CdxjEntry]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield CdxjEntry.parse(line)


def indexed_filenames(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {entry.fields.get("filename", "") for entry in read_entries(path)}


def update_index(warc_dir: Path, only: Iterable[Path] | None = None) -> IndexUpdate:
    """Add every closed WARC file in ``warc_dir`` that the index lacks, merging into ``index.cdxj``.

    Safe with several crawls (or workers) finishing at once: the merge runs under
    an exclusive lock, writes a new file and renames it over the old one, so a
    reader always sees a whole, sorted index.
    """
    warc_dir = Path(warc_dir)
    index = warc_dir / INDEX_FILENAME
    update = IndexUpdate(index)
    warc_dir.mkdir(parents=True, exist_ok=True)
    # The lock is on the folder itself: no lock file is left behind.
    lock = os.open(warc_dir, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = indexed_filenames(index)
        candidates = sorted(only) if only is not None else sorted(warc_dir.glob(f"*{WARC_SUFFIX}"))
        new_lines: list[str] = []
        for warc in candidates:
            if warc.name in known or not warc.exists():
                continue
            lines = index_lines(warc)
            new_lines.extend(lines)
            update.files_indexed.append(warc.name)
        if not new_lines:
            return update
        new_lines.sort()
        _merge_into(index, new_lines)
        update.entries_added = len(new_lines)
    finally:
        os.close(lock)  # releases the lock
    (warc_dir / LOCK_FILENAME).unlink(missing_ok=True)  # left by earlier versions
    logger.info("Indexed %d WARC file(s) into %s (%d entries)", len(update.files_indexed), index,
                update.entries_added)
    return update


def _merge_into(index: Path, new_lines: list[str]) -> None:
    temporary = index.with_name(index.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        if index.exists():
            with open(index, encoding="utf-8") as old:
                out.writelines(heapq.merge(old, new_lines))
        else:
            out.writelines(new_lines)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, index)
    directory = os.open(index.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
