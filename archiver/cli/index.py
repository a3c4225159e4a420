"""``archiver index --archive DIR``: rebuild the reading room's search index from the JSON Lines records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index", help="rebuild the search index of `archiver serve` from the article records",
        description="Read every record under <archive>/articles and write <archive>/state/reading.sqlite3 anew "
                    "(the crawl keeps it up to date; run this after copying records in, or to start over).")
    parser.add_argument("--archive", default="archive", type=Path, help="archive folder (default: ./archive)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging
    import sqlite3
    import time

    from archiver.reading.index import build, index_path

    logging.basicConfig(format="archiver index: %(message)s", level=logging.WARNING)
    if not (args.archive / "articles").is_dir():
        print(f"archiver index: no articles folder in {args.archive}", file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        indexed, skipped = build(args.archive)
    except (OSError, sqlite3.Error) as error:  # a full disk: the index in use is left as it was
        print(f"archiver index: could not write {index_path(args.archive)}: {getattr(error, 'strerror', None) or error}"
              "; the index in use is unchanged", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    print(f"indexed         {indexed:,} records in {took:.1f} s"
          + (f" ({skipped:,} without URL or body skipped)" if skipped else ""))
    print(f"index           {index_path(args.archive)}")
    return 0
