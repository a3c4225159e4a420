"""Workers of one distributed crawl, each a separate `archiver crawl --redis` process with its own archive
folder (as on separate machines), and what they wrote, for the distributed tests and bench/distributed.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
# Local site: no politeness delays. Short leases only where a test kills a worker (its requests return sooner).
WORKER_SETTINGS = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "--log-level", "INFO"]


def worker_command(url: str, archive: Path, redis_url: str | None, key: str, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "archiver", "crawl", url, "--archive", str(archive),
               "-s", f"REDIS_FRONTIER_KEY={key}:frontier", "-s", f"REDIS_STATE_KEY={key}:state", *WORKER_SETTINGS, *extra]
    return command + (["--redis", redis_url] if redis_url else [])


def start_worker(url: str, archive: Path, redis_url: str, key: str, log: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(worker_command(url, archive, redis_url, key, *extra), cwd=REPO,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def records_in(archives: list[Path]) -> list[dict]:
    """Every complete article record in the folders' JSON Lines files."""
    out = []
    for archive in archives:
        for path in sorted((archive / "articles").glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.endswith("}"):
                    out.append(json.loads(line))
    return out


def wait_for_records(archives: list[Path], count: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while (n := len(records_in(archives))) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return n


def article_paths(scale: int) -> set[str]:
    """The paths of every article of the demo site scaled to ``scale`` generated articles."""
    from archiver.demo import load_expected

    return set(load_expected()["articles"]) | {f"/archive/gen/{n:05d}/" for n in range(1, scale + 1)}


def record_counts(archives: list[Path]) -> Counter:
    return Counter(urlsplit(r["url"]).path for r in records_in(archives))


def pages_fetched(log_text: str) -> int:
    found = re.findall(r"^pages fetched\s+(\d+)", log_text, flags=re.M)
    return int(found[-1]) if found else 0


def unique_key(prefix: str) -> str:
    return f"{prefix}:{os.getpid()}:{time.time_ns()}"
