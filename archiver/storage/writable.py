"""Whether the archive folder can be written, asked once at start so a read-only one is one line, not a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

from archiver.storage.space import existing_ancestor, is_out_of_space

# The folders a crawl writes below the archive folder (see docs/archive/layout.md).
WRITTEN_SUBFOLDERS = ("warc", "articles", "state")


def unwritable(archive: Path) -> str | None:
    """Why the crawl could not write into ``archive`` (None when it can): a read-only file system or folder.

    Probed by creating (and removing) a file in the archive folder and in each of its folders
    the crawl writes that exist; a folder not there yet is probed where it would be created.
    Permission bits alone are not asked (root ignores them; a read-only mount stops root too).
    """
    archive = Path(archive)
    folders = [existing_ancestor(archive)]
    folders += [archive / name for name in WRITTEN_SUBFOLDERS if (archive / name).is_dir()]
    for folder in folders:
        try:
            with tempfile.TemporaryFile(dir=folder, prefix=".archiver-probe-"):
                pass
        except OSError as error:
            if is_out_of_space(error):
                continue  # a full file system: the free-space guard's to report, with its own exit code
            return f"cannot write into {folder}: {error.strerror or error}"
    return None
