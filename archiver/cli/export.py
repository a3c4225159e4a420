"""``archiver export --archive DIR --format jsonl|csv|parquet|hf --out PATH``: records to a dataset."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from archiver.cli.workers import add_worker_options, make_runner


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export article records as JSON Lines, CSV, Parquet or a Hugging Face dataset",
        description="Export the article records of an archive. By default only the latest version of each "
                    "article (per canonical URL) is exported.")
    add_source_options(parser)
    parser.add_argument("--format", required=True, choices=("jsonl", "csv", "parquet", "hf"),
                        help="jsonl, csv, parquet (one file), hf (a folder: data/train-*.parquet + README.md card)")
    parser.add_argument("--out", required=True,
                        help="output file (jsonl, csv, parquet; - for standard output with jsonl/csv) or folder (hf)")
    add_filter_options(parser)
    parser.add_argument("--all-versions", action="store_true",
                        help="export every version of each article, not only the latest")
    parser.add_argument("--gzip", action="store_true",
                        help="gzip the jsonl/csv output (also when --out ends in .gz)")
    parser.add_argument("--row-group-size", type=int, default=None, metavar="ROWS",
                        help="rows per Parquet row group (default 1000)")
    parser.add_argument("--shard-size", default="256MB", metavar="SIZE",
                        help="hf: start a new data file once one reaches SIZE (default 256MB)")
    parser.add_argument("--name", help="hf: the dataset's name on its card")
    parser.add_argument("--license", default="other", type=license_id, metavar="ID",
                        help="hf: the card's license, a Hugging Face license id (cc-by-4.0, ...) or other "
                             "(default: other; publishers' rights vary, the card says so)")
    parser.add_argument("--overwrite", action="store_true", help="hf: replace the Parquet files already in --out")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (default: only when stderr is a terminal)")
    add_worker_options(parser, task_size="records, as bytes of record files,")
    parser.set_defaults(func=run)


def license_id(value: str) -> str:
    value = value.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.+-]*", value):
        raise argparse.ArgumentTypeError(f"not a license id: {value!r} (e.g. cc-by-4.0, other)")
    return value


def add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--archive", type=Path, help="archive folder (its records are in articles/*.jsonl)")
    parser.add_argument("--records", type=Path, action="append", default=[], metavar="PATH",
                        help="read records from this .jsonl file or folder instead of <archive>/articles "
                             "(repeatable), e.g. the output of archiver reextract")


def add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", action="append", default=[], metavar="SITE",
                        help="only this site: a host name (subdomains included) or a site_name (repeatable)")
    parser.add_argument("--language", action="append", default=[], metavar="LANG",
                        help="only this language, e.g. en (repeatable, or comma-separated)")
    parser.add_argument("--since", metavar="DATE", help="only records dated on or after DATE (YYYY-MM-DD or ISO 8601)")
    parser.add_argument("--until", metavar="DATE", help="only records dated on or before DATE (a day is inclusive)")
    parser.add_argument("--date-field", choices=("published", "fetched"), default="published",
                        help="the date --since/--until compare: published (else fetched_at), or fetched")


def filters_from_args(args: argparse.Namespace):
    from archiver.datasets.select import Bound, Filters

    languages = [part for value in args.language for part in value.split(",")]
    sites = [part for value in args.site for part in value.split(",")]
    return Filters(sites=sites, languages=languages, by=args.date_field,
                   since=Bound.parse(args.since) if args.since else None,
                   until=Bound.parse(args.until) if args.until else None)


def run(args: argparse.Namespace) -> int:
    from archiver.datasets.export import ExportOptions, export, parse_size
    from archiver.datasets.progress import Progress
    from archiver.datasets.source import SourceError
    from archiver.datasets.workers import WorkerDied, close_runner
    from archiver.datasets.writers import ROW_GROUP_ROWS, ExportError, arrow_without_pandas

    if args.format in ("parquet", "hf"):
        arrow_without_pandas()  # this process exports and ends: no pandas import for pyarrow's first use
    to_stdout = args.out == "-"
    report_stream = sys.stderr if to_stdout else sys.stdout
    try:
        options = ExportOptions(
            fmt=args.format,
            out=None if to_stdout else Path(args.out),
            archive=args.archive,
            records=args.records,
            filters=filters_from_args(args),
            all_versions=args.all_versions,
            compress=args.gzip or (not to_stdout and args.out.endswith(".gz")),
            row_group_rows=args.row_group_size or ROW_GROUP_ROWS,
            shard_bytes=parse_size(args.shard_size),
            name=args.name,
            license=args.license,
            overwrite=args.overwrite,
            progress=Progress.wanted(args.progress),
            # For the dataset card: the command as typed, when this process is that command.
            task_bytes=args.task_size,
            command=shlex.join(["archiver", *sys.argv[1:]]) if sys.argv[1:2] == ["export"] else "",
        )
        runner = make_runner(args)
        try:
            report = export(options, runner)
        finally:
            close_runner(runner)
    except (ExportError, SourceError, ValueError, WorkerDied) as error:
        print(f"archiver export: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a full disk: the writers removed their partial files
        print(f"archiver export: could not write {error.filename or args.out}: {error.strerror or error}; "
              "nothing was written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("archiver export: interrupted; nothing was written", file=sys.stderr)
        return 130
    rate = report.records_read / report.seconds if report.seconds else 0.0
    lines = [
        f"records read    {report.records_read:,} ({report.unreadable:,} unreadable lines skipped)",
        f"matched         {report.matched:,}" + (f" ({'; '.join(options.filters.describe())})"
                                                 if options.filters.active else ""),
        f"exported        {report.rows:,} " + ("(every version)" if options.all_versions
                                               else "(latest version per canonical URL)"),
        f"files           {', '.join(str(p) for p in report.files) or 'standard output'}",
        f"time            {report.seconds:.1f} s ({rate:,.0f} records/s) on {runner.workers} "
        f"worker{'s' if runner.workers > 1 else ''}",
    ]
    if report.dropped_fields:
        lines.append("not in schema   " + ", ".join(f"{k} ({v:,})" for k, v in report.dropped_fields.most_common())
                     + " (left out)")
    if report.bad_rows:
        lines.append(f"skipped         {report.bad_rows:,} records that do not fit the schema's types")
    print("\n".join(lines), file=report_stream)
    return 0
