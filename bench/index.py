"""Index benchmark: the time to index a crawl of 1,000 records into archives of 10k, 100k and 1M indexed
records, and pywb's lookup latency after compaction, one run each.

    python bench/index.py                       # 10k, 100k, 1M; lookups against the 1M archive
    python bench/index.py --sizes 10000,100000 --lookups 200

Each archive's existing index is synthetic CDXJ (written fast, compacted into one ZipNum
set, as `archiver cdx compact` leaves it); the crawl is a real 1,000-page WARC file
(tests/synthetic_warcs.py). Timed: `update_index` (what a crawl runs at its end), against
the same crawl merged into one sorted file of the archive's size (the layout before
per-file indexes), as the baseline; each the median of three tries. Lookups: pywb (ARCHIVER_PYWB_VENV, or the cache
environment of `archiver replay --setup`) serves the compacted folder; the CDX API is asked
for random URLs of the archive over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from archiver.warc.cdxj import compact_index, index_dir, index_lines, update_index, warc_index_path  # noqa: E402
from archiver.warc.zipnum import write_set  # noqa: E402

CRAWL_RECORDS = 1000
REPEATS = 3  # the median of three: the machine is shared
RECORDS_PER_WARC = 1000


class Clock:
    """Wall and CPU seconds of a block (CPU time is what load from other work on the machine disturbs least)."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self._wall, time.process_time() - self._cpu

    @staticmethod
    def median(clocks: list[Clock]) -> Clock:
        return sorted(clocks, key=lambda clock: clock.cpu)[len(clocks) // 2]


def synthetic_lines(count: int):
    """``count`` sorted CDXJ lines of made-up captures, 1,000 per WARC file name."""
    for n in range(count):
        host = f"com,example,news{n % 97:02d}"
        yield (f"{host})/{n // 97:08d}/story {20240101000000 + n % 86400} "
               + json.dumps({"url": f"https://news{n % 97:02d}.example.com/{n // 97:08d}/story", "mime": "text/html",
                             "status": "200", "digest": f"sha1:{n:032d}", "length": "4321",
                             "offset": str(5000 * (n % RECORDS_PER_WARC)),
                             "filename": f"OLD-{n // RECORDS_PER_WARC:06d}.warc.gz"}) + "\n")


def build(root: Path, size: int) -> Path:
    """An archive folder whose index holds ``size`` entries, compacted into one ZipNum set."""
    warc_dir = root / f"archive-{size}" / "warc"
    folder = index_dir(warc_dir)
    folder.mkdir(parents=True)
    lines = sorted(synthetic_lines(size))
    warcs = sorted({f"OLD-{n:06d}.warc.gz" for n in range((size + RECORDS_PER_WARC - 1) // RECORDS_PER_WARC)})
    write_set(folder, "archive-synthetic", lines, warcs)
    (warc_dir.parent / "legacy.cdxj").write_text("".join(lines))  # the baseline's single index
    return warc_dir


def old_merge(index: Path, new_lines: list[str]) -> None:
    """The layout before per-file indexes: every crawl merged into one sorted file, rewritten whole."""
    temporary = index.with_name(index.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as out, open(index, encoding="utf-8") as old:
        out.writelines(heapq.merge(old, new_lines))
        out.flush()
        os.fsync(out.fileno())  # as the old update did
    temporary.replace(index)


def lookups(warc_dir: Path, urls: list[str]) -> list[float]:
    from archiver.warc.replay import find_env, free_port, start_pywb, write_config

    env = find_env(install=False)
    with tempfile.TemporaryDirectory(prefix="bench-pywb-") as folder:
        write_config(warc_dir.parent, Path(folder))
        port = free_port()
        process = start_pywb(env, Path(folder), port)
        try:
            base = f"http://127.0.0.1:{port}/archive/cdx?limit=1&output=json&url="
            urllib.request.urlopen(base + urllib.request.quote(urls[0]), timeout=60).read()  # warm up
            times = []
            for url in urls:
                started = time.perf_counter()
                answer = urllib.request.urlopen(base + urllib.request.quote(url, safe=""), timeout=60).read()
                times.append(time.perf_counter() - started)
                assert url.encode() in answer, (url, answer[:200])
            return times
        finally:
            process.terminate()
            process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--lookups", type=int, default=200, help="CDX lookups against the largest archive (0: none)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    from synthetic_warcs import write_archive

    with tempfile.TemporaryDirectory(prefix="bench-index-") as folder:
        root = Path(folder)
        [crawl_warc] = write_archive(root / "crawl", files=1, pages_per_file=CRAWL_RECORDS)
        crawl_lines = index_lines(crawl_warc)
        print(f"a crawl of {len(crawl_lines):,} index records (one WARC file) into archives of existing entries")
        print(f"{'':>10} {'per-file index (new)':^29} {'one merged file (old)':^29}")
        print(f"{'archive':>10} {'wall s':>8} {'CPU s':>7} {'CPU vs 1st':>12} {'wall s':>8} {'CPU s':>7} {'CPU vs 1st':>12}")
        first_new = first_old = None
        warc_dir = None
        for size in sizes:
            warc_dir = build(root, size)
            shutil.copy(crawl_warc, warc_dir / crawl_warc.name)
            news, olds = [], []
            legacy = warc_dir.parent / "legacy.cdxj"
            pristine = legacy.read_bytes()
            for _ in range(REPEATS):
                warc_index_path(warc_dir, crawl_warc.name).unlink(missing_ok=True)
                with Clock() as clock:
                    update = update_index(warc_dir)
                news.append(clock)
                assert update.entries_added == len(crawl_lines)
                legacy.write_bytes(pristine)
                with Clock() as clock:
                    old_merge(legacy, index_lines(warc_dir / crawl_warc.name))
                olds.append(clock)
            legacy.unlink()
            new, old = Clock.median(news), Clock.median(olds)
            first_new, first_old = first_new or new, first_old or old
            print(f"{size:>10,} {new.wall:>8.3f} {new.cpu:>7.3f} {new.cpu / first_new.cpu:>11.2f}x "
                  f"{old.wall:>8.3f} {old.cpu:>7.3f} {old.cpu / first_old.cpu:>11.2f}x", flush=True)
        assert warc_dir is not None
        started = time.perf_counter()
        done = compact_index(warc_dir)
        print(f"\ncompaction of the {sizes[-1]:,}-entry archive plus the crawl: {done.lines:,} entries, "
              f"{done.blocks:,} blocks, {time.perf_counter() - started:.1f} s")
        if args.lookups:
            rng = random.Random(7)
            urls = [f"https://news{n % 97:02d}.example.com/{n // 97:08d}/story"
                    for n in (rng.randrange(sizes[-1]) for _ in range(args.lookups))]
            times = sorted(lookups(warc_dir, urls))
            print(f"pywb CDX lookups after compaction ({len(times)} random URLs, {sizes[-1]:,} entries): "
                  f"median {statistics.median(times) * 1000:.1f} ms, p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
