"""``archiver reextract [--archive DIR | WARC...] --out DIR``: extract again from archived responses, offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archiver.cli.workers import add_worker_options, make_runner


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reextract", help="run extraction again over the archived responses (no network)",
        description="Re-run extraction over the response records of WARC files and write new article records "
                    "(same schema, same WARC pointers) to a new file in --out.")
    parser.add_argument("warcs", nargs="*", type=Path, metavar="WARC",
                        help="WARC files to read (default: every closed file in <archive>/warc)")
    parser.add_argument("--archive", type=Path,
                        help="archive folder: its WARC files, its records (for the fields only the crawl knows) "
                             "and the folder WARC pointers are relative to")
    parser.add_argument("--records", type=Path, action="append", default=[], metavar="PATH",
                        help="existing records to carry crawl-only fields from (default: <archive>/articles)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the new records file")
    parser.add_argument("--since-version", metavar="V",
                        help="keep records made by extractor version V or newer as they are; re-do the rest")
    parser.add_argument("--new-only", action="store_true",
                        help="write only articles that have no record yet: recover the pages an earlier crawl "
                             "judged not to be articles (needs the existing records; run it again: nothing doubles)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")
    add_worker_options(parser, task_size="bytes of WARC files")
    parser.set_defaults(func=run)


def page_kinds(kinds) -> str:
    """"article 3 (story-text 2, declared-article 1); listing 1 (teasers-in-story 1)"."""
    by_kind: dict[str, list[tuple[str, int]]] = {}
    for (kind, reason), count in sorted(kinds.items(), key=lambda item: (-item[1], item[0])):
        by_kind.setdefault(kind, []).append((reason or "unknown", count))
    order = ("article", "listing", "other")
    return "; ".join(f"{kind} {sum(c for _, c in reasons):,} (" + ", ".join(f"{r} {c:,}" for r, c in reasons) + ")"
                     for kind, reasons in sorted(by_kind.items(), key=lambda item: order.index(item[0])
                                                 if item[0] in order else 3)) or "-"


def fail(message: str) -> int:
    print(f"archiver reextract: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    from archiver.datasets.progress import Progress
    from archiver.datasets.reextract import Reextractor, parse_version
    from archiver.datasets.source import RecordFiles, SourceError
    from archiver.warc.files import find_warc_files

    if not args.warcs and args.archive is None:
        return fail("give --archive DIR or WARC files")
    if args.archive is not None and not args.archive.is_dir():
        return fail(f"no such archive folder: {args.archive}")
    still_open: list[Path] = []
    warcs = list(args.warcs)
    if not warcs:
        warcs, still_open = find_warc_files(args.archive)
        if not warcs:
            return fail(f"no WARC files in {args.archive / 'warc'}")
    for path in warcs:
        if not path.is_file():
            return fail(f"no such WARC file: {path}")
    since = None
    if args.since_version:
        since = parse_version(args.since_version)
        if since is None:
            return fail(f"--since-version: not a version number: {args.since_version!r}")
    existing = None
    if args.records or (args.archive is not None and (args.archive / "articles").is_dir()):
        try:
            existing = RecordFiles.locate(args.archive, args.records)
        except SourceError as error:
            return fail(str(error))
    if since is not None and existing is None:
        return fail("--since-version needs the existing records (--archive DIR or --records PATH)")
    if args.new_only and existing is None:
        return fail("--new-only needs the existing records (--archive DIR or --records PATH)")
    from archiver.datasets.workers import WorkerDied, close_runner

    progress = Progress(sum(p.stat().st_size for p in warcs), enabled=Progress.wanted(args.progress))
    try:
        runner = make_runner(args)
    except WorkerDied as error:
        return fail(str(error))
    try:
        report = Reextractor(warcs, args.archive, args.out, existing, since, progress, runner,
                             new_only=args.new_only, task_size=args.task_size).run()
    except WorkerDied as error:
        return fail(str(error))
    except OSError as error:  # a full disk: the output is written aside and renamed only when whole
        return fail(f"could not write {error.filename or args.out}: {error.strerror or error}; nothing was written")
    except KeyboardInterrupt:
        fail("interrupted; nothing was written")
        return 130
    finally:
        close_runner(runner)
    skipped = ", ".join(f"{reason} {count:,}" for reason, count in sorted(report.skipped.items())) or "none"
    lines = [
        f"WARC files      {report.warc_files} ({report.warc_bytes / 1024:.1f} KiB)"
        + (f"; {len(still_open)} still open (.open) left out" if still_open else ""),
        f"responses       {report.responses:,}; revisits {report.revisits_resolved:,} resolved, "
        f"{report.revisits_unresolved:,} unresolved",
        f"articles        {report.written:,} written to {report.out or '(no file: nothing new)'}",
        f"  re-extracted  {report.carried:,} (crawl-only fields carried over from the existing record)",
        f"  new           {report.new:,} (no existing record)",
        f"  kept          {report.kept:,} (extractor {args.since_version} or newer, copied as they were)"
        if since else None,
        f"  no longer     {report.dropped:,} existing records whose page is not an article now"
        if existing else None,
        f"  missing       {report.missing:,} existing records whose response was not read" if existing else None,
        f"  already held  {report.already:,} (a record exists; --new-only leaves them as they are)"
        if args.new_only else None,
        f"not articles    {skipped}",
        f"page kinds      {page_kinds(report.kinds)}",
        f"damaged         {len(report.damaged):,} stretch(es) of WARC data skipped (each named in a warning); "
        "every readable record was read" if report.damaged else None,
        f"time            {report.seconds:.1f} s on {report.workers} worker{'s' if report.workers > 1 else ''} "
        f"({report.tasks:,} task{'s' if report.tasks != 1 else ''})",
    ]
    lines += [f"error           {message}" for message in report.file_errors]
    print("\n".join(line for line in lines if line is not None))
    # Damage is not silent: the records file is whole for what could be read, and the exit says "look".
    return 1 if report.file_errors or report.damaged else 0
