"""``archiver index --archive DIR``: rebuild the reading room's search index from the JSON Lines records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archiver.cli.workers import add_worker_options, make_runner


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index", help="rebuild the search index of `archiver serve` from the article records",
        description="Read every record under <archive>/articles and write <archive>/state/reading.sqlite3 anew "
                    "(the crawl keeps it up to date; run this after copying records in, or to start over).")
    parser.add_argument("--archive", default="archive", type=Path, help="archive folder (default: ./archive)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")
    # The index is one SQLite file written by this process: workers read and prepare the records.
    add_worker_options(parser, dask=False, task_size="records, as bytes of record files,")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import logging
    import sqlite3
    import time

    from archiver.datasets.progress import Progress
    from archiver.datasets.workers import WorkerDied, close_runner
    from archiver.reading.index import build, index_path
    from archiver.reading.index_tasks import rows_of_archive

    logging.basicConfig(format="archiver index: %(message)s", level=logging.WARNING)
    if not (args.archive / "articles").is_dir():
        print(f"archiver index: no articles folder in {args.archive}", file=sys.stderr)
        return 1
    started = time.monotonic()
    progress = Progress(0, enabled=Progress.wanted(args.progress))
    try:
        runner = make_runner(args)
        try:
            indexed, skipped = build(args.archive, rows_of_archive(args.archive, runner, progress, args.task_size))
        finally:
            close_runner(runner)
            progress.close()
    except WorkerDied as error:
        print(f"archiver index: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("archiver index: interrupted; the index in place is unchanged", file=sys.stderr)
        return 130
    except (OSError, sqlite3.Error) as error:  # a full disk: the index in use is left as it was
        print(f"archiver index: could not write {index_path(args.archive)}: {getattr(error, 'strerror', None) or error}"
              "; the index in use is unchanged", file=sys.stderr)
        return 1
    took = time.monotonic() - started
    print(f"indexed         {indexed:,} records in {took:.1f} s"
          + (f" ({skipped:,} without URL or body skipped)" if skipped else ""))
    print(f"index           {index_path(args.archive)}")
    return 0
