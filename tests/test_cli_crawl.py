"""`archiver crawl`: real start pages, scope from their hosts, limits, and a killed crawl."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from warcio.archiveiterator import ArchiveIterator

from archiver.warc.writer import iter_member_ends
from conftest import REPO, run_archiver

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def read_records(archive):
    return [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_crawl_archives_every_article_from_the_home_page(demo_server, expected, tmp_path):
    done = run_archiver("crawl", f"{demo_server.url}/", "--archive", str(tmp_path), *FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "articles        13" in done.stdout
    assert len(read_records(tmp_path)) == len(expected["articles"])


REQUISITE_TYPES = ("image/", "text/css", "text/javascript", "font/")


def test_max_pages_stops_the_crawl_early(demo_server, tmp_path):
    done = run_archiver("crawl", f"{demo_server.url}/", "--archive", str(tmp_path), "--max-pages", "5",
                        "-s", "CONCURRENT_REQUESTS=1")
    assert "closespider_pagecount" in done.stdout
    with open(next((tmp_path / "warc").glob("*.warc.gz")), "rb") as fh:
        responses = [r for r in ArchiveIterator(fh) if r.rec_type == "response"
                     and not r.http_headers.get_header("Content-Type", "").startswith(REQUISITE_TYPES)
                     and not r.rec_headers.get_header("WARC-Target-URI").endswith(".xml")]
    # 5 pages, robots.txt, and the few in flight when it stopped; requisites, sitemaps and feeds are not pages
    assert len(responses) <= 8


def test_a_killed_crawl_leaves_an_open_file_readable_and_the_next_crawl_closes_it(tmp_path):
    from archiver.demo import DemoServer

    archive = tmp_path / "archive"
    with DemoServer(scale=400) as server:
        crawl = subprocess.Popen([sys.executable, "-m", "archiver", "crawl", f"{server.url}/", "--archive",
                                  str(archive), *FAST], cwd=REPO, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            open_files = list((archive / "warc").glob("*.warc.gz.open"))
            if open_files and open_files[0].stat().st_size > 200_000:
                break
            time.sleep(0.05)
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait()
        assert not list((archive / "warc").glob("*.warc.gz")), "a killed crawl must not leave a finished-looking file"
        [left_open] = list((archive / "warc").glob("*.warc.gz.open"))
        with open(left_open, "rb") as fh:
            whole = list(iter_member_ends(fh))
        assert len(whole) > 10
        with open(left_open, "rb") as fh:
            kinds = [record.rec_type for record in ArchiveIterator(fh)]
        assert len(kinds) >= len(whole) - 1
        # Recovery keeps the file to its last whole fetch: a group of records ends with its request, so
        # a response the kill parted from its request goes (where the kill lands is chance).
        whole_kinds = kinds[:len(whole)]  # one record a gzip member; a torn last member is not whole
        last_whole_fetch = len(whole_kinds) - whole_kinds[::-1].index("request")
        assert last_whole_fetch >= len(whole) - 2

        done = run_archiver("crawl", f"{server.url}/world/", "--archive", str(archive), "--max-pages", "3", *FAST)
        assert "Recovered WARC file" in done.stderr
    assert not list((archive / "warc").glob("*.open"))
    recovered = archive / "warc" / left_open.name[: -len(".open")]
    with open(recovered, "rb") as fh:
        assert sum(1 for _ in ArchiveIterator(fh, check_digests=True)) == last_whole_fetch
