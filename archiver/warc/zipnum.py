"""ZipNum index sets: sorted CDXJ lines in gzip blocks, in shard files, with a summary pywb binary-searches.

The layout is pywb's ``ZipNumIndexSource`` (as in Common Crawl's and the Internet
Archive's large indexes); every file of a set shares its name:

- ``<set>-00000.cdx.gz``: shards, each a run of gzip members of ``block_lines`` lines;
- ``<set>.idx``: the summary, one line per block: the first line's key and timestamp,
  then the shard, the block's offset and length, and its number (tab-separated);
- ``<set>.loc``: shard name -> shard file, as pywb's ``LocMapResolver`` reads it;
- ``<set>.json``: archiver's manifest: the WARC files the set indexes, and counts.

The summary is written last and renamed into place, so pywb and ``update_index``
see a set only when it is whole.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

BLOCK_LINES = 3000  # pywb's and webarchive-commons' usual block
SHARD_BLOCKS = 1000  # about 3 million lines per shard file
SUMMARY_SUFFIX = ".idx"


@dataclass(frozen=True)
class Block:
    key: str  # "<urlkey> <timestamp>" of the block's first line
    shard: str
    offset: int
    length: int
    number: int

    @classmethod
    def parse(cls, line: str) -> Block:
        key, shard, offset, length, number = line.rstrip("\n").split("\t")
        return cls(key, shard, int(offset), int(length), int(number))


class ZipNumSet:
    """One set on disk, by its summary file."""

    def __init__(self, summary: Path) -> None:
        self.summary = summary
        self.name = summary.name[: -len(SUMMARY_SUFFIX)]
        self.folder = summary.parent

    @classmethod
    def find_all(cls, folder: Path) -> list[ZipNumSet]:
        return [cls(path) for path in sorted(folder.glob(f"*{SUMMARY_SUFFIX}"))] if folder.is_dir() else []

    @property
    def loc(self) -> Path:
        return self.folder / f"{self.name}.loc"

    @property
    def manifest(self) -> Path:
        return self.folder / f"{self.name}.json"

    def shards(self) -> list[tuple[str, Path]]:
        with open(self.loc, encoding="utf-8") as lines:
            return [(part, self.folder / path) for part, path in (line.rstrip("\n").split("\t")[:2] for line in lines)]

    def warcs(self) -> list[str]:
        return json.loads(self.manifest.read_text(encoding="utf-8"))["warcs"]

    def blocks(self) -> Iterator[Block]:
        with open(self.summary, encoding="utf-8") as lines:
            for line in lines:
                yield Block.parse(line)

    def lines(self) -> Iterator[str]:
        """Every CDXJ line of the set, in order (shards read through, member after member)."""
        for _, path in self.shards():
            with gzip.open(path, "rt", encoding="utf-8") as text:
                yield from text

    def remove(self) -> None:
        self.summary.unlink(missing_ok=True)  # first: from now on no reader looks for the rest
        for _, path in self.shards() if self.loc.exists() else []:
            path.unlink(missing_ok=True)
        self.loc.unlink(missing_ok=True)
        self.manifest.unlink(missing_ok=True)


def write_set(folder: Path, name: str, lines: Iterable[str], warcs: list[str], *,
              block_lines: int = BLOCK_LINES, shard_blocks: int = SHARD_BLOCKS) -> tuple[ZipNumSet, int]:
    """Write the set ``name`` from sorted ``lines``; returns it and the number of lines written.

    Its summary is written last: readers see the set only once it is whole. A write that fails
    (a full disk) removes what was written of it.
    """
    written: list[Path] = []
    try:
        return _write_set(folder, name, lines, warcs, written, block_lines=block_lines, shard_blocks=shard_blocks)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".tmp").unlink(missing_ok=True)
        raise


def _write_set(folder: Path, name: str, lines: Iterable[str], warcs: list[str], written: list[Path], *,
               block_lines: int, shard_blocks: int) -> tuple[ZipNumSet, int]:
    block_lines, shard_blocks = max(1, block_lines), max(1, shard_blocks)
    summary_lines: list[str] = []
    shards: list[str] = []
    block: list[str] = []
    count = 0
    out = None
    offset = 0

    def flush() -> None:
        nonlocal out, offset
        if not block:
            return
        if out is None or len(summary_lines) % shard_blocks == 0:
            if out is not None:
                _close(out)
            shards.append(f"{name}-{len(shards):05d}")
            written.append(folder / f"{shards[-1]}.cdx.gz")
            out = open(written[-1], "wb")
            offset = 0
        member = gzip.compress("".join(block).encode("utf-8"), mtime=0)
        out.write(member)
        first = block[0].split(" ", 2)
        summary_lines.append(f"{first[0]} {first[1]}\t{shards[-1]}\t{offset}\t{len(member)}\t{len(summary_lines) + 1}\n")
        offset += len(member)
        block.clear()

    for line in lines:
        block.append(line if line.endswith("\n") else line + "\n")
        count += 1
        if len(block) >= block_lines:
            flush()
    flush()
    if out is not None:
        _close(out)
    zipnum = ZipNumSet(folder / f"{name}{SUMMARY_SUFFIX}")
    written += [zipnum.loc, zipnum.manifest, zipnum.summary]
    _write_atomic(zipnum.loc, "".join(f"{shard}\t{shard}.cdx.gz\n" for shard in shards))
    _write_atomic(zipnum.manifest, json.dumps({"warcs": warcs, "lines": count, "blocks": len(summary_lines),
                                               "block_lines": block_lines}) + "\n")
    _write_atomic(zipnum.summary, "".join(summary_lines))
    return zipnum, count


def _close(out) -> None:
    out.flush()
    os.fsync(out.fileno())
    out.close()


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
