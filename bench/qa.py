"""Replay QA: does it tell the pages that replay well from those built to replay badly, and what does a page cost?

    python bench/qa.py                      # verdicts on the QA site; speed on 60 demo pages, 1 and 2 workers
    python bench/qa.py --workers 2 --modes plain --demo-pages 0

Verdicts. The site of tests/qa_site.py (three articles whose requisites the crawl archives, three built to
replay badly: a requisite only a script knows, a font outside the capture scope, a frame from a host
that never answers, and the start page) is crawled into a fresh archive, without a browser (``plain``,
``--scope requisites=site``) and in browser mode (``browser``, every page rendered in Chromium, a
screenshot each), each ``archiver crawl`` in a child process. Then ``archiver qa --json`` checks
every page of each archive, once per worker count, with the site stopped. Printed per mode: each
page's score and verdict, the lowest good score against the highest bad score (the margin), false
alarms (good pages not ok) and misses (bad pages ok). In browser mode the page whose requisite only a
script knows is captured whole (the browser ran the script): it is expected to pass there.

Speed. The demo site scaled up (archiver/demo, generated articles) is crawled without a browser to
``--demo-pages`` pages, then checked by ``archiver qa`` with each worker count: wall-clock seconds per
page (the whole command: reading the archive, starting Chromium), the mean replay of one page, the
speed-up over one worker, and the ratio to a browser-mode crawl of as many pages of the same site in
the same run (both are a Chromium render per page). Runs in a loopback-only network namespace
(bench/offline.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from offline import ensure_offline  # noqa: E402  (bench/offline.py)
from qa_site import BAD, COMPUTED, QaSite  # noqa: E402  (tests/qa_site.py)

MODES = {
    "plain": ["--scope", "requisites=site"],
    "browser": ["--browser"],
}


def archiver(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=REPO, capture_output=True, text=True)


def crawl(url: str, archive: Path, mode: str, *extra: str) -> float:
    """Seconds per page of the crawl (its own summary's count of pages)."""
    started = time.monotonic()
    done = archiver("crawl", url + "/", "--archive", str(archive), "-s", "AUTOTHROTTLE_ENABLED=False",
                    "--log-level", "WARNING", *MODES[mode], *extra)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"crawl failed ({mode}): {done.stderr[-2000:]}")
    pages = int(next(line.split()[2] for line in done.stdout.splitlines() if line.startswith("pages fetched")))
    return seconds / pages


def check(archive: Path, workers: int, url: str) -> tuple[dict[str, dict], float]:
    started = time.monotonic()
    done = archiver("qa", "--archive", str(archive), "--json", "--workers", str(workers))
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"qa failed: {done.stderr[-2000:]}")
    verdicts = {json.loads(line)["url"][len(url):]: json.loads(line) for line in done.stdout.splitlines()}
    return verdicts, seconds / max(1, len(verdicts))


def verdicts_part(modes: list[str], workers: int, folder: Path) -> None:
    archives = {}
    with QaSite() as site:
        url = site.url
        for mode in modes:
            archives[mode] = folder / f"qa-site-{mode}"
            crawl(url, archives[mode], mode, "--depth", "1")
    for mode in modes:  # the site is stopped: QA has the archive alone
        verdicts, _ = check(archives[mode], workers, url)
        bad_here = [p for p in BAD if not (mode == "browser" and p == COMPUTED)]
        print(f"\n== verdicts, {mode} crawl of the QA site (bad here: {len(bad_here)} pages)")
        for path, v in sorted(verdicts.items(), key=lambda item: item[1]["score"]):
            kind = "bad " if path in bad_here else "good"
            print(f"  {kind} {v['score']:.2f} {'ok ' if v['ok'] else 'BAD'} visual={v['visual']} text={v['text']} "
                  f"missing={[m['type'] for m in v['missing']]}  {path}")
        good = [v["score"] for p, v in verdicts.items() if p not in bad_here]
        bad = [verdicts[p]["score"] for p in bad_here]
        alarms = sum(not v["ok"] for p, v in verdicts.items() if p not in bad_here)
        misses = sum(verdicts[p]["ok"] for p in bad_here)
        print(f"  lowest good {min(good):.2f}, highest bad {max(bad):.2f} (margin {min(good) - max(bad):+.2f}); "
              f"false alarms {alarms} of {len(good)}, bad pages passed {misses} of {len(bad)}")


def speed_part(pages: int, worker_counts: list[int], folder: Path) -> None:
    from archiver.cli.demo import DEMO_OFFSITE_HOSTS
    from archiver.demo import DemoServer
    from archiver.settings import REQUISITES_IGNORE_HOSTS

    ignore = ",".join([*REQUISITES_IGNORE_HOSTS, *DEMO_OFFSITE_HOSTS])
    limit = ["--max-pages", str(pages), "-s", f"REQUISITES_IGNORE_HOSTS={ignore}"]
    with DemoServer(scale=pages) as server:
        url = server.url
        plain = crawl(url, folder / "demo-plain", "plain", *limit)
        browser = crawl(url, folder / "demo-browser", "browser", *limit)
    print(f"\n== speed, demo site scaled to {pages} articles: crawl {plain:.3f} s per page without a browser, "
          f"{browser:.2f} s per page in browser mode")
    single = None
    for workers in worker_counts:
        verdicts, per_page = check(folder / "demo-plain", workers, url)
        replay = sum(v["seconds"] for v in verdicts.values()) / max(1, len(verdicts))
        single = single or per_page
        ok = sum(v["ok"] for v in verdicts.values())
        print(f"  qa --workers {workers}: {len(verdicts)} pages ({ok} ok), {per_page:.2f} s per page wall clock "
              f"({single / per_page:.2f}x one worker), one replay {replay:.2f} s; {per_page / browser:.2f}x a "
              "browser-mode crawl's page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--modes", nargs="+", choices=sorted(MODES), default=["plain", "browser"])
    parser.add_argument("--demo-pages", type=int, default=60, help="pages of the speed part (0: skip it)")
    args = parser.parse_args()
    ensure_offline()
    with tempfile.TemporaryDirectory(prefix="bench-qa-") as folder:
        verdicts_part(args.modes, args.workers[-1], Path(folder))
        if args.demo_pages:
            speed_part(args.demo_pages, args.workers, Path(folder))


if __name__ == "__main__":
    main()
