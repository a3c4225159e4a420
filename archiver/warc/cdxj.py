"""The CDXJ index beside the WARC files: ``<archive>/warc/indexes/``, one sorted file per WARC file.

Each closed WARC file gets ``indexes/<file>.cdxj`` (a crawl's own files as each closes, from
lines made while writing: ``live_index.py``), so a crawl's indexing costs what the crawl
wrote, whatever the size of the archive. pywb reads
every ``.cdxj`` (and every ZipNum ``.idx``) of the folder as one collection.
``compact_index`` (``archiver cdx compact``, for a scheduled job) merges the
per-file indexes and earlier ZipNum sets into one ZipNum set (``zipnum.py``), so
lookups stay a binary search over a few files however many crawls there were.

Entries come from webrecorder's ``cdxj-indexer`` (the indexer behind pywb and
py-wacz), so keys, fields and POST handling are exactly what pywb and
ReplayWeb.page look up. File names in the index are the bare WARC file names,
found under the WARC folder (pywb's ``archive_paths``), as in a WACZ package.
An archive made before this layout has one merged ``warc/index.cdxj``; the next
update moves it into the folder, and the next compaction folds it in.
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
import time
from datetime import datetime, timezone
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cdxj_indexer.main import CDXJIndexer

from archiver.datasets import workers
from archiver.warc.live_index import INDEXED_RECORDS, LiveIndex
from archiver.warc.ranges import RangeFile, WarcRange, plan_ranges
from archiver.warc.reading import iter_warc
from archiver.warc.writer import WARC_SUFFIX, iter_member_ends
from archiver.warc.zipnum import BLOCK_LINES, SHARD_BLOCKS, ZipNumSet, write_set

logger = logging.getLogger(__name__)

INDEX_DIRNAME = "indexes"
INDEX_SUFFIX = ".cdxj"
LEGACY_INDEX = "index.cdxj"  # one merged file: the layout before per-file indexes
LEGACY_IN_FOLDER = "legacy.cdxj"
LOCK_FILENAME = ".index.lock"


class IndexBusy(Exception):
    """Another compaction of the same archive is running."""


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

    path: Path  # the index folder
    files_indexed: list[str] = field(default_factory=list)
    entries_added: int = 0


@dataclass
class Compaction:
    """What one ``compact_index`` call did."""

    summary: Path | None = None  # the new set's .idx; None when there was nothing to compact
    lines: int = 0
    blocks: int = 0
    inputs: list[str] = field(default_factory=list)  # index files merged (and removed)
    seconds: float = 0.0


def index_dir(warc_dir: Path) -> Path:
    return Path(warc_dir) / INDEX_DIRNAME


def _indexer_lines(warc: BinaryIO, filename: str) -> list[str]:
    """cdxj-indexer's sorted lines for the records of an open file (offsets from its ``tell()``)."""
    out = io.StringIO()
    indexer = CDXJIndexer(out, [], post_append=True, sort=True, records=INDEXED_RECORDS, filename=filename)
    indexer.process_one(warc, out, filename)
    return sorted(out.getvalue().splitlines(keepends=True))


def index_lines(warc: Path) -> list[str]:
    """Sorted CDXJ lines for one WARC file (file names as bare names)."""
    return index_range(IndexTask(WarcRange(0, 0, Path(warc)))).lines


@dataclass(frozen=True)
class IndexTask:
    range: WarcRange  # a whole file, or a range of one (archiver.warc.ranges)


@dataclass
class RangeLines:
    lines: list[str]  # sorted
    done_bytes: int
    items: int


