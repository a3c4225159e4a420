"""A crawl killed with kill -9 at random moments and started again with the same job directory."""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO
from fixture_site import FixtureSite
from sched_helpers import FAST, crawl, path_of, read_records, warc_records, write_sites_file

ARTICLES = 120
# Slow enough (0.1 s an article, 4 at a time: about 3 s of crawling) for kills to land mid-crawl.
SLOW = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]


def start_crawl(sites, archive, jobdir) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archiver", "crawl", "--sites", str(sites), "--archive",
                             str(archive), "--jobdir", str(jobdir), *FAST, *SLOW],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("seed", [5, 17])
def test_a_crawl_killed_at_random_moments_archives_every_article_exactly_once(seed, tmp_path):
    rng = random.Random(seed)
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    kills = 0
    with FixtureSite("sections", articles=ARTICLES, delay=0.1) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        for _ in range(4):
            process = start_crawl(sites, archive, jobdir)
            time.sleep(rng.uniform(0.8, 3.0))
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                kills += 1
            process.wait()
        final = crawl(sites, archive, "--jobdir", str(jobdir), *SLOW)
        assert final.returncode == 0, final.stderr[-3000:]
        fetches = collections.Counter(site.article_fetches())
    assert kills >= 2, "the crawl finished before it could be killed: slow the fixture down"

    records = read_records(archive)
    expected = sorted(s.path for s in site.stories)
    assert sorted(path_of(r["url"]) for r in records) == expected  # every article, each once

    responses = collections.Counter(path_of(h.get_header("WARC-Target-URI"))
                                    for _, h, http in warc_records(archive, "response")
                                    if http.get_statuscode() == "200")
    assert sorted(p for p in responses if p.startswith("/news/")) == expected
    assert all(responses[p] == 1 for p in expected), {p: n for p, n in responses.items() if n > 1}
    assert not list((archive / "warc").glob("*.open"))
    # Only pages in flight at a kill (downloading, or waiting for their WARC write: at most
    # CONCURRENT_REQUESTS, 16) reach the site twice; none of them had been archived (above).
    assert sum(fetches.values()) - ARTICLES <= 16 * kills
    assert not (jobdir / "archiver-job.json").exists()  # the job finished: the next run starts afresh


def test_a_finished_job_starts_afresh_and_fetches_only_new_articles(tmp_path):
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    with FixtureSite("sections", articles=3) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        assert crawl(sites, archive, "--jobdir", str(jobdir)).returncode == 0
        new = site.publish()
        site.clear_log()
        assert crawl(sites, archive, "--jobdir", str(jobdir)).returncode == 0
        assert site.article_fetches() == [new.path]
        assert [p for _, p, _ in site.hits if p == "/"] == ["/"]  # the start page is fetched again


def test_a_crawl_stopped_gracefully_resumes_without_fetching_anything_twice(tmp_path):
    archive, jobdir = tmp_path / "archive", tmp_path / "job"
    with FixtureSite("sections", articles=60, delay=0.1) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        process = start_crawl(sites, archive, jobdir)
        # Stop once the crawl is under way (a fixed sleep stopped it before Scrapy had started on a busy machine).
        deadline = time.monotonic() + 60
        while len(site.article_fetches()) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)  # Ctrl-C: Scrapy finishes what is in flight and saves its queue
        assert process.wait(timeout=60) == 0
        stopped_after = len(site.article_fetches())
        assert 0 < stopped_after < 60
        final = crawl(sites, archive, "--jobdir", str(jobdir), *SLOW)
        assert final.returncode == 0, final.stderr[-3000:]
        fetches = collections.Counter(site.article_fetches())
    assert sorted(fetches) == sorted(s.path for s in site.stories) and set(fetches.values()) == {1}
    assert sorted(path_of(r["url"]) for r in read_records(archive)) == sorted(s.path for s in site.stories)


def test_recovery_leaves_alone_the_open_file_of_a_crawl_still_running(tmp_path):
    from archiver.warc.writer import RotatingWarcWriter, recover_open_files

    # A crawl still running into the same archive (archiver schedule --jobs 2) holds its file.
    running = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from archiver.warc.writer import RotatingWarcWriter\n"
        f"w = RotatingWarcWriter(Path({str(tmp_path)!r}), prefix='LIVE')\n"
        "w.write_records([w.builder.create_warcinfo_record('x', {'a': 'b'})]); w._raw.flush()\n"
        "print('ready', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    try:
        assert running.stdout.readline().strip() == "ready"
        killed = RotatingWarcWriter(tmp_path, prefix="DEAD")  # as a killed crawl leaves it
        killed.write_records([killed.builder.create_warcinfo_record("x", {"a": "b"})])
        killed._raw.close()
        recovered = recover_open_files(tmp_path)
        assert [p.name.split("-")[0] for p in recovered] == ["DEAD"]
        assert [p.name.split("-")[0] for p in tmp_path.glob("*.open")] == ["LIVE"]
    finally:
        running.kill()
        running.wait()
