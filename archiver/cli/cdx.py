"""``archiver cdx update|compact [--archive DIR]``: the replay (CDXJ) index of an archive's WARC files.

(Named ``cdx``, apart from any search index: this is the index pywb looks captures up in.)
"""

from __future__ import annotations

import argparse

from archiver.cli.workers import add_worker_options, make_runner


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cdx", help="the CDXJ replay index: index new WARC files, or compact it into a ZipNum set",
        description="Crawls index their own WARC files (one warc/indexes/<file>.cdxj each). `compact` merges those "
                    "and earlier ZipNum sets into one ZipNum set (.idx summary + .cdx.gz shards) that pywb reads; "
                    "run it now and then, e.g. nightly from cron. Both are safe while crawls run.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    update = actions.add_parser("update", help="index closed WARC files the index lacks (e.g. after a killed crawl)")
    compact = actions.add_parser("compact", help="merge the per-file indexes and ZipNum sets into one ZipNum set")
    compact.add_argument("--block-lines", type=int, default=None, metavar="N",
                         help="CDXJ lines per gzip block (default 3000, as pywb and Common Crawl use)")
    for action in (update, compact):
        action.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
        action.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                            help="progress bar on stderr (default: only when stderr is a terminal)")
        add_worker_options(action, task_size="bytes of WARC files")
        action.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archiver.datasets.progress import Progress
    from archiver.datasets.workers import WorkerDied, close_runner
    from archiver.warc.cdxj import IndexBusy, compact_index, update_index
    from archiver.warc.zipnum import BLOCK_LINES

    warc_dir = Path(args.archive) / "warc"
    if not warc_dir.is_dir():
        print(f"archiver cdx: no WARC folder in {args.archive}")
        return 1
    if args.action == "compact" and args.block_lines is not None and args.block_lines < 1:
        print("archiver cdx: --block-lines must be 1 or more")
        return 1
    progress = Progress(0, enabled=Progress.wanted(args.progress))
    try:
        runner = make_runner(args)
        try:
            # for compaction too: files of a killed crawl go in
            update = update_index(warc_dir, runner=runner, task_size=args.task_size, progress=progress)
        finally:
            close_runner(runner)
            progress.close()
        if args.action == "update":
            print(f"indexed         {len(update.files_indexed)} WARC files ({update.entries_added} entries) "
                  f"in {update.path}")
            return 0
        done = compact_index(warc_dir, block_lines=args.block_lines or BLOCK_LINES)
    except (IndexBusy, WorkerDied) as error:
        print(f"archiver cdx: {error}")
        return 1
    except KeyboardInterrupt:
        print("archiver cdx: interrupted; no index file was half-written")
        return 130
    except OSError as error:  # a full disk: index files are whole or absent, the old ones kept
        print(f"archiver cdx: could not write the index: {error.strerror or error}; the index in use is unchanged")
        return 1
    if done.summary is None:
        print("compacted       nothing to do (one ZipNum set and no per-file index)")
        return 0
    print(f"compacted       {len(done.inputs)} index files into {done.summary.name} "
          f"({done.lines:,} entries in {done.blocks:,} blocks) in {done.seconds:.1f} s")
    return 0
