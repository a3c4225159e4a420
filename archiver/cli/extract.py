"""``archiver extract FILE|- --url URL``: print one page's article record as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="extract the article record of one saved page")
    parser.add_argument("file", help="HTML file, or - for standard input")
    parser.add_argument("--url", required=True, help="the URL the page was fetched from")
    parser.add_argument("--encoding", help="charset the HTTP headers declared, if known")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archiver.extract import extract_article

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
    except OSError as error:
        print(f"archiver extract: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    if not data.strip():
        print(f"archiver extract: {args.file} is empty", file=sys.stderr)
        return 1
    if _looks_binary(data):
        print(f"archiver extract: {args.file} is not an HTML page (binary data)", file=sys.stderr)
        return 1
    record = asdict(extract_article(data, args.url, encoding=args.encoding))
    record.pop("warc", None)
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _looks_binary(data: bytes) -> bool:
    """NUL bytes in the head of a file without a UTF-16/32 BOM: an image, a PDF, an archive."""
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in head or head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04"))
