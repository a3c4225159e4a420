"""``archiver crawl URL... --archive DIR`` or ``archiver crawl --sites sites.toml``: crawl news sites."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from archiver.system.secrets import REDIS_URL_ENV, mask_url


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crawl", help="crawl news sites into the archive",
                                   description="Crawl news sites into the archive. Articles the archive already "
                                   "holds are not fetched again (see --refetch and --revisit).")
    parser.add_argument("urls", nargs="*", metavar="URL", help="start pages (home page, section pages)")
    parser.add_argument("--sites", metavar="FILE", help="sites file (TOML): crawl every site in it")
    parser.add_argument("--site", action="append", default=[], metavar="NAME",
                        help="with --sites: crawl only this site (repeatable)")
    parser.add_argument("--explain", nargs="+", metavar="URL",
                        help="crawl nothing: say for each URL whether the crawl's scope follows it as a page and "
                             "captures it as a requisite, and why (with the same URLs, --sites and --scope)")
    add_crawl_options(parser)
    parser.set_defaults(func=run)


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--archive", default="archive", help="archive folder (default: ./archive)")
    parser.add_argument("--jobdir", metavar="DIR",
                        help="job directory: a crawl stopped or killed and started again with the same one resumes")
    parser.add_argument("--refetch", action="store_true",
                        help="fetch articles the archive already holds again (new records only if they changed)")
    parser.add_argument("--revisit", type=float, default=0, metavar="DAYS",
                        help="refetch archived articles younger than DAYS with conditional requests")
    parser.add_argument("--depth", type=int, default=None,
                        help="follow links this many hops from the start pages (default: no limit)")
    parser.add_argument("--max-pages", type=int, default=0,
                        help="stop after this many pages (page requisites, robots.txt, sitemaps and feeds are "
                             "not pages; 0: no limit)")
    parser.add_argument("--contact", help="e-mail or URL for site owners, added to the User-Agent")
    parser.add_argument("--scope", action="append", default=[], metavar="KEY=VALUE",
                        help="a capture scope rule for every site that does not set it (repeatable): "
                             "requisites=site|any, requisite_hosts=HOST, requisite_allow=REGEX, "
                             "requisite_deny=REGEX, allow=REGEX, deny=REGEX (docs/crawling/scope.md)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")
    parser.add_argument("--redis", metavar="URL", help="share the frontier with other workers through this Redis "
                        "(distributed mode; pip install '.[distributed]'); a URL with a password is better given "
                        f"in the environment variable {REDIS_URL_ENV}, where `ps` does not show it to every local user")
    parser.add_argument("--browser", action="store_true",
                        help="render pages in headless Chromium and archive everything it fetches (needs chromium)")
    parser.add_argument("--browser-profile", metavar="PATH",
                        help="browser mode: start every page with this login (a profile made by `archiver "
                             "browser-login`: a file, or a folder holding storage-state.json); never inside --archive")
    parser.add_argument("--keep-consent-banners", action="store_true",
                        help="browser mode: do not dismiss consent banners before the DOM and screenshot are taken "
                             "(BROWSER_CONSENT_DISMISS=False)")
    parser.add_argument("--qa", action="store_true",
                        help="after the crawl, replay its pages from the archive alone and score them "
                             "(archiver qa; needs chromium)")
    parser.add_argument("--log-level", default="INFO", help="Scrapy log level (default: INFO)")
    parser.add_argument("--max-error-rate", type=error_rate, default=None, metavar="SHARE",
                        help="exit 4 when more than this share of fetches failed (network failure after "
                             "retries, 5xx, 429); default 0.5 (CRAWL_MAX_ERROR_RATE)")


def error_rate(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"not a share between 0 and 1 (or 0% to 100%): {text!r}")
    return value


def settings_from_args(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides: dict[str, Any] = {"ARCHIVE_DIR": args.archive, "LOG_LEVEL": args.log_level}
    if args.depth is not None:
        overrides["DEPTH_LIMIT"] = args.depth
    if args.max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = args.max_pages
    redis_url = args.redis or os.environ.get(REDIS_URL_ENV)
    if redis_url:
        overrides["REDIS_URL"] = redis_url
    if getattr(args, "max_error_rate", None) is not None:
        overrides["CRAWL_MAX_ERROR_RATE"] = args.max_error_rate
    if args.contact:
        overrides["ARCHIVER_CONTACT"] = args.contact
    if getattr(args, "jobdir", None):
        overrides["JOBDIR"] = args.jobdir
    if getattr(args, "refetch", False):
        overrides["SEEN_REFETCH"] = True
    if getattr(args, "revisit", 0):
        overrides["SEEN_REVISIT_DAYS"] = args.revisit
    if getattr(args, "browser", False):
        overrides["BROWSER_ENABLED"] = True
    if getattr(args, "browser_profile", None):
        overrides["BROWSER_PROFILE"] = args.browser_profile
    if getattr(args, "keep_consent_banners", False):
        overrides["BROWSER_CONSENT_DISMISS"] = False
    if getattr(args, "scope", None):
        from archiver.scope.options import ScopeOptionError, settings_from_options

        try:
            overrides.update(settings_from_options(args.scope))
        except ScopeOptionError as exc:
            usage_error(str(exc))
    overrides.update(extra or {})
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            usage_error(f"--set takes NAME=VALUE, got {item!r}")
        overrides[name.strip()] = value
    return overrides


def is_http_url(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def spider_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The news spider's arguments; the sites file is checked here so mistakes fail before crawling."""
    from archiver.crawl.sites import SitesFileError, load_sites

    if not args.urls and not args.sites:
        usage_error("give start URLs or --sites FILE")
    if args.site and not args.sites:
        usage_error("--site needs --sites FILE")
    kwargs: dict[str, Any] = {}
    if args.urls:
        bad = [url for url in args.urls if not is_http_url(url)]
        if bad:  # checked as the sites file's start URLs are, before anything is created
            usage_error(f"not an http(s) URL: {', '.join(map(repr, bad))}")
        kwargs["urls"] = args.urls
    if args.sites:
        try:
            load_sites(args.sites, only=args.site)
        except SitesFileError as exc:
            usage_error(str(exc))
        kwargs["sites"] = args.sites
        if args.site:
            kwargs["site"] = ",".join(args.site)
    return kwargs


