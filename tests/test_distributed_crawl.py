"""Three workers share one crawl through Redis; one is killed midway; nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import REPO, run_archiver, shared_tool

pytest.importorskip("scrapy_redis", reason="pip install '.[distributed]'")

ARTICLES = 500
WORKER_SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                   "-s", "REDIS_LEASE_SECONDS=4", "--log-level", "INFO"]




def worker(url: str, archive: Path, redis_url: str, key: str, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "archiver", "crawl", url, "--archive", str(archive), "--redis", redis_url,
               "-s", f"REDIS_FRONTIER_KEY={key}:frontier", "-s", f"REDIS_STATE_KEY={key}:state", *WORKER_SETTINGS]
    return subprocess.Popen(command, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)


def records_written(archive: Path) -> list[dict]:
    out = []
    for path in sorted((archive / "articles").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.endswith("}"):
                out.append(json.loads(line))
    return out


@pytest.fixture(scope="module")
def killed_worker_crawl(redis_url, tmp_path_factory):
    from archiver.demo import DemoServer

    base = tmp_path_factory.mktemp("distributed")
    archive, key = base / "archive", f"test:{os.getpid()}:{time.time_ns()}"
    with DemoServer(scale=ARTICLES) as server:
        workers = [worker(f"{server.url}/", archive, redis_url, key, base / f"worker{n}.log") for n in range(3)]
        victim = workers[1]
        deadline = time.monotonic() + 120
        while len(records_written(archive)) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)  # midway: it holds leases, maybe a half-written line
        victim.wait()
        codes = [w.wait(timeout=300) for w in workers if w is not victim]
        # The killed worker's machine comes back: its restarted worker closes the file it left open.
        restarted = run_archiver("crawl", f"{server.url}/", "--archive", str(archive), "--redis", redis_url,
                                 "-s", f"REDIS_FRONTIER_KEY={key}:frontier", "-s", f"REDIS_STATE_KEY={key}:state",
                                 *WORKER_SETTINGS)
        sent = {path for path in _article_paths(server.url)}
    logs = {n: (base / f"worker{n}.log").read_text() for n in range(3)}
    return archive, codes, restarted, sent, logs


def _article_paths(base_url: str) -> list[str]:
    from archiver.demo import load_expected

    paths = list(load_expected()["articles"])
    return paths + [f"/archive/gen/{n:05d}/" for n in range(1, ARTICLES + 1)]


def test_every_article_archived_exactly_once(killed_worker_crawl):
    archive, codes, restarted, sent, logs = killed_worker_crawl
    assert codes == [0, 0], logs
    assert restarted.returncode == 0, restarted.stderr[-2000:]
    counts = Counter(urlsplit(r["url"]).path for r in records_written(archive))
    assert {path for path, n in counts.items() if n > 1} == set()
    assert set(counts) == sent, sorted(sent - set(counts))[:10]
    # The surviving workers shared the crawl (whichever started first, the others joined it).
    for n in (0, 2):
        [fetched] = re.findall(r"^pages fetched\s+(\d+)", logs[n], flags=re.M)
        assert int(fetched) > 0, logs[n][-2000:]


def test_the_surviving_workers_took_over_the_killed_workers_leases(killed_worker_crawl):
    archive, codes, restarted, sent, logs = killed_worker_crawl
    # Requests it had leased went back to the queue when their leases expired.
    assert "scheduler/requeued/redis" in logs[0] + logs[2]


def test_every_warc_is_readable_and_verify_is_clean(killed_worker_crawl):
    archive, *_ = killed_worker_crawl
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    assert len({p.name.rsplit("-", 1)[-1] for p in warcs}) >= 3  # one writer per process, names never clash
    assert not list((archive / "warc").glob("*.open"))
    for path in warcs:
        with open(path, "rb") as fh:
            assert sum(1 for _ in ArchiveIterator(fh, check_digests=True)) > 0
    files = [str(p) for p in warcs]
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0, strict.stdout[-3000:]
    verify = run_archiver("verify", "--archive", str(archive))
    assert verify.returncode == 0, verify.stdout[-3000:]
