"""``archiver stats --archive DIR``: articles per site, day and language; WARC files; quality checks."""

from __future__ import annotations

import argparse
import json
import sys

from archiver.cli.export import add_filter_options, add_source_options, filters_from_args
from archiver.cli.workers import add_worker_options, make_runner


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats", help="what an archive holds: articles per site, day and language; WARC files; empty or "
                      "truncated bodies",
        description="Count what an export would contain (the latest version of each article, unless "
                    "--all-versions), with the checks to make before publishing.")
    add_source_options(parser)
    add_filter_options(parser)
    parser.add_argument("--all-versions", action="store_true", help="count every version, not only the latest")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")
    add_worker_options(parser, task_size="records, as bytes of record files,")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archiver.datasets.progress import Progress
    from archiver.datasets.source import SourceError
    from archiver.datasets.stats import collect, render_text
    from archiver.datasets.workers import WorkerDied, close_runner

    if args.archive is not None and not args.archive.is_dir():
        print(f"archiver stats: no such archive folder: {args.archive}", file=sys.stderr)
        return 1
    try:
        runner = make_runner(args)
        try:
            stats = collect(args.archive, args.records, filters_from_args(args), all_versions=args.all_versions,
                            progress=Progress(0, enabled=Progress.wanted(args.progress)), runner=runner,
                            task_size=args.task_size)
        finally:
            close_runner(runner)
    except (SourceError, ValueError, WorkerDied) as error:
        print(f"archiver stats: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("archiver stats: interrupted", file=sys.stderr)
        return 130
    if args.json:
        json.dump(stats.as_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(render_text(stats))
    return 0