def usage_error(message: str) -> None:
    """One line on stderr, exit 2 (as argparse does for its own usage errors)."""
    print(f"archiver crawl: {message}", file=sys.stderr)
    raise SystemExit(2)


def report_outcome(report: Any, settings: Any) -> int:
    """Print the summary; return the exit code (docs/crawling/exit-codes.md), saying why when not 0."""
    print(report.summary())
    code, why = report.outcome(settings.getfloat("CRAWL_MAX_ERROR_RATE"))
    if why:
        print(f"outcome         exit {code}: {why}")
        print(f"archiver crawl: {why}", file=sys.stderr)
    return code


def check_browser_mode(args: argparse.Namespace, settings: Any) -> None:
    """With --browser or a site with ``browser = true``: fail at once, in one line, if Chromium is missing."""
    from archiver.browser import BrowserMissing, check_browser

    wanted = settings.getbool("BROWSER_ENABLED")
    if not wanted and args.sites:
        from archiver.crawl.sites import load_sites

        wanted = any(site.browser for site in load_sites(args.sites, only=args.site))
    if not wanted:
        return
    try:
        check_browser(settings.get("BROWSER_EXECUTABLE") or "")
    except BrowserMissing as exc:
        print(f"archiver crawl: {exc}", file=sys.stderr)
        raise SystemExit(1) from None  # could not start (docs/crawling/exit-codes.md)


def check_browser_profile(settings: Any) -> None:
    """``--browser-profile``: a storage state, outside the archive; a usage error (exit 2) in one line if not."""
    from archiver.browser.handler import browser_profile
    from archiver.browser.profile import ProfileError

    try:
        browser_profile(settings)
    except ProfileError as exc:
        usage_error(str(exc))


