"""Three workers, each with its OWN archive folder (as on separate machines), share one crawl through Redis;
one is killed -9 midway and restarted; then a worker with a fresh folder re-runs the finished crawl."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import run_archiver, shared_tool
from distributed_helpers import (article_paths, pages_fetched, record_counts, start_worker, unique_key,
                                 wait_for_records, worker_command)

pytest.importorskip("scrapy_redis", reason="pip install '.[distributed]'")

ARTICLES = 200
KILLABLE = ["-s", "REDIS_LEASE_SECONDS=4"]  # a killed worker's requests come back after 4 s


@pytest.fixture(scope="module")
def killed_worker_crawl(redis_url, tmp_path_factory):
    from archiver.demo import DemoServer

    base = tmp_path_factory.mktemp("distributed")
    archives = [base / f"machine{n}" / "archive" for n in range(3)]
    key = unique_key("test")
    with DemoServer(scale=ARTICLES) as server:
        url = f"{server.url}/"
        workers = [start_worker(url, archives[n], redis_url, key, base / f"worker{n}.log", *KILLABLE) for n in range(3)]
        victim = workers[1]
        wait_for_records(archives, 40)
        os.kill(victim.pid, signal.SIGKILL)  # midway: it holds leases, maybe a half-written line
        victim.wait()
        codes = [w.wait(timeout=300) for w in workers if w is not victim]
        # The killed worker's machine comes back: its restarted worker reconciles the folder it left.
        restarted = subprocess.run(worker_command(url, archives[1], redis_url, key, *KILLABLE),
                                   capture_output=True, text=True, timeout=300)
        # Later, a new machine with an empty folder runs the same crawl again.
        fresh_archive = base / "machine3" / "archive"
        rerun = subprocess.run(worker_command(url, fresh_archive, redis_url, key), capture_output=True, text=True,
                               timeout=300)
    logs = {n: (base / f"worker{n}.log").read_text() for n in range(3)}
    return archives, codes, restarted, logs, fresh_archive, rerun, key


def test_every_article_has_exactly_one_record_across_the_folders(killed_worker_crawl):
    archives, codes, restarted, logs, *_ = killed_worker_crawl
    assert codes == [0, 0], logs
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    counts = record_counts(archives)
    assert {path for path, n in counts.items() if n > 1} == set()
    missing = article_paths(ARTICLES) - set(counts)
    assert not missing, sorted(missing)[:10]
    # Every folder holds part of the crawl: the workers really shared it.
    for n in (0, 2):
        assert pages_fetched(logs[n]) > 0, logs[n][-2000:]


def test_the_surviving_workers_took_over_the_killed_workers_leases(killed_worker_crawl):
    archives, codes, restarted, logs, *_ = killed_worker_crawl
    # Requests it had leased went back to the queue when their leases expired.
    assert "scheduler/requeued/redis" in logs[0] + logs[2]


def test_a_fresh_folder_rerun_fetches_no_article_again(killed_worker_crawl):
    archives, *_, fresh_archive, rerun, key = killed_worker_crawl
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert record_counts([fresh_archive]) == {}, "articles recorded again"
    fetched = set()
    for path in (fresh_archive / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            fetched |= {r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)
                        if r.rec_type in ("response", "revisit")}
    assert fetched, "the start page and listings are fetched again (to find new articles)"
    assert not {urlsplit(u).path for u in fetched} & article_paths(ARTICLES)
    [held] = re.findall(r"^already held\s+(\d+)", rerun.stdout, flags=re.M)
    assert int(held) > 0, rerun.stdout


def test_the_seen_store_and_digest_index_live_in_redis(killed_worker_crawl, redis_url):
    import redis

    archives, *_, key = killed_worker_crawl
    server = redis.Redis.from_url(redis_url)
    assert server.hlen(f"{key}:state:seen") >= len(article_paths(ARTICLES))
    assert server.hlen(f"{key}:state:digests") > 0
    for archive in archives:  # no worker kept a private store in its folder
        assert not (archive / "state" / "seen.sqlite3").exists()
        assert not (archive / "digests.sqlite3").exists()


def test_each_folder_and_the_combined_archive_are_valid(killed_worker_crawl, tmp_path):
    archives, *_ = killed_worker_crawl
    assert all(not list((a / "warc").glob("*.open")) for a in archives)
    combined = tmp_path / "combined"
    for archive in archives:  # as the docs say: copy the machines' warc/ and articles/ into one folder
        for sub in ("warc", "articles"):
            if not (archive / sub).is_dir():
                continue  # a worker that recorded nothing has no records file (docs/crawling/exit-codes.md)
            shutil.copytree(archive / sub, combined / sub, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("index.cdxj", ".*"))
    warcs = sorted((combined / "warc").glob("*.warc.gz"))
    assert len({p.name.rsplit("-", 1)[-1] for p in warcs}) >= 3  # one writer per process, names never clash
    for path in warcs:
        with open(path, "rb") as fh:
            assert sum(1 for _ in ArchiveIterator(fh, check_digests=True)) > 0
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *map(str, warcs)],
                            capture_output=True, text=True)
    assert strict.returncode == 0, strict.stdout[-3000:]
    verify = run_archiver("verify", "--archive", str(combined), "--update-index")
    assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-2000:]
