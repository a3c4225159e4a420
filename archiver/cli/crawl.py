"""``archiver crawl URL... --archive DIR``: crawl news sites from their start pages."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crawl", help="crawl news sites into the archive")
    parser.add_argument("urls", nargs="+", metavar="URL", help="start pages (home page, section pages)")
    add_crawl_options(parser)
    parser.set_defaults(func=run)


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--depth", type=int, default=None,
                        help="follow links this many hops from the start pages (default: no limit)")
    parser.add_argument("--max-pages", type=int, default=0, help="stop after this many responses (0: no limit)")
    parser.add_argument("--contact", help="e-mail or URL for site owners, added to the User-Agent")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")
    parser.add_argument("--log-level", default="INFO", help="Scrapy log level (default: INFO)")


def settings_from_args(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    from archiver import __version__

    overrides: dict[str, Any] = {"ARCHIVE_DIR": args.archive, "LOG_LEVEL": args.log_level}
    if args.depth is not None:
        overrides["DEPTH_LIMIT"] = args.depth
    if args.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = args.max_pages
    if args.contact:
        overrides["ARCHIVER_CONTACT"] = args.contact
        overrides["USER_AGENT"] = f"archiver/{__version__} (+{args.contact})"
    overrides.update(extra or {})
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"archiver: --set takes NAME=VALUE, got {item!r}")
        overrides[name.strip()] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    from archiver.runner import project_settings, run_crawl

    report = run_crawl({"urls": args.urls}, project_settings(settings_from_args(args)))
    print(report.summary())
    return 0 if report.errors == 0 else 1
