"""``archiver demo``: serve the bundled news site on 127.0.0.1, crawl it, summarise."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="crawl the bundled demo news site into the archive")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--scale", type=int, default=0, help="add this many generated articles to the site")
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level (default: WARNING)")
    parser.set_defaults(func=run)


# The demo site is local: no need to be gentle with it.
LOCAL_SITE_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
}
# The demo stays on 127.0.0.1: the third-party hosts its pages name (author avatars, a
# newsletter's pixel) are not contacted, as trackers are not in any crawl.
DEMO_OFFSITE_HOSTS = ["secure.gravatar.com", "elsewhere.example"]


def run(args: argparse.Namespace) -> int:
    from archiver.cli.crawl import check_archive_folder
    from archiver.demo import DemoServer, load_expected
    from archiver.record_reader import iter_records
    from archiver.runner import project_settings, run_crawl

    from archiver import settings as defaults

    settings = project_settings({"ARCHIVE_DIR": args.archive, "LOG_LEVEL": args.log_level, **LOCAL_SITE_SETTINGS,
                                 "REQUISITES_IGNORE_HOSTS": [*defaults.REQUISITES_IGNORE_HOSTS, *DEMO_OFFSITE_HOSTS]})
    check_archive_folder(settings, "archiver demo")  # read-only, or too little space: one line, as for a crawl
    with DemoServer(scale=args.scale) as server:
        print(f"demo site       {server.url}/ (The Meridian Post, bundled)")
        report = run_crawl({"urls": [server.url + "/"]}, settings)
    expected = set(load_expected()["articles"])
    found = set()
    records = report.records_path
    if records:
        for line in iter_records([records]):
            url = line.record["url"]
            found.add("/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/")
    missing = sorted(expected - found)
    print(report.summary())
    print(f"demo articles   {len(expected & found)} of {len(expected)} archived"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    code, why = report.outcome(settings.getfloat("CRAWL_MAX_ERROR_RATE"))
    if why:
        print(f"outcome         exit {code}: {why}")
    return code or (1 if missing else 0)
