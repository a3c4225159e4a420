"""``archiver verify [--archive DIR]``: check every WARC file, record pointer and index of an archive."""

from __future__ import annotations

import argparse

from archiver.cli.workers import add_worker_options, make_runner

DEDUPED_FOLDER = "articles-deduped"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("verify", help="check the archive's WARC files, pointers and indexes")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--update-index", action="store_true",
                        help="first index WARC files the CDXJ index lacks (after a killed crawl)")
    parser.add_argument("--dedupe", nargs="?", const="", default=None, metavar="DIR",
                        help="write a copy of the records files without duplicate (and malformed) records to DIR "
                             f"(default: <archive>/{DEDUPED_FOLDER}); the records themselves are not changed")
    parser.add_argument("--require-requisites", action="store_true",
                        help="a page whose requisites (stylesheets, images, fonts...) are not all archived is a fault")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")
    add_worker_options(parser, task_size="bytes of WARC files")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archiver.datasets.progress import Progress
    from archiver.datasets.workers import WorkerDied, close_runner
    from archiver.warc.cdxj import update_index
    from archiver.warc.verify import verify_archive
    from archiver.warc.verify_articles import dedupe

    archive = Path(args.archive)
    if not archive.is_dir():
        print(f"archiver verify: no archive folder at {archive}")
        return 2
    out = None
    if args.dedupe is not None:
        out = Path(args.dedupe) if args.dedupe else archive / DEDUPED_FOLDER
        if out.exists() and any(out.iterdir()):
            print(f"archiver verify: --dedupe: {out} is not empty; remove it or name another folder")
            return 2
    try:
        runner = make_runner(args)
    except WorkerDied as error:
        print(f"archiver verify: {error}")
        return 2
    try:
        if args.update_index:
            update = update_index(archive / "warc", runner=runner)
            print(f"indexed         {len(update.files_indexed)} WARC files ({update.entries_added} entries)")
        report = verify_archive(archive, require_requisites=args.require_requisites, runner=runner,
                                task_size=args.task_size, progress=Progress(0, enabled=Progress.wanted(args.progress)))
    except WorkerDied as error:
        print(f"archiver verify: {error}")
        return 2
    except KeyboardInterrupt:
        print("archiver verify: interrupted")
        return 130
    finally:
        close_runner(runner)
    print(report.summary())
    if out is not None:
        result = dedupe(archive / "articles", report.duplicates, out)
        print(f"deduplicated    {result.files} records files copied to {out}: {result.kept} records kept, "
              f"{result.duplicates} duplicates and {result.malformed} malformed lines left out "
              f"(articles/ is unchanged: check the copy, then swap it in)")
    return 0 if report.ok else 1
