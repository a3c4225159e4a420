"""Crawl benchmark: the demo site scaled up, full pipeline against a bare spider, one run.

    python bench/crawl.py --pages 2000 --browser-pages 200

Three crawls of the same site: ``bare`` (the spider alone), ``full`` (WARC capture,
extraction, JSON Lines; page requisites off, as before they existed) and ``requisites``
(``full`` plus page requisites: every generated article shares one stylesheet and logo
and has one of a few images, so requisites must cost little once fetched).

Each crawl runs in its own child process (Twisted's reactor starts once per process);
peak memory is that child's maximum resident set size. Browser mode (every page rendered
in headless Chromium, all its exchanges archived, a screenshot each) is timed on the same
site, stopped after --browser-pages pages (it is two orders of magnitude slower); 0 skips it.
Chromium's own processes are not in the peak memory figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {
    # WARC capture, extraction, JSON Lines; no page requisites (the pipeline before issue 11).
    "full": {"REQUISITES_ENABLED": False},
    # Everything on: the full pipeline plus page requisites (the default settings).
    "requisites": {},
    # The same spider with WARC writing, requisites and extraction (in the spider and the
    # pipelines, and so JSON output) off.
    "bare": {"WARC_ENABLED": False, "ITEM_PIPELINES": {}, "JSONL_ENABLED": False, "SPIDER_PAGE_ANALYSIS": False,
             "REQUISITES_ENABLED": False},
    # The full pipeline with every page rendered in Chromium (archiver crawl --browser), which
    # fetches the requisites itself.
    "browser": {"BROWSER_ENABLED": True, "REQUISITES_ENABLED": False},
}
LOCAL = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 32,
         "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "LOG_LEVEL": "ERROR"}


def child(mode: str, url: str, archive: str, max_pages: int) -> None:
    from archiver import settings as defaults
    from archiver.cli.demo import DEMO_OFFSITE_HOSTS
    from archiver.runner import project_settings, run_crawl

    limit = {"CLOSESPIDER_PAGECOUNT": max_pages} if max_pages else {}
    # As `archiver demo`: the third-party hosts the demo pages name are not contacted.
    offsite = {"REQUISITES_IGNORE_HOSTS": [*defaults.REQUISITES_IGNORE_HOSTS, *DEMO_OFFSITE_HOSTS]}
    report = run_crawl({"urls": [url]},
                       project_settings({"ARCHIVE_DIR": archive, **LOCAL, **offsite, **MODES[mode], **limit}))
    print(json.dumps({"pages": report.pages, "articles": report.articles, "seconds": report.seconds,
                      "warc_bytes": report.warc_bytes, "errors": report.errors,
                      "requisites": int(report.stats.get("requisites/archived", 0)),
                      "requisite_uses": int(report.stats.get("requisites/uses", 0))}))


def run_child(mode: str, url: str, archive: str, max_pages: int = 0) -> dict:
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, __file__, "--child", mode, "--url", url, "--archive", archive,
                                "--max-pages", str(max_pages)],
                               stdout=subprocess.PIPE, text=True)
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{mode} crawl failed with exit code {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - started
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated articles on the demo site")
    parser.add_argument("--browser-pages", type=int, default=200,
                        help="pages crawled in browser mode (0: skip it; needs chromium)")
    parser.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--max-pages", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.archive, args.max_pages)
        return

    from archiver.demo import DemoServer

    results = {}
    with DemoServer(scale=args.pages) as server, tempfile.TemporaryDirectory() as tmp:
        for mode in ("bare", "full", "requisites"):
            results[mode] = run_child(mode, server.url + "/", str(Path(tmp) / mode))
        if args.browser_pages:
            results["browser"] = run_child("browser", server.url + "/", str(Path(tmp) / "browser"),
                                           args.browser_pages)
    print(f"demo site scaled to {args.pages} generated articles, served on 127.0.0.1 by a separate process")
    print(f"{'mode':<10} {'pages':>6} {'articles':>8} {'seconds':>8} {'pages/s':>8} {'ms/page':>8} {'peak MiB':>9} "
          f"{'WARC MiB':>9} {'requisites':>10}")
    for mode, r in results.items():
        rate = r["pages"] / r["seconds"]
        print(f"{mode:<10} {r['pages']:>6} {r['articles']:>8} {r['seconds']:>8.1f} {rate:>8.1f} "
              f"{1000 / rate:>8.2f} {r['peak_mib']:>9.1f} {r['warc_bytes'] / 2**20:>9.1f} "
              f"{r['requisites']:>5} ({r['requisite_uses']} uses)")
    full, bare, requisites = results["full"], results["bare"], results["requisites"]

    def rate(r: dict) -> float:
        return r["pages"] / r["seconds"]

    print(f"full/bare throughput ratio: {rate(full) / rate(bare):.2f}  "
          f"(peak memory ratio {full['peak_mib'] / bare['peak_mib']:.2f})")
    print(f"requisites/full throughput ratio: {rate(requisites) / rate(full):.2f}  "
          f"(requisites/bare {rate(requisites) / rate(bare):.2f})")
    if "browser" in results:
        print(f"browser/full throughput ratio: {rate(results['browser']) / rate(full):.3f}  "
              f"(browser mode stopped after {args.browser_pages} pages)")


if __name__ == "__main__":
    main()
