"""Distributed crawl under faults: figures for worker kill -9, fresh-folder re-run, Redis kill -9 + AOF
restart and a network cut, each worker a process with its own archive folder (as separate machines).

    python bench/distributed_faults.py --pages 300 --cut 30

Needs redis-server (Debian: apt install redis-server) and `pip install '.[distributed]'`. Prints, per
fault: articles on the site, articles with a record, duplicates, missing, records written after the
fault began, leases requeued, lines reconciled, seconds from the first worker's start to the last's end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from distributed_helpers import (article_paths, record_counts, records_in, start_worker,  # noqa: E402
                                 unique_key, wait_for_records, worker_command)
from redis_server import RedisServer, TcpProxy  # noqa: E402

KILLABLE = ["-s", "REDIS_LEASE_SECONDS=4"]


def _figures(name: str, scale: int, archives: list[Path], logs: list[str], before: int, seconds: float,
             codes: list[int | None]) -> dict:
    counts = record_counts(archives)
    text = "\n".join(logs)
    requeued = sum(int(n) for n in re.findall(r"'scheduler/requeued/redis': (\d+)", text))
    reconciled = sum(int(a) + int(b) for a, b in re.findall(r"(\d+) unconfirmed lines dropped, (\d+) adopted", text))
    replayed = sum(int(n) for n in re.findall(r"after the outage: (\d+) recent seen-store marks", text))
    waited = re.findall(r"reachable again after ([\d.]+) s", text)
    return {"fault": name, "articles": len(article_paths(scale)), "recorded": len(set(counts) & article_paths(scale)),
            "duplicates": sum(n - 1 for n in counts.values() if n > 1),
            "missing": len(article_paths(scale) - set(counts)),
            "after_fault": len(records_in(archives)) - before, "requeued": requeued, "reconciled": reconciled,
            "marks_replayed": replayed, "paused_s": max(map(float, waited), default=0),
            "seconds": round(seconds, 1), "exit_codes": codes}


def _wait(workers: list[subprocess.Popen], timeout: float) -> list[int | None]:
    codes = []
    for w in workers:
        try:
            codes.append(w.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            w.kill()
            codes.append(None)
    return codes


def worker_kill(site: str, scale: int, tmp: Path, redis_url: str) -> tuple[dict, dict]:
    archives = [tmp / f"worker-kill-machine{n}" for n in range(3)]
    key, logs = unique_key("bench-kill"), [tmp / f"worker-kill-worker{n}.log" for n in range(3)]
    started = time.monotonic()
    workers = [start_worker(site, archives[n], redis_url, key, logs[n], *KILLABLE) for n in range(3)]
    before = wait_for_records(archives, 40)
    os.kill(workers[1].pid, signal.SIGKILL)
    workers[1].wait()
    codes = _wait([workers[0], workers[2]], 600)
    restarted = subprocess.run(worker_command(site, archives[1], redis_url, key, *KILLABLE), capture_output=True,
                               text=True)
    seconds = time.monotonic() - started
    texts = [p.read_text() for p in logs] + [restarted.stderr]
    kill = _figures("worker kill -9 + restart", scale, archives, texts, before, seconds, codes + [restarted.returncode])
    # A new machine, empty folder, the same crawl again.
    started = time.monotonic()
    rerun = subprocess.run(worker_command(site, tmp / "fresh", redis_url, key), capture_output=True, text=True)
    fresh = _figures("fresh-folder re-run", scale, [tmp / "fresh"], [rerun.stderr], 0, time.monotonic() - started,
                     [rerun.returncode])
    held = re.findall(r"^already held\s+(\d+)", rerun.stdout, flags=re.M)
    fresh["recorded"], fresh["missing"] = f"{fresh['recorded']} (already held: {held[0] if held else '?'})", "-"
    return kill, fresh


def redis_outage(site: str, scale: int, tmp: Path, fault: str, cut: float) -> dict:
    archives = [tmp / f"redis-{fault}-machine{n}" for n in range(2)]
    key, logs = unique_key(f"bench-{fault}"), [tmp / f"redis-{fault}-worker{n}.log" for n in range(2)]
    with RedisServer(tmp / f"redis-{fault}-server", appendonly=True) as server:
        proxy = TcpProxy(server.port) if fault in ("cut", "silent") else None
        url = f"redis://127.0.0.1:{proxy.port}/0" if proxy else server.url
        started = time.monotonic()
        workers = [start_worker(site, archives[n], url, key, logs[n]) for n in range(2)]
        before = wait_for_records(archives, 40)
        if proxy is not None:
            proxy.cut() if fault == "cut" else proxy.freeze()
            time.sleep(cut)
            proxy.restore()
        else:
            server.kill()
            time.sleep(3)
            server.start()
        codes = _wait(workers, 600)
        seconds = time.monotonic() - started
        if proxy is not None:
            proxy.close()
    name = {"cut": f"network cut {cut:.0f} s (connections reset)",
            "silent": f"network silent {cut:.0f} s (packets dropped)"}.get(fault, "Redis kill -9 + AOF restart (3 s down)")
    return _figures(name, scale, archives, [p.read_text() for p in logs], before, seconds, codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="generated articles on the demo site")
    parser.add_argument("--cut", type=float, default=30.0, help="seconds the network to Redis is cut")
    args = parser.parse_args()

    from archiver.demo import DemoServer

    results = []
    with tempfile.TemporaryDirectory() as directory, DemoServer(scale=args.pages) as server:
        tmp = Path(directory)
        site = server.url + "/"
        with RedisServer(tmp / "redis-for-worker-kill", appendonly=True) as redis:
            results += worker_kill(site, args.pages, tmp, redis.url)
        results.append(redis_outage(site, args.pages, tmp, "kill", args.cut))
        results.append(redis_outage(site, args.pages, tmp, "cut", args.cut))
        results.append(redis_outage(site, args.pages, tmp, "silent", args.cut))
    print(f"demo site: {args.pages} generated articles on 127.0.0.1; Redis on 127.0.0.1 (appendonly yes); "
          "workers are processes with separate archive folders (2 cores)")
    columns = ["fault", "articles", "recorded", "duplicates", "missing", "after_fault", "requeued", "reconciled",
               "marks_replayed", "paused_s", "seconds", "exit_codes"]
    print(" | ".join(columns))
    for r in results:
        print(" | ".join(str(r[c]) for c in columns))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
