"""``archiver verify [--archive DIR]``: check every WARC file, record pointer and index of an archive."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("verify", help="check the archive's WARC files, pointers and indexes")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--update-index", action="store_true",
                        help="first index WARC files the CDXJ index lacks (after a killed crawl)")
    parser.add_argument("--require-requisites", action="store_true",
                        help="a page whose requisites (stylesheets, images, fonts...) are not all archived is a fault")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archiver.warc.cdxj import update_index
    from archiver.warc.verify import verify_archive

    archive = Path(args.archive)
    if not archive.is_dir():
        print(f"archiver verify: no archive folder at {archive}")
        return 2
    if args.update_index:
        update = update_index(archive / "warc")
        print(f"indexed         {len(update.files_indexed)} WARC files ({update.entries_added} entries)")
    report = verify_archive(archive, require_requisites=args.require_requisites)
    print(report.summary())
    return 0 if report.ok else 1
