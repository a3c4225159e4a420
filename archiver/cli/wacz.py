"""``archiver wacz [--archive DIR] [--crawl ID] [-o FILE]``: package a crawl as a WACZ file."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("wacz", help="package a crawl as a WACZ file (for ReplayWeb.page)")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--crawl", default="latest",
                        help="crawl id (the name of its articles/<id>.jsonl file; default: the latest crawl)")
    parser.add_argument("--list", action="store_true", help="list the archive's crawls and exit")
    parser.add_argument("-o", "--output", help="WACZ file to write (default: <archive>/wacz/<crawl>.wacz)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archiver.warc.wacz import WaczError, find_crawls, write_wacz

    archive = Path(args.archive)
    crawls = find_crawls(archive)
    if args.list:
        for crawl in crawls.values():
            print(f"{crawl.crawl_id}  {len(crawl.warcs)} WARC files  articles: {crawl.articles or '-'}")
        return 0
    if not crawls:
        print(f"archiver wacz: no WARC files in {archive / 'warc'}")
        return 1
    crawl_id = list(crawls)[-1] if args.crawl == "latest" else args.crawl
    if crawl_id not in crawls:
        print(f"archiver wacz: no crawl {crawl_id!r} in {archive} (see --list)")
        return 1
    output = Path(args.output) if args.output else archive / "wacz" / f"{crawl_id}.wacz"
    try:
        result = write_wacz(archive, crawls[crawl_id], output)
    except WaczError as error:
        print(f"archiver wacz: {error}")
        return 1
    print(f"crawl           {crawl_id}")
    print(f"WARC files      {len(result.warcs)}")
    print(f"pages           {result.pages} ({result.articles} articles), every HTML page of the crawl")
    made = ", ".join(f"{n} {what}" for what, n in (("from screenshots", result.thumbnails.get("screenshot", 0)),
                                                    ("from the page's picture", result.thumbnails.get("picture", 0)),
                                                    ("title cards", result.thumbnails.get("title", 0))) if n)
    print(f"thumbnails      {made or 'none'}")
    print(f"WACZ            {result.path} ({result.bytes / 1024:.1f} KiB)")
    return 0
