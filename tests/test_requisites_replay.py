"""A crawled page replays as its readers saw it: the site is stopped, pywb replays the archive (frameless,
no banner) and headless Chromium's screenshot of each replayed page matches the live one (at most 0.5%
of pixels differ). The pages need a stylesheet that @imports another, a web font, a CSS background, an
<img srcset>, a lazy image swapped in by script, an image in style="", a script that writes into the page
and an image from a second origin."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import REPO, run_archiver
from requisites_site import Origin, build
from screenshots import chromium, chromium_path, differing_pixels, screenshot
from test_replay import pywb_env

PAGES = ["/news/first.html", "/news/second.html", "/"]
MAX_DIFFERING = 0.005
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


@dataclass
class Captured:
    archive: Path
    site: str
    records: list[dict]
    live: dict[str, Path]  # page path -> screenshot of the live page
    dates: dict[str, str]  # page URL -> WARC-Date of its response


@pytest.fixture(scope="module")
def captured(tmp_path_factory) -> Captured:
    chromium_path()
    pywb_env()
    folder = tmp_path_factory.mktemp("requisites-replay")
    main, cdn = Origin().start(), Origin().start()
    try:
        build(main, cdn)
        done = run_archiver("crawl", main.url + "/", "--archive", str(folder / "archive"), *FAST)
        assert done.returncode == 0, done.stderr[-3000:]
        # The control: the same site archived without requisites, as before issue 11.
        bare = run_archiver("crawl", main.url + "/", "--archive", str(folder / "bare"), *FAST,
                            "-s", "REQUISITES_ENABLED=False")
        assert bare.returncode == 0, bare.stderr[-3000:]
        live = {}
        with chromium() as browser:
            for number, path in enumerate(PAGES):
                live[path] = screenshot(browser, main.url + path, folder / f"live-{number}.png")
    finally:
        main.stop()
        cdn.stop()
    archive = folder / "archive"
    records = [json.loads(line) for p in (archive / "articles").glob("*.jsonl") for line in p.read_text().splitlines()]
    dates = {}
    for warc in (archive / "warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    dates.setdefault(record.rec_headers.get_header("WARC-Target-URI"),
                                     record.rec_headers.get_header("WARC-Date"))
    return Captured(archive, main.url, records, live, dates)


@contextmanager
def replayed(archive: Path) -> Iterator[str]:
    """``archiver replay --frameless`` on a free port; yields its base URL."""
    process = subprocess.Popen([sys.executable, "-m", "archiver", "replay", "--archive", str(archive),
                                "--port", "0", "--frameless"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline().split()
        assert first and first[0] == "replay", first
        for line in process.stdout:
            if line.strip() == "serving":
                break
        yield first[1].rstrip("/")
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def replay_base(captured):
    with replayed(captured.archive) as base:
        yield base


def replay_screenshot(base: str, url: str, date: str, path: Path) -> Path:
    stamp = "".join(ch for ch in date if ch.isdigit())[:14]
    with chromium() as browser:
        return screenshot(browser, f"{base}/{stamp}/{url}", path)


def test_the_articles_say_their_capture_is_complete(captured):
    assert len(captured.records) == 2
    for record in captured.records:
        assert record["capture"] == {"requisites": 12, "archived": 12, "missing_count": 0, "missing": [],
                                     "not_fetched": 0, "not_fetched_reasons": {"limit": 0, "pending": 0},
                                     "excluded": 0, "complete": True}


@pytest.mark.parametrize("path", PAGES)
def test_replayed_page_looks_like_the_live_page(captured, replay_base, path, tmp_path):
    url = captured.site + path
    replayed_png = replay_screenshot(replay_base, url, captured.dates[url], tmp_path / "replayed.png")
    share = differing_pixels(captured.live[path], replayed_png)
    print(f"{path}: {share:.4%} of pixels differ")
    if share > MAX_DIFFERING:  # keep the evidence next to the test's temporary folder
        (tmp_path / "live.png").write_bytes(captured.live[path].read_bytes())
    assert share <= MAX_DIFFERING, f"{path}: {share:.2%} of pixels differ; see {tmp_path}"


def test_without_requisites_the_replay_does_not_look_like_the_page(captured, tmp_path):
    """The control: the check fails on an archive of bare HTML (what the crawl made before)."""
    url = captured.site + PAGES[0]
    with replayed(captured.archive.parent / "bare") as base:
        bare_png = replay_screenshot(base, url, captured.dates[url], tmp_path / "bare.png")
    share = differing_pixels(captured.live[PAGES[0]], bare_png)
    print(f"{PAGES[0]} without requisites: {share:.2%} of pixels differ")
    assert share > 0.05