def index_range(task: IndexTask) -> RangeLines:
    """Sorted CDXJ lines for the records of one range of a WARC file, offsets as in the whole file.

    A range with damaged records is indexed without them: its readable members
    (``archiver.warc.reading``, which reports each damaged stretch once) are copied
    side by side, indexed, and their offsets mapped back to the file's. The lines of a
    file's ranges, merged, are the lines of the whole file.
    """
    part = task.range
    warc = part.path
    if _range_is_whole(part):
        with RangeFile(warc, part.start, part.end) as window:
            lines = _indexer_lines(window, warc.name)
        workers.report(part.size, len(lines))
        return RangeLines(lines, part.size, len(lines))
    # warcio's indexer would stop at the damage (or index garbage after it) without a word.
    logger.info("%s has damaged records: indexing the readable ones", warc)
    spans = sorted({(member.offset, member.length) for member in iter_warc(warc, start=part.start, end=part.end)})
    moved: list[tuple[int, int]] = []  # (offset in the copy, offset in the file)
    with open(warc, "rb") as source, tempfile.NamedTemporaryFile(
            dir=warc.parent, prefix=".indexing-", suffix=WARC_SUFFIX) as copy:
        for offset, length in spans:
            moved.append((copy.tell(), offset))
            source.seek(offset)
            copy.write(source.read(length))
        copy.flush()
        with open(copy.name, "rb") as copied:
            lines = _indexer_lines(copied, warc.name)
    starts = [start for start, _ in moved]
    remapped = []
    for line in lines:
        entry = CdxjEntry.parse(line)
        copied_at = int(entry.fields["offset"])
        start, original = moved[bisect.bisect_right(starts, copied_at) - 1]
        entry.fields["offset"] = str(original + copied_at - start)
        remapped.append(f"{entry.urlkey} {entry.timestamp} {json.dumps(entry.fields)}\n")
    workers.report(part.size, len(remapped))
    return RangeLines(sorted(remapped), part.size, len(remapped))


def is_whole(warc: Path) -> bool:
    """Whether every byte of a gzip WARC file is in a whole gzip member (a quick check: no parsing)."""
    return _range_is_whole(WarcRange(0, 0, Path(warc)))


