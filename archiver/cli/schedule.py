"""``archiver schedule --sites sites.toml``: crawl every site when it is due, in a loop or once (cron)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from archiver.system.secrets import REDIS_URL_ENV, mask_logs

POLL_SECONDS = 5.0  # how often the loop looks at running crawls and the clock


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule", help="crawl the sites of a sites file whenever each is due",
        description="Crawl every site of a sites file when its interval has passed since its last crawl "
        "started; one crawl process per site, resumed if it was stopped or killed.")
    parser.add_argument("--sites", required=True, metavar="FILE", help="sites file (TOML)")
    parser.add_argument("--site", action="append", default=[], metavar="NAME",
                        help="schedule only this site (repeatable)")
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--once", action="store_true",
                        help="crawl the sites that are due, wait for them, and exit (for cron and systemd timers)")
    parser.add_argument("--jobs", type=int, default=2, help="sites crawled at the same time (default: 2)")
    parser.add_argument("--contact", help="e-mail or URL for site owners, added to the User-Agent")
    parser.add_argument("--max-pages", type=int, default=0, help="stop each crawl after this many responses")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting of every crawl (repeatable)")
    parser.add_argument("--redis", metavar="URL", help="run each crawl as a worker of a crawl shared through this "
                        "Redis (start the same schedule on every machine; pip install '.[distributed]'); "
                        f"default: the environment variable {REDIS_URL_ENV}, the better place for a password")
    parser.add_argument("--log-level", default="INFO", help="log level of the crawls (default: INFO)")
    parser.set_defaults(func=run)


def crawl_arguments(args: argparse.Namespace) -> list[str]:
    out = ["--log-level", args.log_level]
    if args.contact:
        out += ["--contact", args.contact]
    if args.max_pages:
        out += ["--max-pages", str(args.max_pages)]
    # Not --redis: the URL (and its password) goes to the crawls in their environment.
    for item in args.set:
        out += ["-s", item]
    return out


def schedule_space_rule(args: argparse.Namespace):
    """The crawls' free-space minimum: ``DISKSPACE_*`` of archiver/settings.py with this command's ``-s`` overrides,
    as each crawl gets them (read without Scrapy, which this process never needs). ValueError: a bad value."""
    from archiver import settings as defaults
    from archiver.storage.space import SpaceRule

    values = {name: getattr(defaults, name) for name in dir(defaults) if name.startswith("DISKSPACE_")}
    values.update((name.strip(), value) for name, sep, value in (item.partition("=") for item in args.set) if sep)
    try:
        return SpaceRule.from_settings(values)
    except ValueError as exc:
        raise ValueError(f"DISKSPACE_MIN_FREE / DISKSPACE_MIN_FREE_SHARE: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from archiver.crawl.scheduler import Scheduler, next_due
    from archiver.storage.space import EXIT_NO_SPACE
    from archiver.crawl.sites import SitesFileError, load_sites
    from archiver.storage.writable import unwritable

    logging.basicConfig(format="%(asctime)s schedule: %(message)s", level=logging.INFO, stream=sys.stdout)
    mask_logs()
    log = logging.getLogger("archiver.crawl.scheduler")
    try:
        sites = load_sites(args.sites, only=args.site)
    except SitesFileError as exc:
        print(f"archiver schedule: {exc}", file=sys.stderr)
        return 2
    archive = Path(args.archive)
    try:
        space_rule = schedule_space_rule(args)
    except ValueError as exc:
        print(f"archiver schedule: {exc}", file=sys.stderr)
        return 2
    problem = unwritable(archive)
    if problem:
        print(f"archiver schedule: {problem}", file=sys.stderr)
        return 1
    scheduler = Scheduler(Path(args.sites).resolve(), archive, crawl_arguments(args), jobs=args.jobs,
                          redis_url=args.redis or os.environ.get(REDIS_URL_ENV), space_rule=space_rule)

    if args.once:
        failed, crawled = 0, set()
        while True:
            pending = [s for s in sites if s.name not in crawled | scheduler.locked]
            crawled.update(scheduler.start_due(pending))
            failed += sum(1 for _, code in scheduler.reap() if code)
            if not scheduler.running:
                break
            time.sleep(0.2)
        if not crawled and not scheduler.locked and not scheduler.skipped_for_space:
            log.info("no site is due")
        if scheduler.skipped_for_space:
            return EXIT_NO_SPACE  # as a crawl stopped for want of space: the alert to free some
        return 1 if failed else 0

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("%d site(s) from %s; archive %s", len(sites), args.sites, archive)
    while not stopping:
        try:  # edits to the sites file take effect without a restart
            sites = load_sites(args.sites, only=args.site)
        except SitesFileError as exc:
            log.error("sites file not reloaded, keeping the previous one: %s", exc)
        scheduler.reap()
        scheduler.start_due(sites)
        wait = max(0.2, min(POLL_SECONDS, next_due(sites, scheduler.state.load()) - time.time()))
        deadline = time.monotonic() + wait
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    log.info("stopping: running crawls are asked to stop and will resume next time")
    scheduler.stop()
    return 0
