"""WARC files cut into byte ranges at gzip member boundaries: the tasks of every archive-wide command.

A crawl leaves an archive as few big files (they rotate at 1 GiB), so one task per file
leaves cores idle. Every record is its own gzip member, so a file can be entered at any
member's first byte: ``plan_ranges`` cuts each file into ranges of about ``target`` bytes,
and ``archiver.warc.reading.iter_warc(path, start=, end=)`` reads one range.

Cuts are made only where a capture (a ``response`` or ``revisit`` record) starts: the
writer puts a fetch's records together, capture first, then its ``metadata`` and
``request`` records, so every fetch stays whole in one range. Where captures start comes
from the file's CDXJ index (``indexes/<file>.cdxj``, or a ZipNum set that covers the
file), which holds the offset of every capture; a file without one is scanned for member
starts once (inflating it, no parsing: a few per cent of what reading it costs). Each cut
is checked before it is used: the member there must decode to a capture, or the index is
not trusted and the file is scanned. Since a cut is always a readable member, a damaged
stretch never spans two ranges, and the records, damage reports and offsets read range
by range are exactly those of reading the whole file.
"""

from __future__ import annotations

import bisect
import io
import logging
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archiver.datasets.workers import TaskSizes, sizes_of
from archiver.warc.reading import GZIP_MAGIC, decode_member

logger = logging.getLogger(__name__)

CAPTURE_TYPES = (b"response", b"revisit")
WARC_TYPE = re.compile(rb"\r\nWARC-Type: *([A-Za-z]+)")
CDXJ_OFFSET = re.compile(r'"offset": "(\d+)"')
CDXJ_FILENAME = re.compile(r'"filename": "([^"\\]+)"')
INDEX_FOLDER = "indexes"
INDEX_SUFFIX = ".cdxj"
SCAN_CHUNK = 1 << 16
HEAD_BYTES = 512  # the scan looks for WARC-Type here (warcio writes it second)
HEADERS_BYTES = 64 * 1024


@dataclass(frozen=True)
class WarcRange:
    """Bytes ``start`` to ``end`` (None: the end of the file) of one file, whose members start in them."""

    number: int  # the range's place in the job: ranges come in file order, then byte order
    file: int  # the file's place in the job
    path: Path
    start: int = 0
    end: int | None = None
    size: int = 0  # bytes covered, for progress


def plan_ranges(paths: Iterable[Path], target: int | TaskSizes | None, *, split: Iterable[bool] | None = None
                ) -> list[WarcRange]:
    """Every file cut into ranges of about ``target`` bytes, or as ``TaskSizes`` says along the files one after
    the other (None, or ``split`` False for a file: one range)."""
    paths = [Path(path) for path in paths]
    splits = list(split) if split is not None else [True] * len(paths)
    sizes = [path.stat().st_size for path in paths]
    bounds: dict[Path, list[int]] = {}
    if target is not None:
        schedule, base = sizes_of(target), 0
        for path, size, cut in zip(paths, sizes, splits):
            if cut and (found := schedule.bounds(base, size)):
                bounds[path] = found
            base += size
    indexed = index_cut_candidates(list(bounds), bounds) if bounds else {}
    ranges: list[WarcRange] = []
    for file, (path, size) in enumerate(zip(paths, sizes)):
        cuts = capture_cuts(path, bounds[path], indexed.get(path)) if path in bounds else []
        starts = [0, *cuts]
        for index, start in enumerate(starts):
            end = starts[index + 1] if index + 1 < len(starts) else None
            ranges.append(WarcRange(len(ranges), file, path, start, end, (end if end is not None else size) - start))
    return ranges


def capture_cuts(path: Path, target: int | list[int], indexed: list[int] | None = None) -> list[int]:
    """Offsets about ``target`` apart (or near each of a list of bounds) where a capture's member starts;
    [] for a file that cannot be cut.

    ``indexed``: candidates from the file's CDXJ index (``index_cut_candidates``), checked here.
    """
    with open(path, "rb") as fh:
        if fh.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            return []  # not one gzip member per record: read whole
        if indexed is not None:
            if all(_is_capture_member(fh, offset) for offset in indexed):
                return indexed
            logger.info("%s: its CDXJ index does not match the file; scanning it for record starts", path)
        steps = Steps(_bounds(path, target))
        for offset in _scanned_capture_starts(fh):
            steps.add(offset)
        return steps.cuts()


def even_bounds(target: int, size: int) -> list[int]:
    """Where tasks of ``target`` bytes would start in a file of ``size`` bytes (0 left out)."""
    return list(range(target, size, max(1, target)))


def _bounds(path: Path, target: int | list[int]) -> list[int]:
    return target if isinstance(target, list) else even_bounds(target, path.stat().st_size)


