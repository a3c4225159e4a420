"""An archive's WARC files, found by name alone: what a command lists before it reads any (no WARC library
imported here, so a command that only counts them does not pay for one)."""

from __future__ import annotations

from pathlib import Path

WARC_SUFFIXES = (".warc.gz", ".warc")


def find_warc_files(archive: Path, warc_subdir: str = "warc") -> tuple[list[Path], list[Path]]:
    """Closed WARC files of an archive, and the ``*.open`` ones still being written (left out)."""
    folder = archive / warc_subdir
    if not folder.is_dir():
        return [], []
    closed = sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(WARC_SUFFIXES))
    still_open = sorted(folder.glob("*.open"))
    return closed, still_open
