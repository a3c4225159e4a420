"""Crawl benchmark: the demo site scaled up, full pipeline against a bare spider, one run.

    python bench/crawl.py --pages 2000 --browser-pages 200
    python bench/crawl.py --pages 2000 --browser-pages 0 --modes full,requisites

Crawls of the same site: ``bare`` (the spider alone, the baseline), ``full`` (WARC capture,
extraction, JSON Lines; page requisites off, as before they existed) and ``requisites``
(``full`` plus page requisites: every generated article shares one stylesheet and logo
and has one of a few images, so requisites must cost little once fetched); ``full-inline``
and ``requisites-inline`` are the same with page analysis in the crawl's own thread
(``ANALYSIS_WORKERS=0``, as before the analysis pool), so the pool's gain is measured in the same run.

Each crawl runs in its own child process (Twisted's reactor starts once per process);
peak memory is that child's maximum resident set size, and "tree" the most the child
and its analysis processes held at once (sampled from /proc every 0.1 s). Browser mode (every page rendered
in headless Chromium, all its exchanges archived, a screenshot each) is timed on the same
site, stopped after --browser-pages pages (it is two orders of magnitude slower); 0 skips it.
Chromium's own processes are not in the peak memory figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
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
    # `full` and `requisites` with page analysis in the crawl's own thread, as before issue 27 (the
    # baseline the analysis pool is measured against, in the same run).
    "full-inline": {"REQUISITES_ENABLED": False, "ANALYSIS_WORKERS": 0},
    "requisites-inline": {"ANALYSIS_WORKERS": 0},
}
LOCAL = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 32,
         "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "LOG_LEVEL": "ERROR"}


def child(mode: str, url: str, archive: str, max_pages: int) -> None:
    from archiver import settings as defaults
    from archiver.cli.demo import DEMO_OFFSITE_HOSTS
    from archiver.crawl.runner import project_settings, run_crawl

    limit = {"CLOSESPIDER_PAGECOUNT": max_pages} if max_pages else {}
    # As `archiver demo`: the third-party hosts the demo pages name are not contacted.
    offsite = {"REQUISITES_IGNORE_HOSTS": [*defaults.REQUISITES_IGNORE_HOSTS, *DEMO_OFFSITE_HOSTS]}
    report = run_crawl({"urls": [url]},
                       project_settings({"ARCHIVE_DIR": archive, **LOCAL, **offsite, **MODES[mode], **limit}))
    # The crawl's own thread (the reactor: what bounds its pages/s) and the process's other threads
    # (WARC writer with its compression, search-index writer, DNS), in CPU seconds.
    main, whole = resource.getrusage(resource.RUSAGE_THREAD), resource.getrusage(resource.RUSAGE_SELF)
    main_cpu = main.ru_utime + main.ru_stime
    print(json.dumps({"pages": report.pages, "articles": report.articles, "seconds": report.seconds,
                      "warc_bytes": report.warc_bytes, "errors": report.errors,
                      "requisites": int(report.stats.get("requisites/archived", 0)),
                      "requisite_uses": int(report.stats.get("requisites/uses", 0)),
                      "main_cpu": main_cpu, "other_threads_cpu": whole.ru_utime + whole.ru_stime - main_cpu}))


def tree_usage(pid: int, cpu: dict[int, float]) -> int:
    """Resident bytes of ``pid`` and every process under it (the analysis pool's workers included); the CPU
    seconds each has used so far go into ``cpu``."""
    total, stack = 0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[current] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def run_child(mode: str, url: str, archive: str, max_pages: int = 0) -> dict:
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, __file__, "--child", mode, "--url", url, "--archive", archive,
                                "--max-pages", str(max_pages)],
                               stdout=subprocess.PIPE, text=True)
    peak, cpu, done = [0], {}, threading.Event()

    def sample() -> None:  # the whole tree, every 0.1 s: the crawl and its analysis processes
        while not done.is_set():
            peak[0] = max(peak[0], tree_usage(process.pid, cpu))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{mode} crawl failed with exit code {process.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - started
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux: KiB; the largest single process
    result["tree_mib"] = peak[0] / 2**20
    cpu[process.pid] = usage.ru_utime + usage.ru_stime  # the crawl's own, whole
    result["cpu"] = sum(cpu.values())  # with its analysis processes' (as last sampled)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated articles on the demo site")
    parser.add_argument("--browser-pages", type=int, default=200,
                        help="pages crawled in browser mode (0: skip it; needs chromium)")
    parser.add_argument("--modes", default="bare,full,requisites,full-inline,requisites-inline",
                        help="crawls to run, comma-separated (bare is always run first: the baseline)")
    parser.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--max-pages", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.archive, args.max_pages)
        return

    from archiver.analysis.pool import auto_workers
    from archiver.demo import DemoServer

    modes = ["bare"] + [mode for mode in args.modes.split(",") if mode and mode not in ("bare", "browser")]
    results, loads = {}, {}
    with DemoServer(scale=args.pages) as server, tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            loads[mode] = os.getloadavg()
            results[mode] = run_child(mode, server.url + "/", str(Path(tmp) / mode))
        if args.browser_pages:
            loads["browser"] = os.getloadavg()
            results["browser"] = run_child("browser", server.url + "/", str(Path(tmp) / "browser"),
                                           args.browser_pages)
    print(f"demo site scaled to {args.pages} generated articles, served on 127.0.0.1 by a separate process; "
          f"{os.cpu_count()} cores, analysis pool of {auto_workers()} processes (ANALYSIS_WORKERS=-1)")
    print(f"{'mode':<18} {'pages':>6} {'articles':>8} {'seconds':>8} {'pages/s':>8} {'ms/page':>8} {'vs bare':>7} "
          f"{'thread ms':>9} {'others':>6} {'peak MiB':>9} {'tree MiB':>9} {'CPU s':>6} {'WARC MiB':>9} "
          f"{'requisites':>16}  load before")
    bare = results["bare"]

    def rate(r: dict) -> float:
        return r["pages"] / r["seconds"]

    for mode, r in results.items():
        print(f"{mode:<18} {r['pages']:>6} {r['articles']:>8} {r['seconds']:>8.1f} {rate(r):>8.1f} "
              f"{1000 / rate(r):>8.2f} {rate(r) / rate(bare):>6.2f}x {1000 * r['main_cpu'] / r['pages']:>9.2f} "
              f"{1000 * r['other_threads_cpu'] / r['pages']:>6.2f} {r['peak_mib']:>9.1f} {r['tree_mib']:>9.1f} "
              f"{r['cpu']:>6.1f} {r['warc_bytes'] / 2**20:>9.1f} {r['requisites']:>5} ({r['requisite_uses']:>5} uses)"
              f"  {' '.join(f'{x:.2f}' for x in loads[mode])}")
    print("thread ms: CPU ms per page of the crawl's own thread (the reactor, which bounds pages/s; least "
          "swayed by other load); others: of its other threads (WARC writing and compression, search index)")
    print("peak MiB: the crawl process's own maximum; tree MiB: the most the crawl and its analysis processes "
          "held at once; CPU s: the whole tree's")
    for mode in ("full", "requisites"):
        if mode in results:
            line = f"{mode}/bare throughput ratio: {rate(results[mode]) / rate(bare):.2f}"
            if f"{mode}-inline" in results:
                inline = results[f"{mode}-inline"]
                line += (f"  (analysis in the crawl's thread: {rate(inline) / rate(bare):.2f}; pool/inline "
                         f"{rate(results[mode]) / rate(inline):.2f}x)")
            print(line)
    if "full" in results and "requisites" in results:
        print(f"requisites/full throughput ratio: {rate(results['requisites']) / rate(results['full']):.2f}")
    if "browser" in results and "full" in results:
        print(f"browser/full throughput ratio: {rate(results['browser']) / rate(results['full']):.3f}  "
              f"(browser mode stopped after {args.browser_pages} pages)")


if __name__ == "__main__":
    main()
