"""Every archive-wide command on a one-file archive: 1 worker (the baseline) against 2, and on Dask, one run each.

    python bench/archive_commands.py --scale 3000                  # crawls `archiver demo --scale 3000` first
    python bench/archive_commands.py --archive ARCHIVE             # an archive made before (left unchanged)
    python bench/archive_commands.py --archive ARCHIVE --commands reextract,export,stats --no-dask

A crawl leaves its archive as one WARC file (they rotate at 1 GiB) and one records file;
the commands cut both into tasks (byte ranges, record shards) so every worker gets work.
Each run is the command line in a child process, as a user runs it: "wall" is the whole
command, interpreter start-up included; "job" is the command after its imports (the child
imports what the command uses, then times ``archiver.cli.main``). The outputs of every run
of a command are compared (SHA-256 of the output file, or of what it printed). The Dask
runs use a ``LocalCluster`` of 1 and of 2 worker processes (one thread each), warmed up by
one untimed run so their imports are not counted; each cluster runs only for its own runs
(started before, closed after), so no idle Dask process takes CPU from the local runs. "CPU s" is what the command and its local
worker processes used (not a Dask cluster's): the same for 1 and 2 workers means splitting
costs nothing, and a quiet machine turns it into speed; "own CPU" is the command's process
alone after its imports (planning, merging, writing the output: what no worker shares) and
"workers" its local worker processes', so on N idle cores a job takes about own + workers / N
("CPU bound", against one worker's own + workers, printed per command). `uptime`'s load is
printed: the wall-clock figures mean little on a machine whose cores other work uses.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# bench/distributed.py would shadow Dask's `distributed` package: drop this folder from the path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

# What each command imports before it works (so "job" leaves interpreter and import time out).
IMPORTS = {
    "reextract": ["archiver.datasets.reextract", "archiver.record.build", "scrapy.http"],
    "export": ["archiver.datasets.export", "pyarrow.parquet"],
    "stats": ["archiver.datasets.stats"],
    "verify": ["archiver.warc.verify", "archiver.warc.cdxj"],
    "index": ["archiver.reading.index", "archiver.reading.index_tasks"],
    "cdx": ["archiver.warc.cdxj"],
}
DASK = ("reextract", "export", "stats", "verify", "cdx")  # the commands with --dask


def child(argv: list[str]) -> None:
    """One command, timed after its imports; prints {"seconds": ...} last."""
    import importlib

    for name in IMPORTS.get(argv[0], []):
        importlib.import_module(name)
    from archiver.cli import main

    def cpu(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    started, own, workers = time.monotonic(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    code = main(argv)
    # This process alone (the part no worker shares), and the local worker processes it waited for.
    print(json.dumps({"seconds": time.monotonic() - started, "code": code,
                      "own_cpu": cpu(resource.RUSAGE_SELF) - own, "workers_cpu": cpu(resource.RUSAGE_CHILDREN) - workers}))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


class Runs:
    """The runs of one command: each in a fresh scratch folder, its output hashed."""

    def __init__(self, archive: Path, root: Path) -> None:
        self.archive = archive
        self.root = root
        self.count = 0

    def scratch(self, command: str) -> Path:
        """A folder laid out as an archive over the same files (links), where the command may write."""
        self.count += 1
        folder = self.root / f"{command}-{self.count}"
        (folder / "warc").mkdir(parents=True)
        for path in (self.archive / "warc").glob("*.warc.gz"):
            os.symlink(path.resolve(), folder / "warc" / path.name)
        if command != "cdx":  # cdx update indexes the files anew
            os.symlink((self.archive / "warc" / "indexes").resolve(), folder / "warc" / "indexes")
        os.symlink((self.archive / "articles").resolve(), folder / "articles")
        for name in ("digests.sqlite3",):
            if (self.archive / name).exists():
                os.symlink((self.archive / name).resolve(), folder / name)
        return folder

    def run(self, command: str, how: list[str]) -> dict:
        folder = self.scratch(command)
        out = folder / "out"
        argv = {
            "reextract": ["reextract", "--archive", str(folder), "--out", str(out), "--no-progress"],
            "export": ["export", "--archive", str(folder), "--format", "parquet", "--out", str(out) + ".parquet"],
            "stats": ["stats", "--archive", str(folder), "--json"],
            "verify": ["verify", "--archive", str(folder)],
            "index": ["index", "--archive", str(folder)],
            "cdx": ["cdx", "update", "--archive", str(folder)],
        }[command] + how
        started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, __file__, "--child", *argv], cwd=REPO, capture_output=True,
                              text=True)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and the pool processes it waited for
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        lines = done.stdout.strip().splitlines()
        try:
            result = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-2000:]}") from None
        if result["code"] not in (0, 1) or "Traceback" in done.stderr:
            raise SystemExit(f"{' '.join(argv)} exited {result['code']}:\n{done.stderr[-2000:]}")
        printed = "\n".join(lines[:-1]).replace(str(folder), "ARCHIVE")
        if command == "reextract":
            [made] = out.glob("*.jsonl")
            output = made.read_bytes()
        elif command == "export":
            output = Path(str(out) + ".parquet").read_bytes()
        elif command == "index":
            output = (folder / "state" / "reading.sqlite3").read_bytes()
        elif command == "cdx":
            output = b"".join(p.read_bytes() for p in sorted((folder / "warc" / "indexes").glob("*.cdxj")))
        else:
            output = printed.encode()
        shutil.rmtree(folder)
        return {"wall": wall, "job": result["seconds"], "cpu": cpu, "own": result["own_cpu"],
                "workers": result["workers_cpu"], "sha": digest(output)}


@contextlib.contextmanager
def dask_cluster(size: int) -> Iterator[str]:
    """A ``LocalCluster`` of ``size`` worker processes (one thread each) for the runs inside the block only:
    an idle cluster's scheduler, nannies and workers would take CPU from the runs timed after it."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=size, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=logging.ERROR)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def make_archive(root: Path, scale: int) -> Path:
    archive = root / "demo"
    print(f"crawling `archiver demo --scale {scale}` into {archive} ...", flush=True)
    done = subprocess.run([sys.executable, "-m", "archiver", "demo", "--scale", str(scale), "--archive",
                           str(archive)], cwd=REPO, capture_output=True, text=True)
    if not (archive / "articles").is_dir():
        raise SystemExit(f"the demo crawl failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=3000, help="articles of the demo archive to crawl (default 3000)")
    parser.add_argument("--archive", type=Path, help="use this archive instead of crawling one")
    parser.add_argument("--commands", default="reextract,export,stats,verify,index,cdx")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster runs")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    commands = [c for c in args.commands.split(",") if c]
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as folder:
        root = Path(folder)
        archive = args.archive.resolve() if args.archive else make_archive(root, args.scale)
        warcs = sorted((archive / "warc").glob("*.warc.gz"))
        records = sorted((archive / "articles").glob("*.jsonl*"))
        print(f"archive: {len(warcs)} WARC file(s), {sum(p.stat().st_size for p in warcs) / 2**20:.1f} MiB; "
              f"{len(records)} records file(s), {sum(p.stat().st_size for p in records) / 2**20:.1f} MiB; "
              f"{os.cpu_count()} cores")
        runs = Runs(archive, root)
        print(f"{'command':<10} {'run':<16} {'wall s':>7} {'job s':>7} {'vs 1 (wall)':>11} {'vs 1 (job)':>10} "
              f"{'CPU s':>6} {'own CPU':>7} {'workers':>7} {'output':>17}  load before (1/5/15 min)")
        for command in commands:
            hows: list[tuple[str, list[str] | int]] = [("1 worker", ["--workers", "1"]),
                                                       ("2 workers", ["--workers", "2"])]
            if command in DASK and not args.no_dask:
                hows += [(f"dask, {size} worker{'s' if size > 1 else ''}", size) for size in (1, 2)]
            results = {}
            for name, how in hows:
                if isinstance(how, int):
                    with dask_cluster(how) as address:
                        runs.run(command, ["--dask", address])  # warm-up: worker imports
                        before = load()
                        results[name] = result = runs.run(command, ["--dask", address])
                else:
                    before = load()
                    results[name] = result = runs.run(command, how)
                base = results["1 worker"]
                print(f"{command:<10} {name:<16} {result['wall']:>7.2f} {result['job']:>7.2f} "
                      f"{base['wall'] / result['wall']:>10.2f}x {base['job'] / result['job']:>9.2f}x "
                      f"{result['cpu']:>6.1f} {result['own']:>7.1f} {result['workers']:>7.1f} "
                      f"{result['sha']:>17}  {before}", flush=True)
            same = len({r["sha"] for r in results.values()}) == 1
            line = f"{command:<10} outputs identical: {same}"
            one, two = results["1 worker"], results["2 workers"]
            bound = (one["own"] + one["workers"]) / (two["own"] + two["workers"] / 2)
            line += f"; CPU bound on 2 idle cores, 2 workers vs 1: {bound:.2f}x"
            if "dask, 2 workers" in results:
                one, two = results["dask, 1 worker"], results["dask, 2 workers"]
                line += f"; dask 2 workers vs 1: {one['job'] / two['job']:.2f}x (job)"
            print(line, flush=True)


if __name__ == "__main__":
    main()
