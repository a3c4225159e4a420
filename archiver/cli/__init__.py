"""The ``archiver`` command line: one module per sub-command."""

from __future__ import annotations

import argparse
import importlib
import sys

from archiver import __version__

# Each module has ``add_parser(subparsers)`` that sets ``func(args) -> int``.
COMMANDS = ("demo", "crawl", "schedule", "extract", "verify", "wacz", "replay", "export", "reextract", "stats",
            "index", "serve", "cdx", "qa", "login")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="archiver", description="Crawl news sites into WARC files and article records.")
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"archiver.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