def _range_is_whole(part: WarcRange) -> bool:
    """Whether every byte of the range is in a whole gzip member (a quick check: inflating, no parsing)."""
    with open(part.path, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return True  # not gzip-per-record: left to warcio as it is
        size = fh.seek(0, os.SEEK_END)
        stop = size if part.end is None else part.end
        last = part.start
        for end in iter_member_ends(fh, start=part.start):
            last = end
            if end >= stop:
                break
    return last == stop


def read_entries(path: Path) -> Iterator[CdxjEntry]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield CdxjEntry.parse(line)


def per_file_indexes(warc_dir: Path) -> list[Path]:
    """The plain ``.cdxj`` files of the index folder (per WARC file, and a moved legacy index)."""
    folder = index_dir(warc_dir)
    return sorted(folder.glob(f"*{INDEX_SUFFIX}")) if folder.is_dir() else []


def warc_index_path(warc_dir: Path, warc_name: str) -> Path:
    return index_dir(warc_dir) / f"{warc_name}{INDEX_SUFFIX}"


def sources(warc_dir: Path) -> list[tuple[str, Iterator[str]]]:
    """Every index of the folder as ``(name, sorted lines)``: plain CDXJ files, then ZipNum sets."""
    found: list[tuple[str, Iterator[str]]] = []
    for path in per_file_indexes(warc_dir):
        found.append((path.name, _file_lines(path)))
    for zipnum in ZipNumSet.find_all(index_dir(warc_dir)):
        found.append((zipnum.summary.name, zipnum.lines()))
    return found


def _file_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as lines:
        yield from (line for line in lines if line.strip())


def all_lines(warc_dir: Path) -> Iterator[str]:
    """The whole index as one sorted stream (what pywb's collection answers from)."""
    return heapq.merge(*(lines for _, lines in sources(warc_dir)))


def indexed_warcs(warc_dir: Path) -> set[str]:
    """WARC files the index covers: one ``.cdxj`` each, the manifests of ZipNum sets, a legacy index's lines."""
    return _covered(per_file_indexes(warc_dir), ZipNumSet.find_all(index_dir(warc_dir)))


def _covered(plain: list[Path], sets: list[ZipNumSet]) -> set[str]:
    known = set()
    for path in plain:
        if path.name == LEGACY_IN_FOLDER:
            known |= {entry.fields.get("filename", "") for entry in read_entries(path)}
        else:
            known.add(path.name[: -len(INDEX_SUFFIX)])
    for zipnum in sets:
        known |= set(zipnum.warcs())
    return known


def update_index(warc_dir: Path, only: Iterable[Path] | None = None, *, runner: workers.Runner | None = None,
                 task_size: int | None = None, progress=None, known: LiveIndex | None = None) -> IndexUpdate:
    """Index every closed WARC file in ``warc_dir`` that the index lacks, one ``indexes/<file>.cdxj`` each.

    The cost follows the new files, not the archive: nothing already indexed is read
    or rewritten. With a ``runner`` of several workers the files are indexed in byte
    ranges (``archiver.warc.ranges``) side by side; the lines of a file's ranges, merged,
    are its whole index. Each file is written under a temporary name and renamed, so a
    reader (pywb) sees whole indexes only; a lock keeps two crawls finishing at once
    from indexing the same file twice. ``known``: the lines a crawl made as it wrote its files
    (``archiver.warc.live_index``); a file they cover is not read.
    """
    warc_dir = Path(warc_dir)
    folder = index_dir(warc_dir)
    update = IndexUpdate(folder)
    folder.mkdir(parents=True, exist_ok=True)
    runner = runner or workers.InlineRunner()
    # The lock is on the folder itself: no lock file is left behind.
    lock = os.open(warc_dir, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        legacy = warc_dir / LEGACY_INDEX
        if legacy.exists():
            os.replace(legacy, folder / LEGACY_IN_FOLDER)
        indexed = indexed_warcs(warc_dir)
        candidates = sorted(only) if only is not None else sorted(warc_dir.glob(f"*{WARC_SUFFIX}"))
        todo = [warc for warc in candidates if warc.name not in indexed and warc.exists()]
        for warc in list(todo):
            lines = known.take(warc.name) if known is not None else None
            if lines is not None:
                _write_atomic(warc_index_path(warc_dir, warc.name), lines)
                update.files_indexed.append(warc.name)
                update.entries_added += len(lines)
                todo.remove(warc)
        total = sum(warc.stat().st_size for warc in todo)
        ranges = plan_ranges(todo, workers.range_bytes(total, runner, task_size))
        tally = workers.shared_tally(runner)
        tick = (lambda: progress.update(tally.done_bytes, tally.items, "entries")) if progress else (lambda: None)
        if progress is not None:
            progress.stage("indexing", total)
        done: list[list[str]] = []  # the sorted lines of the ranges of the file being indexed
        for part, found in zip(ranges, runner.map(index_range, (IndexTask(part) for part in ranges), tally, tick)):
            done.append(found.lines)
            if part.number + 1 < len(ranges) and ranges[part.number + 1].file == part.file:
                continue  # more ranges of this file to come
            merged = list(heapq.merge(*done))
            done = []
            warc = todo[part.file]
            _write_atomic(warc_index_path(warc_dir, warc.name), merged)
            update.files_indexed.append(warc.name)
            update.entries_added += len(merged)
    finally:
        os.close(lock)  # releases the lock
    (warc_dir / LOCK_FILENAME).unlink(missing_ok=True)  # left by earlier versions
    if update.files_indexed:
        logger.info("Indexed %d WARC file(s) into %s (%d entries)", len(update.files_indexed), folder,
                    update.entries_added)
    return update


def compact_index(warc_dir: Path, *, block_lines: int = BLOCK_LINES, shard_blocks: int = SHARD_BLOCKS) -> Compaction:
    """Merge every per-file index and ZipNum set of the folder into one new ZipNum set, then remove them.

    Crawls go on indexing meanwhile: their new files are not inputs and stay. The
    new set is published (its summary renamed into place) before the inputs are
    removed, so a lookup never misses an entry; identical lines are written once.
    """
    started = time.monotonic()
    warc_dir = Path(warc_dir)
    folder = index_dir(warc_dir)
    report = Compaction()
    if not folder.is_dir():
        return report
    # The lock is on the indexes folder itself (no lock file is left behind); update_index locks warc/.
    lock = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(f"another compaction of {warc_dir} is running") from None
        plain = per_file_indexes(warc_dir)
        sets = ZipNumSet.find_all(folder)
        if not plain and len(sets) <= 1:
            return report
        warcs = _covered(plain, sets)
        streams = [_file_lines(path) for path in plain] + [zipnum.lines() for zipnum in sets]
        name = "archive-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        zipnum, count = write_set(folder, name, _unique(heapq.merge(*streams)), sorted(warcs),
                                  block_lines=block_lines, shard_blocks=shard_blocks)
        for path in plain:
            path.unlink()
        for old in sets:
            old.remove()
        report.summary, report.lines = zipnum.summary, count
        report.blocks = sum(1 for _ in zipnum.blocks())
        report.inputs = [path.name for path in plain] + [old.summary.name for old in sets]
    finally:
        os.close(lock)
    report.seconds = time.monotonic() - started
    logger.info("Compacted %d index files into %s (%d entries)", len(report.inputs), report.summary, report.lines)
    return report


def _unique(lines: Iterator[str]) -> Iterator[str]:
    previous = None
    for line in lines:
        if line != previous:
            yield line
        previous = line


def _write_atomic(path: Path, lines: list[str]) -> None:
    temporary = path.with_name(path.name + ".tmp")  # not .cdxj: pywb does not read it
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:  # a full disk: no half index, not even under the name pywb skips
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