class Steps:
    """For each of a list of ascending bounds, the first offset seen at or past it and before the next one
    (offsets come in any order)."""

    def __init__(self, bounds: list[int]) -> None:
        self.bounds = [0, *bounds]
        self.first: dict[int, int] = {}

    def add(self, offset: int) -> None:
        step = bisect.bisect_right(self.bounds, offset) - 1
        if step > 0 and (step not in self.first or offset < self.first[step]):
            self.first[step] = offset

    def cuts(self) -> list[int]:
        # Two steps may share a cut's neighbourhood: keep cuts at least half a task apart.
        kept: list[int] = []
        for step, cut in sorted(self.first.items(), key=lambda item: item[1]):
            if not kept or cut - kept[-1] >= (self.bounds[step] - self.bounds[step - 1]) // 2:
                kept.append(cut)
        return kept


def index_cut_candidates(paths: list[Path], target: int | dict[Path, list[int]]) -> dict[Path, list[int]]:
    """Cuts about ``target`` apart (or near the bounds given for each file) from the CDXJ index beside the files
    (``indexes/<file>.cdxj``, else the ZipNum sets that list them, each set read once); files no index covers
    are left out."""
    def steps_of(path: Path) -> Steps:
        return Steps(_bounds(path, target if isinstance(target, int) else target[path]))

    found: dict[Path, list[int]] = {}
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        own = path.parent / INDEX_FOLDER / f"{path.name}{INDEX_SUFFIX}"
        if own.is_file():
            steps = steps_of(path)
            for line in _text_lines(own):
                offset = CDXJ_OFFSET.search(line)
                if offset:
                    steps.add(int(offset.group(1)))
            found[path] = steps.cuts()
        else:
            by_folder.setdefault(path.parent, []).append(path)
    if not by_folder:
        return found
    from archiver.warc.zipnum import ZipNumSet

    for folder, rest in by_folder.items():
        for zipnum in ZipNumSet.find_all(folder / INDEX_FOLDER):
            try:
                listed = set(zipnum.warcs())
                wanted = {path.name: path for path in rest if path.name in listed and path not in found}
                if not wanted:
                    continue
                steps = {name: steps_of(path) for name, path in wanted.items()}
                for line in zipnum.lines():
                    name, offset = CDXJ_FILENAME.search(line), CDXJ_OFFSET.search(line)
                    if name and offset and name.group(1) in steps:
                        steps[name.group(1)].add(int(offset.group(1)))
            except (OSError, ValueError, KeyError, EOFError):
                continue  # an unreadable set: those files are scanned
            for name, path in wanted.items():
                found[path] = steps[name].cuts()
    return found


def _text_lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8", errors="replace") as lines:
        yield from lines


def _is_capture_member(fh: io.BufferedReader, offset: int) -> bool:
    """Whether a whole gzip member starts at ``offset`` and holds a response or revisit record."""
    decoded = decode_member(fh, offset)
    if not isinstance(decoded, tuple):
        return False
    data = decoded[0]
    head = data[: data.find(b"\r\n\r\n", 0, HEADERS_BYTES)]  # the WARC headers
    found = WARC_TYPE.search(head)
    return head.startswith(b"WARC/") and found is not None and found.group(1).lower() in CAPTURE_TYPES


def _scanned_capture_starts(fh: io.BufferedReader) -> Iterator[int]:
    """Where each capture's member starts, inflating member after member; stops at the first broken one."""
    fh.seek(0)
    position = 0  # start of the member being inflated
    consumed = 0
    head = b""
    pending = b""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    while True:
        data = pending or fh.read(SCAN_CHUNK)
        pending = b""
        if not data:
            return
        try:
            out = decompressor.decompress(data, SCAN_CHUNK)
            if len(head) < HEAD_BYTES:
                head += out[: HEAD_BYTES - len(head)]
            while decompressor.unconsumed_tail and not decompressor.eof:
                decompressor.decompress(decompressor.unconsumed_tail, SCAN_CHUNK)
        except zlib.error:
            return
        if not decompressor.eof:
            consumed += len(data)
            continue
        found = WARC_TYPE.search(head)
        if found is not None and found.group(1).lower() in CAPTURE_TYPES:
            yield position
        consumed += len(data) - len(decompressor.unused_data)
        position = consumed
        pending, head = decompressor.unused_data, b""
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)


class RangeFile(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file as a file of their own, for readers that take a file object
    (warcio's, cdxj-indexer's); ``tell()`` answers in the whole file's offsets, so theirs are too."""

    def __init__(self, path: Path, start: int = 0, end: int | None = None) -> None:
        super().__init__()
        self._fh = open(path, "rb")
        self._fh.seek(start)
        self._end = end

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._end is not None:
            left = self._end - self._fh.tell()
            if left <= 0:
                return b""
            size = left if size is None or size < 0 else min(size, left)
        return self._fh.read(-1 if size is None else size)

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()
        super().close()
