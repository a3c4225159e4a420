"""One crawl profile: `archiver demo`, `archiver crawl` and `scrapy crawl news` fetch the same demo pages."""

from __future__ import annotations

import subprocess
import sys

from archiver.cli.demo import LOCAL_SITE_SETTINGS
from archiver.demo import DemoServer
from conftest import REPO, run_archiver
from sched_helpers import path_of, warc_records

# Politeness only (the demo's own): how fast, never which pages.
LOCAL = [arg for name, value in LOCAL_SITE_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def fetched_paths(archive) -> list[str]:
    # Responses and revisits: which of two URLs with one payload (main.css, main.css?ver=8.6) is
    # stored in full and which as a revisit depends on which answer came first.
    # Only the demo site's own: `archiver demo` leaves the third-party hosts its pages name alone.
    return sorted(path_of(headers.get_header("WARC-Target-URI")) for _, headers, _ in warc_records(archive)
                  if headers.get_header("WARC-Type") in ("response", "revisit")
                  and headers.get_header("WARC-Target-URI").startswith("http://127.0.0.1:"))


def test_scrapy_crawl_and_archiver_crawl_fetch_the_same_demo_pages(demo_crawl, tmp_path):
    with DemoServer() as server:
        start = server.url + "/"
        done = run_archiver("crawl", start, "--archive", str(tmp_path / "cli"), *LOCAL)
        assert done.returncode == 0, done.stderr[-2000:]
        scrapy = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"url={start}",
                                 "-s", f"ARCHIVE_DIR={tmp_path / 'scrapy'}", *LOCAL],
                                cwd=REPO, capture_output=True, text=True, timeout=300)
        assert scrapy.returncode == 0, scrapy.stderr[-2000:]
    demo, cli, spider = fetched_paths(demo_crawl.archive), fetched_paths(tmp_path / "cli"), fetched_paths(
        tmp_path / "scrapy")
    assert cli == spider == demo
    # Articles are leaves: their tag and author links are not followed, however the article was reached.
    assert not [p for p in cli if p.startswith(("/tag/", "/author/"))]
    assert "/" in cli and "/feed.xml" in cli
