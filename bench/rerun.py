"""Incremental re-runs measured: what each run of a crawl fetches from the fixture news sites.

    python bench/rerun.py --articles 200

For each layout (sitemap, feed, news-sitemap, sections): a first crawl into a fresh
archive, a second over the unchanged site, a third after one article is published.
Prints, per run, the requests the site received, the article pages among them, the
records written and the wall time. Each crawl runs in its own child process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tests"), str(REPO)]

from fixture_site import LAYOUTS, FixtureSite  # noqa: E402
from sched_helpers import crawl, read_records, write_sites_file  # noqa: E402


def measure(layout: str, articles: int) -> list[tuple[str, int, int, int, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, FixtureSite(layout, articles=articles) as site:
        archive = Path(tmp) / "archive"
        sites = write_sites_file(Path(tmp) / "sites.toml", site)
        for label in ("first run", "unchanged", "one new"):
            if label == "one new":
                site.publish()
            site.clear_log()
            before = len(read_records(archive)) if archive.exists() else 0
            started = time.monotonic()
            done = crawl(sites, archive)
            seconds = time.monotonic() - started
            if done.returncode:
                raise SystemExit(f"{layout} {label}: crawl failed\n{done.stderr[-2000:]}")
            rows.append((label, len(site.hits), len(site.article_fetches()), len(read_records(archive)) - before,
                         seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    print(f"{args.articles} articles per site; requests = everything the site received (robots.txt included)")
    print(f"{'layout':<13} {'run':<10} {'requests':>8} {'articles':>8} {'records':>7} {'seconds':>7}")
    for layout in LAYOUTS:
        for label, requests, article_fetches, records, seconds in measure(layout, args.articles):
            print(f"{layout:<13} {label:<10} {requests:>8} {article_fetches:>8} {records:>7} {seconds:>7.1f}")


if __name__ == "__main__":
    main()