def check_archive_folder(settings: Any, command: str = "archiver crawl") -> None:
    """Before anything is created: a read-only archive folder (exit 1) or too little free space (exit 5),
    each in one line."""
    from pathlib import Path

    from archiver.extensions.diskspace import guarded_paths
    from archiver.crawl.runner import EXIT_NO_SPACE, EXIT_NOT_FINISHED
    from archiver.storage.space import SpaceRule
    from archiver.storage.writable import unwritable

    try:
        rule = SpaceRule.from_settings(settings)
    except ValueError as exc:
        print(f"{command}: DISKSPACE_MIN_FREE / DISKSPACE_MIN_FREE_SHARE: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    shortfall = rule.check_all(guarded_paths(settings)) if rule is not None else None
    if shortfall is not None:
        print(f"{command}: not started: {shortfall}; free some space (a crawl stopped for it resumes "
              "with --jobdir) or lower the minimum", file=sys.stderr)
        raise SystemExit(EXIT_NO_SPACE)
    problem = unwritable(Path(settings.get("ARCHIVE_DIR")))
    if problem:
        print(f"{command}: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_NOT_FINISHED)


def explain_scope(args: argparse.Namespace, settings: Any) -> int:
    """``--explain URL...``: each URL against every site's scope, in words; nothing is crawled or created."""
    from archiver.capture.fetch import RequisiteSettings
    from archiver.scope.explain import explain
    from archiver.scope.options import crawl_scope
    from archiver.crawl.sites import SitesFileError, load_sites, site_from_urls

    scope = crawl_scope(settings)
    try:
        sites = load_sites(args.sites, only=args.site, crawl_scope=scope) if args.sites else []
        if args.urls:
            sites.append(site_from_urls(args.urls, crawl_scope=scope))
    except SitesFileError as exc:
        usage_error(str(exc))
    print("\n".join(explain(sites, args.explain, RequisiteSettings.from_settings(settings).ignore_hosts)))
    return 0


def run(args: argparse.Namespace) -> int:
    from archiver.crawl.runner import project_settings, run_crawl

    spider_kwargs = spider_arguments(args)
    settings = project_settings(settings_from_args(args))
    if getattr(args, "explain", None):
        return explain_scope(args, settings)
    check_browser_profile(settings)
    check_archive_folder(settings)
    check_browser_mode(args, settings)
    if settings.get("REDIS_URL"):
        from redis.exceptions import RedisError

        from archiver.distributed.connection import redis_reachable

        try:
            redis_reachable(settings)
        except RedisError as exc:
            print(f"archiver crawl: Redis {mask_url(settings.get('REDIS_URL'))} unreachable: {mask_url(str(exc))}",
                  file=sys.stderr)
            return 1  # could not run (docs/crawling/exit-codes.md)
    if getattr(args, "qa", False):
        check_browser_for_qa(settings)
    report = run_crawl(spider_kwargs, settings)
    code = report_outcome(report, settings)
    if getattr(args, "qa", False):
        quality_check(report, settings)
    return code


def check_browser_for_qa(settings: Any) -> None:
    """``--qa`` replays in Chromium: fail before crawling, in one line, if it (or what drives it) is missing."""
    from archiver.browser import BrowserMissing
    from archiver.cli.qa import qa_tools

    try:
        qa_tools(settings)
    except BrowserMissing as exc:
        print(f"archiver crawl: --qa: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def quality_check(report: Any, settings: Any) -> None:
    """``--qa``: the crawl's pages replayed from the archive alone and scored; the QA lines after the summary.
    QA never changes the crawl's exit code: its verdicts are in the lines and in the QA report."""
    from pathlib import Path

    from archiver.cli.qa import make_runner, options_from, summary
    from archiver.datasets.workers import WorkerDied, close_runner
    from archiver.qa.run import QaError, run_qa

    files = frozenset(str(path.resolve()) for path in report.warc_files)
    if not files:
        print("qa              nothing to check (no WARC file written)")
        return
    options = options_from(argparse.Namespace(), settings, Path(settings.get("ARCHIVE_DIR")), files)
    runner = make_runner(None, settings)
    try:
        qa = run_qa(options, runner)
    except (QaError, WorkerDied) as error:
        print(f"qa              not run: {error}")
        return
    finally:
        close_runner(runner)
    print(summary(qa, options.min_score).replace("pages       ", "qa          ", 1))
