"""Export benchmark: synthetic archives of 5,000 and 50,000 records, exported in one run.

    python bench/export.py                      # 5,000 and 50,000 records, jsonl and parquet
    python bench/export.py --sizes 5000,50000 --formats jsonl,csv,parquet,hf

Every (size, format) runs in its own child process, so the peak memory printed is that
export's own maximum resident set size. A baseline child per size only reads and parses
every record line (the least any export has to do); the ratio against it is printed.
About a tenth of the records are second versions of earlier articles, so the latest-version
selection has work to do.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = ("harbour council strike minister river valley market festival report court union rail school "
         "flood budget election museum orchestra wildfire bakery port volunteers talks vote season").split()
FILES = 10  # records are spread over this many crawl files


def synthetic_record(n: int, rng: random.Random) -> dict:
    """One record shaped like the crawl's, about 4 KB of JSON."""
    article = n if n % 10 else n - 5  # every tenth record is a second version of an earlier one
    url = f"https://news{article % 7}.example.com/{2020 + article % 5}/0{1 + article % 9}/story-{article}/"
    body = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(8))
    version = 1 if article == n else 2
    return {
        "url": url, "canonical_url": url, "fetched_at": f"2024-0{1 + n % 9}-1{n % 10}T12:{n % 60:02d}:00.000000Z",
        "status": 200, "headline": f"Story {article}: {' '.join(rng.choice(WORDS) for _ in range(8))}",
        "body": body,
        "captions": [{"text": f"Caption {i} of story {article}", "credit": "Reuters" if i else None,
                      "image_url": f"{url}img-{i}.jpg", "alt": None} for i in range(2)],
        "authors": ["Ana Pérez", "John Smith"][: 1 + n % 2], "publisher": "Example News",
        "published": f"{2020 + article % 5}-0{1 + article % 9}-1{article % 10}T08:00:00+01:00", "modified": None,
        "language": ("en", "es", "de")[article % 3], "site_name": "Example News", "section": "World",
        "tags": ["politics", "weather"], "description": "A synthetic story.", "lead_image": f"{url}img-0.jpg",
        "images": [f"{url}img-0.jpg", f"{url}img-1.jpg"], "translations": [{"language": "es", "url": url + "es/"}],
        "paywalled": False, "truncated": False,
        "provenance": {"headline": "jsonld", "body": "dom", "authors": "jsonld", "published": "meta"},
        "warc": {"filename": f"warc/ARCHIVER-2024-{n // 5000:05d}.warc.gz", "record_id": f"<urn:uuid:{n:032x}>",
                 "offset": 1000 * n, "length": 9000},
        "id": f"<urn:uuid:{n:032x}>", "content_sha1": f"{n:040x}", "version": version,
        "previous_version_id": f"<urn:uuid:{article:032x}>" if version > 1 else None,
        "discovered_via": "link", "news_sitemap": None, "schema_version": "1.0", "extractor_version": "0.1.0",
    }


def make_archive(root: Path, count: int) -> Path:
    archive = root / f"archive-{count}"
    (archive / "articles").mkdir(parents=True)
    rng = random.Random(count)
    handles = [open(archive / "articles" / f"2024010{i}T000000Z-{i}.jsonl", "w", encoding="utf-8")
               for i in range(FILES)]
    for n in range(count):
        handles[n * FILES // count].write(json.dumps(synthetic_record(n, rng), ensure_ascii=False) + "\n")
    for handle in handles:
        handle.close()
    return archive


def child(mode: str, archive: str, out: str) -> None:
    started = time.monotonic()
    if mode == "baseline":
        rows = 0
        for path in sorted(Path(archive, "articles").glob("*.jsonl")):
            with open(path, "rb") as lines:
                for line in lines:
                    json.loads(line)
                    rows += 1
    else:
        from archiver.datasets.export import ExportOptions, export

        rows = export(ExportOptions(fmt=mode, out=Path(out), archive=Path(archive))).rows
    print(json.dumps({"rows": rows, "seconds": time.monotonic() - started}))


def run_child(mode: str, archive: Path, out: Path) -> dict:
    process = subprocess.Popen([sys.executable, __file__, "--child", mode, "--archive", str(archive),
                                "--out", str(out)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{mode} export failed")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,50000", help="record counts, comma-separated")
    parser.add_argument("--formats", default="jsonl,parquet", help="export formats, comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--archive", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.archive, args.out)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = ["baseline", *args.formats.split(",")]
    results: dict[tuple[int, str], dict] = {}
    with tempfile.TemporaryDirectory(prefix="archiver-bench-") as tmp:
        for size in sizes:
            archive = make_archive(Path(tmp), size)
            mib = sum(p.stat().st_size for p in (archive / "articles").iterdir()) / 2**20
            print(f"{size:,} synthetic records, {mib:.1f} MiB of JSON Lines in {FILES} files", flush=True)
            for mode in modes:
                out = Path(tmp) / f"out-{size}-{mode}" if mode == "hf" else Path(tmp) / f"out-{size}.{mode}"
                results[size, mode] = run_child(mode, archive, out)
    print()
    print(f"{'records':>8} {'format':<9} {'exported':>8} {'seconds':>8} {'records/s':>10} {'peak MiB':>9} "
          f"{'vs baseline':>11}")
    for (size, mode), r in results.items():
        rate = size / r["seconds"]
        base = size / results[size, "baseline"]["seconds"]
        print(f"{size:>8,} {mode:<9} {r['rows']:>8,} {r['seconds']:>8.2f} {rate:>10,.0f} {r['peak_mib']:>9.1f} "
              f"{rate / base:>10.2f}x")
    small, large = min(sizes), max(sizes)
    print()
    for mode in modes:
        a, b = results[small, mode]["peak_mib"], results[large, mode]["peak_mib"]
        print(f"peak memory {mode:<9} {small:,} -> {large:,} records: {a:.1f} -> {b:.1f} MiB "
              f"({b - a:+.1f} MiB, x{b / a:.2f})")


if __name__ == "__main__":
    main()
