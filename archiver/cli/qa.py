"""``archiver qa --archive DIR``: replay every archived page from the archive alone and score it (no network)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TABLE_ROWS = 50  # pages in the table, worst first; --json has them all


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "qa", help="replay each archived page from the archive alone and score it against its capture",
        description="Load each archived HTML page in headless Chromium with every request answered from the "
                    "archive (nothing reaches the network), compare it with what was captured (the capture's "
                    "screenshot, its rendered DOM or HTML) and list the requests the archive cannot answer. "
                    "Prints a table, worst first, and writes <archive>/qa/<time>-qa.jsonl.")
    parser.add_argument("--archive", type=Path, default=Path("archive"), help="archive folder (default: ./archive)")
    parser.add_argument("--crawl", metavar="ID", help="only the pages of this crawl (its records file's name, "
                                                       "e.g. 20260101T120000Z-1234)")
    parser.add_argument("--sample", type=int, metavar="N", help="check N pages drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="random seed of --sample (default 0)")
    parser.add_argument("--min-score", type=float, default=None, metavar="S",
                        help="a page is ok at this score or above (0 to 1; default QA_MIN_SCORE, 0.9)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="processes, each with its own Chromium (default QA_WORKERS: this machine's cores)")
    parser.add_argument("--json", action="store_true", help="one JSON line per page on stdout instead of the table")
    parser.add_argument("--screenshots", type=Path, metavar="DIR",
                        help="save each replay's screenshot (and the capture's, when there is one) in DIR")
    parser.add_argument("--keep-consent-banners", action="store_true",
                        help="do not dismiss consent banners in the replay (BROWSER_CONSENT_DISMISS=False)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting (repeatable), e.g. QA_PAGE_TIMEOUT=60")
    parser.set_defaults(func=run)


def fail(message: str) -> int:
    print(f"archiver qa: {message}", file=sys.stderr)
    return 1


def options_from(args: argparse.Namespace, settings: Any, archive: Path, files: frozenset[str] | None = None):
    """The run's options from the command line and the settings (also for ``archiver crawl --qa``)."""
    from archiver.browser.render import RenderSettings
    from archiver.qa.replay import ReplaySettings
    from archiver.qa.run import QaOptions

    executable = qa_tools(settings)
    # The archive answers at once: shorter pauses than a capture's, for scroll handlers and a quiet network.
    render = RenderSettings(page_timeout=settings.getfloat("QA_PAGE_TIMEOUT"),
                            snapshot_timeout=settings.getfloat("BROWSER_SNAPSHOT_TIMEOUT"),
                            scroll_steps=settings.getint("BROWSER_SCROLL_STEPS"), scroll_pause=0.05, quiet=0.1)
    consent = settings.getbool("BROWSER_CONSENT_DISMISS") and not getattr(args, "keep_consent_banners", False)
    replay = ReplaySettings(render=render, consent=consent,
                            ignore_hosts=tuple(h.lower() for h in settings.getlist("REQUISITES_IGNORE_HOSTS")))
    min_score = getattr(args, "min_score", None)
    return QaOptions(archive=archive, executable=executable,
                     settings=replay, crawl=getattr(args, "crawl", None), files=files,
                     sample=getattr(args, "sample", None), seed=getattr(args, "seed", 0),
                     min_score=settings.getfloat("QA_MIN_SCORE") if min_score is None else min_score,
                     screenshots=getattr(args, "screenshots", None))


def qa_tools(settings: Any) -> str:
    """Chromium's path; ``BrowserMissing`` (one line saying what to install) without it, Playwright or Pillow."""
    from archiver.browser import BrowserMissing, check_browser

    executable = check_browser(settings.get("BROWSER_EXECUTABLE") or "")
    try:
        import PIL  # noqa: F401 - screenshots are compared with Pillow
    except ImportError:
        raise BrowserMissing("replay QA needs Pillow: pip install 'archiver[qa]'") from None
    return executable


def make_runner(workers: int | None, settings: Any):
    from archiver.datasets.workers import make_runner as make

    return make(workers or settings.getint("QA_WORKERS") or None)


def run(args: argparse.Namespace) -> int:
    from archiver.browser import BrowserMissing
    from archiver.datasets.workers import WorkerDied, close_runner
    from archiver.qa.run import QaError, run_qa
    from archiver.crawl.runner import project_settings

    if not args.archive.is_dir():
        return fail(f"no such archive folder: {args.archive}")
    if args.sample is not None and args.sample < 1:
        return fail("--sample must be 1 or more")
    if args.min_score is not None and not 0 <= args.min_score <= 1:
        return fail("--min-score must be between 0 and 1")
    if args.workers is not None and args.workers < 1:
        return fail("--workers must be 1 or more")
    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            return fail(f"--set takes NAME=VALUE, got {item!r}")
        overrides[name.strip()] = value
    settings = project_settings(overrides)
    try:
        options = options_from(args, settings, args.archive)
    except BrowserMissing as error:
        return fail(str(error))
    runner = make_runner(args.workers, settings)
    try:
        report = run_qa(options, runner)
    except (QaError, WorkerDied) as error:
        return fail(str(error))
    except KeyboardInterrupt:
        fail("interrupted; no report written")
        return 130
    finally:
        close_runner(runner)
    if args.json:
        for verdict in report.verdicts:
            print(json.dumps(verdict, ensure_ascii=False))
        print(summary(report, options.min_score), file=sys.stderr)
    else:
        print(table(report.worst(TABLE_ROWS)))
        if len(report.verdicts) > TABLE_ROWS:
            print(f"... and {len(report.verdicts) - TABLE_ROWS} more pages (all in the report)")
        print(summary(report, options.min_score))
    return 0


def table(verdicts: list[dict[str, Any]]) -> str:
    def number(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [f"{'score':>5}  {'ok':<3} {'visual':>6} {'text':>5} {'requis':>6} {'missing':>7}  page"]
    for v in verdicts:
        lines.append(f"{v['score']:>5.2f}  {'ok' if v['ok'] else 'BAD':<3} {number(v['visual']):>6} "
                     f"{number(v['text']):>5} {number(v['requisites']):>6} {v['missing_count']:>7}  {v['url']}")
    return "\n".join(lines)


def summary(report, min_score: float) -> str:
    """The lines under the table: counts, time per page, the worst pages and why, the report file."""
    checked = len(report.verdicts)
    per_page = report.seconds / checked if checked else 0.0
    lines = [f"pages           {checked} checked of {report.pages_found} in the archive's selection, in "
             f"{report.seconds:.1f} s ({per_page:.2f} s per page, {report.workers} worker"
             f"{'s' if report.workers > 1 else ''}): {report.ok} ok, {checked - report.ok} below {min_score:g}"]
    if report.restarts:
        lines.append(f"restarts        Chromium started again {report.restarts} time(s) after a crash")
    for v in [v for v in report.worst(5) if not v["ok"]]:
        lines.append(f"worst           {v['score']:.2f} {v['url']}: {'; '.join(v['reasons']) or '-'}")
    lines.append(f"report          {report.report or 'none (no page checked)'}")
    return "\n".join(lines)
