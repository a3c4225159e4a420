"""``archiver demo``: serve the bundled news site on 127.0.0.1, crawl it, summarise (or only serve it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# One address for the demo site, so that its URLs (the port is part of them) are the same in every run: a
# second run of the demo finds new versions of the same articles, not a new site.
DEMO_HOST = "127.0.0.1"
DEMO_PORT = 8111
# An article of the demo site: the archive holds the demo when its seen-store knows it.
SEED_PATH = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="crawl the bundled demo news site into the archive",
        description="Serve the bundled demo news site (The Meridian Post) on 127.0.0.1 and crawl it into the archive. "
                    "Run it again and the site is a day older: one article was corrected, and becomes version 2 of "
                    "the same URL.")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--port", type=int, default=DEMO_PORT,
                        help=f"port of the demo site on {DEMO_HOST} (default {DEMO_PORT}; part of every archived URL, so "
                             "keep it from run to run; 0: any free port, a new site each time)")
    parser.add_argument("--serve-only", action="store_true",
                        help="only serve the demo site, until Ctrl-C (to crawl it with archiver crawl, say)")
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


def port_in_use(port: int) -> bool:
    import socket

    if not port:
        return False
    with socket.socket() as probe:
        try:
            probe.bind((DEMO_HOST, port))
        except OSError:
            return True
    return False


def edition_for(settings, base_url: str) -> int:
    """2 (the site a day later) when the archive already holds the demo site at this address, else 1."""
    from archiver.crawl.seen import SqliteSeenStore, seen_store_path

    path = seen_store_path(settings)
    if not path.is_file():
        return 1
    store = SqliteSeenStore(path)
    try:
        return 2 if store.get(base_url + SEED_PATH) is not None else 1
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    from archiver.cli.crawl import check_archive_folder
    from archiver.demo import DemoServer
    from archiver.crawl.runner import project_settings, run_crawl

    from archiver import settings as defaults

    if port_in_use(args.port):
        print(f"archiver demo: {DEMO_HOST}:{args.port} is in use (an `archiver demo --serve-only` still running?): "
              "stop it, or give --port N (archived URLs name the port: another port is another site)", file=sys.stderr)
        return 1
    settings = project_settings({"ARCHIVE_DIR": args.archive, "LOG_LEVEL": args.log_level, **LOCAL_SITE_SETTINGS,
                                 "REQUISITES_IGNORE_HOSTS": [*defaults.REQUISITES_IGNORE_HOSTS, *DEMO_OFFSITE_HOSTS]})
    planned = f"http://{DEMO_HOST}:{args.port}"
    edition = edition_for(settings, planned) if args.port else 1
    if args.serve_only:
        return serve_only(args, edition)
    check_archive_folder(settings, "archiver demo")  # read-only, or too little space: one line, as for a crawl
    if edition > 1:
        settings.set("SEEN_REFETCH", True, priority="cmdline")  # the same URLs again: new versions where changed
    with DemoServer(scale=args.scale, port=args.port, edition=edition) as server:
        print(f"demo site       {server.url}/ (The Meridian Post, bundled"
              + ("; a day later: every article fetched again, one was corrected)" if edition > 1 else ")"))
        report = run_crawl({"urls": [server.url + "/"]}, settings)
        held = held_articles(settings, server.url)
    return summarise(args, report, held, settings, edition)


def held_articles(settings, base_url: str) -> set[str]:
    """The demo articles (paths) the archive holds at this address, after the crawl."""
    from archiver.demo import load_expected
    from archiver.crawl.seen import SqliteSeenStore, seen_store_path

    path = seen_store_path(settings)
    if not path.is_file():
        return set()
    store = SqliteSeenStore(path)
    try:
        return {p for p in load_expected()["articles"] if store.get(base_url + p) is not None}
    finally:
        store.close()


def summarise(args: argparse.Namespace, report, held: set[str], settings, edition: int) -> int:
    from archiver.demo import load_expected

    expected = set(load_expected()["articles"])
    missing = sorted(expected - held)
    print(report.summary())
    print(f"demo articles   {len(expected & held)} of {len(expected)} in the archive"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    code, why = report.outcome(settings.getfloat("CRAWL_MAX_ERROR_RATE"))
    if why:
        print(f"outcome         exit {code}: {why}")
    code = code or (1 if missing else 0)
    if not code:
        print(next_commands(args.archive, first_visit=edition == 1))
    return code


def next_commands(archive: str, first_visit: bool) -> str:
    """What to run next, as the README's tour does."""
    option = f" --archive {archive}"
    lines = [f"archiver serve{option}      # search, read, compare versions, replay: http://127.0.0.1:8090/",
             f"archiver replay{option}     # every page as it was captured, in pywb",
             f"archiver export{option} --format parquet --out news.parquet"]
    if first_visit:
        lines.append(f"archiver demo{option}       # again: the site a day later, one article corrected")
    return "next            " + "\n                ".join(lines)


def serve_only(args: argparse.Namespace, edition: int) -> int:
    import signal

    from archiver.demo import DemoServer

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # also when started in the background, where SIGINT comes ignored
    try:
        with DemoServer(scale=args.scale, port=args.port, edition=edition) as server:
            print(f"demo site       {server.url}/ (The Meridian Post, bundled"
                  + ("; a day later, one article corrected" if edition > 1 else "") + "); Ctrl-C stops it")
            print(f"crawl it with   archiver crawl {server.url}/ --archive {Path(args.archive)}")
            print("serving", flush=True)
            signal.pause()
    except KeyboardInterrupt:
        pass
    return 0
