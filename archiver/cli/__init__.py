"""The ``archiver`` command line: one module per sub-command."""

from __future__ import annotations

import argparse
import importlib
import sys

from archiver import __version__

# Each module has ``add_parser(subparsers)`` that sets ``func(args) -> int``.
COMMANDS = ("demo", "crawl", "schedule", "extract", "verify", "wacz", "replay", "export", "reextract", "stats",
            "index", "serve", "cdx", "qa", "login")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` one command's part (its module alone imported)."""
    parser = argparse.ArgumentParser(prog="archiver", description="Crawl news sites into WARC files and article records.")
    parser.add_argument("--version", action="version", version=f"archiver {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"archiver.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # A command named first needs its own module only, not the 14 others (each command starts sooner);
    # anything else (--help, a typo) gets the whole parser and its list of commands.
    only = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(only).parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
