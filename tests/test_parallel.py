"""`archiver reextract` and `archiver export` on several worker processes: the same bytes as one worker,
and a worker killed mid-job either has its files re-done or fails the job with nothing written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, run_archiver
from synthetic_warcs import write_archive


def reextract(archive: Path, out: Path, *options: str) -> Path:
    done = run_archiver("reextract", "--archive", str(archive), "--out", str(out), *options)
    assert done.returncode == 0, done.stderr[-3000:]
    [path] = out.glob("*.jsonl")
    assert sorted(p.name for p in out.iterdir()) == [path.name]  # no part files or folders left behind
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("parallel") / "archive"
    write_archive(root, files=6, pages_per_file=25, revisit_every=4)
    return root


@pytest.fixture(scope="module")
def single(archive, tmp_path_factory) -> Path:
    return reextract(archive, tmp_path_factory.mktemp("one"), "--workers", "1")


def test_reextract_on_two_workers_writes_the_same_bytes(archive, single, tmp_path):
    several = reextract(archive, tmp_path, "--workers", "2")
    assert several.read_bytes() == single.read_bytes()
    lines = single.read_bytes().splitlines()
    assert len(lines) == 150  # every page, revisits included (rebuilt from the record they refer to)


@pytest.mark.parametrize("fmt,extra", [("jsonl", []), ("jsonl", ["--gzip", "--all-versions"]), ("csv", []),
                                       ("parquet", ["--row-group-size", "7"]), ("hf", ["--shard-size", "40KB", "--row-group-size", "10"])])
def test_export_on_two_workers_writes_the_same_bytes(single, tmp_path, fmt, extra):
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}" / ("data" if fmt == "hf" else f"out.{fmt}")
        out.parent.mkdir()
        # Small tasks, so the records file is cut into several shards.
        done = run_archiver("export", "--records", str(single), "--format", fmt, "--out", str(out),
                            "--workers", workers, "--task-size", "40KB", *extra)
        assert done.returncode == 0, done.stderr[-3000:]
        files = sorted(p for p in out.parent.rglob("*") if p.is_file() and p.name != "README.md")
        assert files and not any(p.name.endswith(".partial") or "archiver-export" in str(p) for p in files)
        outputs[workers] = {p.relative_to(out.parent).as_posix(): p.read_bytes() for p in files}
    assert outputs["1"] == outputs["2"]
    if fmt == "hf":
        assert len(outputs["1"]) > 1  # several Parquet shards, cut at the same rows


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def start_reextract(archive: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "archiver", "reextract", "--archive", str(archive), "--out",
                             str(out), "--workers", "2"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def kill_workers(process: subprocess.Popen, times: int) -> int:
    """SIGKILL a worker process of ``process`` up to ``times`` times (each once it has worked a little)."""
    killed, deadline = 0, time.monotonic() + 120
    while process.poll() is None and killed < times and time.monotonic() < deadline:
        workers = children(process.pid)
        if workers:
            time.sleep(0.3)
            try:
                os.kill(workers[0], signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    return killed


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory) -> tuple[Path, bytes]:
    root = tmp_path_factory.mktemp("big") / "archive"
    write_archive(root, files=12, pages_per_file=60)
    return root, reextract(root, tmp_path_factory.mktemp("big-one"), "--workers", "1").read_bytes()


def test_a_killed_worker_has_its_files_done_again(big_archive, tmp_path):
    archive, expected = big_archive
    process = start_reextract(archive, tmp_path)
    assert kill_workers(process, 1) == 1
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    [out] = tmp_path.iterdir()
    assert out.read_bytes() == expected


def test_workers_killed_twice_fail_the_job_with_nothing_written(big_archive, tmp_path):
    archive, _ = big_archive
    process = start_reextract(archive, tmp_path)
    killed = kill_workers(process, 5)
    stdout, stderr = process.communicate(timeout=300)
    assert killed >= 2
    assert process.returncode == 1
    assert "a worker process died twice" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # no output, no part files


def test_ctrl_c_stops_every_worker_and_writes_nothing(big_archive, tmp_path):
    archive, _ = big_archive
    process = subprocess.Popen([sys.executable, "-m", "archiver", "reextract", "--archive", str(archive), "--out",
                                str(tmp_path), "--workers", "2"], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = children(process.pid)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-3000:]
    assert "interrupted; nothing was written" in stderr and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []
    assert workers and not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_a_worker_killed_holding_the_progress_lock_stops_nothing():
    # The second CI run of this round hung here: a worker SIGKILLed while adding to the shared tally
    # died holding its lock, and the parent's progress read (and the next pool's adds) waited forever.
    import multiprocessing
    import threading

    from archiver.datasets.workers import Tally

    tally = Tally(shared=True)
    tally.add(10, 1)
    holder = multiprocessing.get_context("fork").Process(target=_hold_lock, args=(tally,))
    holder.start()
    deadline = time.monotonic() + 10
    while tally.values.get_lock().acquire(block=False):  # wait until the child holds it
        tally.values.get_lock().release()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    holder.kill()
    holder.join()
    read = threading.Thread(target=lambda: (tally.done_bytes, tally.items), daemon=True)
    read.start()
    read.join(timeout=5)
    assert not read.is_alive(), "reading the tally waited on the dead worker's lock"
    tally.renew()
    tally.add(5, 2)
    assert (tally.done_bytes, tally.items) == (15, 3)


def _hold_lock(tally) -> None:
    with tally.values.get_lock():
        time.sleep(60)


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value


def test_a_pool_stays_up_between_passes_and_a_worker_that_died_idle_is_replaced():
    """The passes of one command share their worker processes (forked once); a worker killed between two
    passes costs the next one a new pool, not a result."""
    import multiprocessing

    from archiver.datasets.workers import PoolRunner, shared_tally

    runner = PoolRunner(2)
    try:
        def run() -> list[tuple[int, int]]:
            return list(runner.map(_pid_and, range(8), shared_tally(runner), lambda: None))

        first = run()
        pool = {child.pid for child in multiprocessing.active_children()}
        second = run()
        assert [value for _, value in second] == list(range(8))
        assert {pid for pid, _ in first + second} <= pool
        os.kill(first[0][0], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while first[0][0] in {child.pid for child in multiprocessing.active_children()}:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        third = run()
        assert [value for _, value in third] == list(range(8))
        assert not {pid for pid, _ in third} & pool
        pool |= {child.pid for child in multiprocessing.active_children()}
        tally = shared_tally(runner)
        list(runner.map(_pid_and, range(3), tally, lambda: None))
        assert (tally.done_bytes, tally.items) == (0, 0)  # a new pass starts at zero (these tasks report none)
    finally:
        runner.close()
    assert not pool & {child.pid for child in multiprocessing.active_children()}  # close ended them


def test_a_killed_worker_during_a_parquet_export_has_its_tasks_done_again(big_archive, tmp_path):
    """Pass two's shard tasks and the row-group tasks between them are run again when a worker dies: the file is
    the one worker's, byte for byte, and no part, group or partial file is left."""
    _, records = big_archive
    archive = tmp_path / "archive"
    (archive / "articles").mkdir(parents=True)
    (archive / "articles" / "20260101T000000Z-1.jsonl").write_bytes(records * 3)  # three versions of each
    one = tmp_path / "one.parquet"
    done = run_archiver("export", "--archive", str(archive), "--format", "parquet", "--out", str(one), "--workers", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out" / "two.parquet"
    out.parent.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "archiver", "export", "--archive", str(archive), "--format",
                                "parquet", "--out", str(out), "--workers", "2", "--task-size", "4KB"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert kill_workers(process, 1) == 1
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-3000:]
    assert out.read_bytes() == one.read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["two.parquet"]
