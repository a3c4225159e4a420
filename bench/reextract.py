"""Re-extraction benchmark: pages/s on 1 and 2 local workers and on a 2-worker Dask LocalCluster, for the
same pages in 1, 30 and 300 WARC files, and the peak memory of archives of 10k and 100k pages, one run each.

    python bench/reextract.py                        # 3,000 pages in 1, 30 and 300 files; memory at 10k and 100k
    python bench/reextract.py --pages 3000 --files 1,30,300 --memory 10000,100000

The archives are written straight to WARC files (tests/synthetic_warcs.py: the demo site's
articles under new URLs, without a CDXJ index, so a one-file archive is scanned for where
to cut it); the memory runs use 100 pages per file, and the 100k archive repeats the 10k
one's files under new names. Every run is `archiver reextract` in a child process, as a user runs it;
the Dask cluster is started for its own run and closed after, so its idle processes take no CPU from the
local runs.
Pages/s is over the job's own time as the command reports it (interpreter start-up left
out). Peak memory is the most the process tree (the command and its local workers) held at
once, sampled from /proc every 0.1 s (a Dask run's workers live in the cluster, not in that
tree). `uptime`'s load is printed, since other work on the machine shares its cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/distributed.py would shadow Dask's `distributed` package: drop this folder from the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO / "tests"))

PAGES_PER_FILE = 100


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every process under it."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def run(archive: Path, out: Path, *options: str) -> dict:
    command = [sys.executable, "-m", "archiver", "reextract", "--archive", str(archive), "--out", str(out),
               "--no-progress", *options]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    pages = int(next(line for line in stdout.splitlines() if line.startswith("responses")).split()[1].rstrip(";")
                .replace(",", ""))
    job = float(next(line for line in stdout.splitlines() if line.startswith("time")).split()[1])
    [made] = out.glob("*.jsonl")
    digest = subprocess.run(["sha256sum", str(made)], capture_output=True, text=True).stdout.split()[0]
    shutil.rmtree(out)
    # The rate is over the job's own time (as the command reports it), not the interpreter's start-up.
    return {"pages": pages, "seconds": seconds, "rate": pages / max(job, 1e-9), "peak_mb": peak[0] / 2**20,
            "sha256": digest}


def make_archive(root: Path, pages: int, source: Path | None = None, files: int | None = None) -> Path:
    from synthetic_warcs import write_archive

    files = files or max(1, pages // PAGES_PER_FILE)
    archive = root / f"archive-{pages}-{files}"
    if source is None:
        write_archive(archive, files=files, pages_per_file=max(1, pages // files))
        return archive
    (archive / "warc").mkdir(parents=True)
    originals = sorted((source / "warc").glob("*.warc.gz"))
    for copy in range(pages // (len(originals) * PAGES_PER_FILE)):
        for path in originals:
            os.link(path, archive / "warc" / f"C{copy:03d}-{path.name}")
    return archive


@contextmanager
def dask_cluster(archive: Path, out: Path) -> Iterator[str]:
    """A ``LocalCluster`` of 2 worker processes (one thread each), warmed up by one untimed run (so the
    workers' imports are not timed); yields its scheduler's address, closed after."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        run(archive, out, "--dask", cluster.scheduler_address)
        yield cluster.scheduler_address


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3000, help="pages of the speed runs (default 3000)")
    parser.add_argument("--files", default="1,30,300", help="WARC files the speed runs' pages are in, comma-separated")
    parser.add_argument("--memory", default="10000,100000", help="archive sizes of the memory runs ('' for none)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reextract-") as folder:
        root = Path(folder)
        for files in [int(n) for n in args.files.split(",") if n]:
            archive = make_archive(root, args.pages, files=files)
            warc_mb = sum(p.stat().st_size for p in (archive / "warc").iterdir()) / 2**20
            print(f"\nspeed: {args.pages:,} pages in {files} WARC file(s), {warc_mb:.0f} MB; cores {os.cpu_count()}")
            print(f"{'run':<22} {'pages/s':>9} {'wall s':>8} {'peak MB':>8} {'vs 1':>6}  load before (1/5/15 min)")
            runs = [("1 worker", ["--workers", "1"]), ("2 workers", ["--workers", "2"])]
            if not args.no_dask:
                runs.append(("dask, 2 local workers", ["--dask"]))
            baseline, digests = None, set()
            for name, options in runs:
                # The cluster lives for its own run only: idle Dask workers and nannies take CPU from the others.
                with dask_cluster(archive, root / "out") if options == ["--dask"] else nullcontext() as address:
                    before = load()
                    result = run(archive, root / "out", *(["--dask", address] if address else options))
                baseline = baseline or result["rate"]
                digests.add(result["sha256"])
                print(f"{name:<22} {result['rate']:>9.0f} {result['seconds']:>8.1f} {result['peak_mb']:>8.0f} "
                      f"{result['rate'] / baseline:>5.2f}x  {before}", flush=True)
            print(f"outputs identical: {len(digests) == 1}")
            shutil.rmtree(archive)
        sizes = [int(size) for size in args.memory.split(",") if size]
        if sizes:
            print("\nmemory: --workers 2, peak resident size of the whole process tree")
            print(f"{'pages':>9} {'WARC MB':>8} {'wall s':>8} {'pages/s':>8} {'peak MB':>8}")
            first = None
            for size in sizes:
                made = make_archive(root, size, first)
                first = first or made
                warc_mb = sum(p.stat().st_size for p in (made / "warc").iterdir()) / 2**20
                result = run(made, root / "out", "--workers", "2")
                print(f"{result['pages']:>9,} {warc_mb:>8.0f} {result['seconds']:>8.1f} {result['rate']:>8.0f} "
                      f"{result['peak_mb']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
