"""Full-disk benchmark: the night the disk fills, on a small file system made for it (needs root), one run.

    sudo python bench/full_disk.py --scale 60 --size-kib 1536 --guarded-kib 8192

The demo site (scaled up) is crawled five ways, each into a fresh tmpfs:

- ``baseline``: a roomy file system, the guard on: what a whole crawl records, and its time;
- ``no guard``: the same with the guard off, for the guard's cost (ratio of the two times);
- ``filled``: a file system of --size-kib, the guard off, so every writer meets the full disk
  (the issue's night: a crawl of 60 pages into 1.5 MiB). Exit code, finish reason, records,
  and what ``archiver verify`` finds (damaged stretches, torn lines, records pointing at no
  whole WARC record);
- ``resumed``: the same job after the file system grew: every article once, pages captured twice;
- ``guarded``: a file system of --guarded-kib with the guard's minimum at half of it: the crawl
  stops before any write fails (the reserve must hold what is in flight when it stops: the pages
  being fetched, the SQLite journals, the CDXJ index; the default minimum is 1 GiB).

It also times one free-space check (a ``statvfs`` call).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LOCAL = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
         "--log-level", "WARNING"]


@contextmanager
def tmpfs(size_kib: int):
    folder = Path(tempfile.mkdtemp(prefix="archiver-full-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"bench/full_disk.py: cannot mount a tmpfs ({done.stderr.strip()}): run it as root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)])
        folder.rmdir()


def crawl(url: str, archive: Path, jobdir: Path, *extra: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "archiver", "crawl", url, "--archive", str(archive), "--jobdir",
                           str(jobdir), *LOCAL, *extra], capture_output=True, text=True)
    return done, time.monotonic() - started


def records(archive: Path) -> list[dict]:
    out = []
    for path in sorted((archive / "articles").glob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"url": None})  # a torn line
    return out


def captures(archive: Path) -> collections.Counter[str]:
    from warcio.archiveiterator import ArchiveIterator

    found: collections.Counter[str] = collections.Counter()
    for path in (archive / "warc").glob("*.warc.gz*"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    found[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return found


def verdict(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("archiver crawl:")]
    return lines[-1] if lines else "-"


def finish_reason(done: subprocess.CompletedProcess) -> str:
    return next((line.split()[-1] for line in done.stdout.splitlines() if line.startswith("finish reason")), "-")


def verify_line(archive: Path) -> str:
    from archiver.warc.verify import verify_archive

    report = verify_archive(archive)
    torn = sum("torn record" in fault for fault in report.faults)
    pointers = sum("warc pointer" in fault for fault in report.faults)
    other = len(report.faults) - torn - pointers
    return (f"{report.articles} records, {report.damaged} damaged stretches, {torn} torn lines, {pointers} records "
            f"pointing at no whole WARC record, {other} other faults"
            + (f" ({report.faults[0][:90]}...)" if other else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=60, help="generated articles added to the demo site")
    parser.add_argument("--size-kib", type=int, default=1536, help="the small file system's size")
    parser.add_argument("--guarded-kib", type=int, default=8192, help="the guarded crawl's file system's size")
    args = parser.parse_args()
    from archiver.demo import DemoServer
    from archiver.storage.space import FreeSpace

    roomy = ["-s", "DISKSPACE_MIN_FREE=0", "-s", "DISKSPACE_MIN_FREE_SHARE=0.05"]
    with DemoServer(scale=args.scale) as server:
        url = server.url + "/"
        with tmpfs(256 * 1024) as fs:
            base, base_seconds = crawl(url, fs / "archive", fs / "job", *roomy)
            whole = {r["url"] for r in records(fs / "archive")}
        with tmpfs(256 * 1024) as fs:
            _off, off_seconds = crawl(url, fs / "archive", fs / "job", "-s", "DISKSPACE_ENABLED=False")
        print(f"baseline        exit {base.returncode}, {len(whole)} articles in {base_seconds:.1f} s (guard on); "
              f"{off_seconds:.1f} s with the guard off: guard on / off time {base_seconds / off_seconds:.2f}")

        with tmpfs(args.size_kib) as fs:
            archive = fs / "archive"
            filled, seconds = crawl(url, archive, fs / "job", "-s", "DISKSPACE_ENABLED=False")
            first = records(archive)
            print(f"filled          exit {filled.returncode}, finish reason {finish_reason(filled)}, "
                  f"{sum(r['url'] is not None for r in first)} articles recorded in {seconds:.1f} s, "
                  f"tracebacks {filled.stderr.count('Traceback')}")
            print(f"  last line     {verdict(filled)[:160]}")
            print(f"  verify        {verify_line(archive)}")
            subprocess.run(["mount", "-o", f"remount,size={256 * 1024}k", str(fs)], check=True)
            resumed, seconds = crawl(url, archive, fs / "job", *roomy)
            every = collections.Counter(r["url"] for r in records(archive))
            twice = sum(1 for u, n in captures(archive).items() if n > 1 and u in whole)
            print(f"resumed         exit {resumed.returncode} in {seconds:.1f} s: {len(every)} articles "
                  f"({len(set(every) & whole)} of the baseline's {len(whole)}), "
                  f"{sum(n - 1 for n in every.values())} recorded twice, {twice} article pages captured twice")
            print(f"  verify        {verify_line(archive)}")

        with tmpfs(args.guarded_kib) as fs:
            half = f"{args.guarded_kib // 2}KiB"
            guarded, seconds = crawl(url, fs / "archive", fs / "job", "-s", f"DISKSPACE_MIN_FREE={half}",
                                     "-s", "DISKSPACE_MIN_FREE_SHARE=0", "-s", "DISKSPACE_CHECK_INTERVAL=0.1")
            failed = guarded.stderr.count("No space left") + guarded.stderr.count("disk is full")
            print(f"guarded         exit {guarded.returncode} ({half} minimum), {len(records(fs / 'archive'))} "
                  f"articles in {seconds:.1f} s, {failed} write failures")
            print(f"  verify        {verify_line(fs / 'archive')}")

    checks = 20000
    started = time.perf_counter()
    for _ in range(checks):
        FreeSpace.of(Path("."))
    print(f"one check       {(time.perf_counter() - started) / checks * 1e6:.1f} us (statvfs); "
          "every 5 s and before each new WARC file")


if __name__ == "__main__":
    main()
