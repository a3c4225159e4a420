"""Page analysis in worker processes during a crawl (archiver.analysis): the records the crawl's own thread
would make, in the order the pages came, with page downloads held back while the pool is full, and neither a
killed worker nor Ctrl-C costs a record or leaves a process behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import REPO, run_archiver

LOCAL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "REQUISITES_ENABLED=False"]


@pytest.fixture(scope="module")
def site():
    from archiver.demo import DemoServer

    with DemoServer(scale=150) as server:
        yield server


def workers_of(pid: int) -> set[int]:
    """The analysis processes under ``pid``."""
    found, stack = set(), [pid]
    while stack:
        current = stack.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                for child in map(int, (task / "children").read_text().split()):
                    stack.append(child)
                    if b"archiver.analysis.work" in Path(f"/proc/{child}/cmdline").read_bytes():
                        found.add(child)
        except OSError:
            continue
    return found


def gone(pids: set[int], wait: float = 10.0) -> bool:
    """Whether the processes have all ended (a zombie waiting for its reaper counts as ended)."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return not alive
        time.sleep(0.1)


def crawl(site, archive: Path, *settings: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archiver", "crawl", "--archive", str(archive), "--log-level",
                             "INFO", *LOCAL, *settings, site.url + "/"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def stat(log: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def response_ids(archive: Path) -> list[str]:
    ids = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with open(path, "rb") as stream:
            ids += [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(stream)
                    if r.rec_type == "response"]
    return ids


def test_a_killed_worker_costs_no_record_and_downloads_wait_for_a_full_pool(site, tmp_path):
    archive = tmp_path / "archive"
    process = crawl(site, archive, "-s", "ANALYSIS_WORKERS=1", "-s", "ANALYSIS_MAX_PENDING=3",
                    "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
    seen: set[int] = set()
    killed = None
    deadline = time.monotonic() + 60
    while process.poll() is None and killed is None and time.monotonic() < deadline:
        seen |= workers_of(process.pid)
        records = list((archive / "articles").glob("*.jsonl"))
        if seen and records and records[0].stat().st_size > 20_000:  # a few records in: kill it mid-crawl
            killed = next(iter(seen))
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    while process.poll() is None:
        seen |= workers_of(process.pid)
        time.sleep(0.05)
    stdout, log = process.communicate(timeout=120)
    assert process.returncode == 0, log[-3000:]
    assert killed is not None and stat(log, "analysis/workers_died") == 1
    assert stat(log, "analysis/pages_lost") == 0 and "Traceback" not in log
    # The bound, plus about what the downloader held when it was reached (not the 180 pages of the site).
    assert stat(log, "analysis/max_pending") <= 3 + 2 * 8
    assert gone(seen)  # every worker ended with the crawl
    # The records are those the crawl's own thread makes from the same responses (reextract analyses here),
    # byte for byte, and in the order the responses were archived.
    [records] = (archive / "articles").glob("*.jsonl")
    done = run_archiver("reextract", "--archive", str(archive), "--out", str(tmp_path / "again"), "--workers", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    [again] = (tmp_path / "again").glob("*.jsonl")
    assert records.read_bytes() == again.read_bytes()
    order = {record_id: n for n, record_id in enumerate(response_ids(archive))}
    import json

    positions = [order[json.loads(line)["id"]] for line in records.read_text(encoding="utf-8").splitlines()]
    assert len(positions) > 100 and positions == sorted(positions)


def test_ctrl_c_finishes_the_pages_in_hand_and_leaves_no_worker(site, tmp_path):
    archive = tmp_path / "archive"
    process = crawl(site, archive, "-s", "ANALYSIS_WORKERS=2")
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        seen |= workers_of(process.pid)
        records = list((archive / "articles").glob("*.jsonl"))
        if len(seen) == 2 and records and records[0].stat().st_size > 10_000:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    stdout, log = process.communicate(timeout=120)
    assert "shutdown" in log and "Traceback" not in log, log[-3000:]
    assert stat(log, "analysis/workers_died") == 0  # the workers ignored it; the crawl let them go
    assert len(seen) == 2 and gone(seen)
    [records] = (archive / "articles").glob("*.jsonl")
    assert records.read_bytes().endswith(b"\n")  # whole records only
