"""Distributed crawl benchmark: pages/s for 1, 2 and 3 workers against the same local site, one run.

    python bench/distributed.py --pages 1500

Needs redis-server (Debian: apt install redis-server) and `pip install '.[distributed]'`.
Each worker is its own process; the demo site is served by another; every configuration
crawls the whole site into a fresh archive with fresh Redis keys.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

LOCAL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "CONCURRENT_REQUESTS=16",
         "--log-level", "ERROR"]


def crawl(workers: int, url: str, redis_url: str, archive: Path) -> dict:
    key = f"bench:{workers}:{time.time_ns()}"
    command = [sys.executable, "-m", "archiver", "crawl", url, "--archive", str(archive), "--redis", redis_url,
               "-s", f"REDIS_FRONTIER_KEY={key}:frontier", "-s", f"REDIS_STATE_KEY={key}:state", *LOCAL]
    started = time.monotonic()
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for _ in range(workers)]
    outputs = [p.communicate()[0] for p in processes]
    seconds = time.monotonic() - started
    pages = sum(int(line.split()[2]) for out in outputs for line in out.splitlines()
                if line.startswith("pages fetched"))
    records = sum(1 for path in (archive / "articles").glob("*.jsonl") for _ in path.open())
    return {"workers": workers, "pages": pages, "records": records, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1500, help="generated articles on the demo site")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to run (comma-separated)")
    args = parser.parse_args()

    from redis_server import redis_server

    from archiver.demo import DemoServer

    results = []
    with redis_server() as redis_url, DemoServer(scale=args.pages) as server, tempfile.TemporaryDirectory() as tmp:
        for n in (int(w) for w in args.workers.split(",")):
            results.append(crawl(n, server.url + "/", redis_url, Path(tmp) / f"w{n}"))
    print(f"demo site scaled to {args.pages} generated articles on 127.0.0.1; Redis on 127.0.0.1; "
          "each worker a process (this machine has 2 cores)")
    print(f"{'workers':>7} {'pages':>6} {'records':>8} {'seconds':>8} {'pages/s':>8} {'vs 1 worker':>12}")
    base = results[0]["pages"] / results[0]["seconds"]
    for r in results:
        rate = r["pages"] / r["seconds"]
        print(f"{r['workers']:>7} {r['pages']:>6} {r['records']:>8} {r['seconds']:>8.1f} {rate:>8.1f} {rate / base:>11.2f}x")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
