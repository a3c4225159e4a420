"""Reading-room search benchmark: build the FTS5 index for generated archives, then time searches.

    python bench/search.py                           # 100,000 and 1,000,000 records
    python bench/search.py --sizes 20000 --queries 50

Each size runs in its own child process, so the peak memory printed is that size's own
maximum resident set size (memory should stay flat as the archive grows). Records are
generated from a Zipf-distributed vocabulary of 30,000 made-up words (topic words rare,
function words common; bodies of 220 words drawn from a pool of paragraphs), 60 sites (each its own
registrable domain), 5 languages, 12 sections, 3,000 authors, three years
of dates; a tenth are second versions of earlier articles. Generation alone is timed
first (the baseline), so the build rate excludes it.

Queries (the same sets for every size, drawn with a fixed seed):
  one-word   a word drawn log-uniformly from vocabulary ranks 30..30,000 (some common, most rare)
  phrase     two consecutive words of a generated body (neither among the 30 commonest), quoted
  filtered   a one-word query plus site, language and a one-year date range
  date-sort  a one-word query sorted newest first
Latencies are in-process calls of the reading room's search (count, facets, ranking, snippets, 20 hits):
wall-clock time, and the CPU time of the process (what a shared machine's contention does
not inflate).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VOCABULARY = 30_000
SYLLABLES = ("ka lo mi ne ru sa te vo di pa ge zu bri sto lan mer tor val dun hel qua fen gor jas "
             "pol rin sel tam cor bel").split()
# Sixty registrable domains (the reading room's `site`), so a site filter picks one site in sixty.
SITES = [f"www.news{i:02d}.example" for i in range(60)]
LANGUAGES = ("en", "en", "en", "es", "de", "fr", "pt")
SECTIONS = ("World", "Politics", "Business", "Culture", "Sport", "Science", "Health", "Opinion", "Local",
            "Technology", "Weather", "Obituaries")
BODY_WORDS = 220  # a short news item; ~1.5 KB of text


def vocabulary() -> list[str]:
    words = []
    for length in (2, 3, 4):
        for combo in itertools.product(SYLLABLES, repeat=length):
            words.append("".join(combo))
            if len(words) == VOCABULARY:
                return words
    return words


WORDS = vocabulary()
RNG_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
AUTHORS = [f"{WORDS[500 + i].title()} {WORDS[5000 + i].title()}" for i in range(3000)]


def text(rng: random.Random, count: int) -> list[str]:
    total = RNG_WEIGHTS[-1]
    return [WORDS[bisect.bisect(RNG_WEIGHTS, rng.random() * total)] for _ in range(count)]


# Records are put together from pools of generated paragraphs and lines (fast: ~10 us a record);
# 5 of 20,000 paragraphs make over 10^21 different bodies.
_POOL_RNG = random.Random(1)
PARAGRAPHS = [" ".join(text(_POOL_RNG, 44)).capitalize() + "." for _ in range(20_000)]
LINES = [" ".join(text(_POOL_RNG, 10)).capitalize() for _ in range(20_000)]


def _pick(n: int, salt: int, size: int) -> int:
    return ((n + 1) * 2654435761 + salt * 40503) % 4294967291 % size


def record(n: int) -> dict:
    article = n if n % 10 else n - 7  # every tenth record is a new version of an earlier article
    site = SITES[article % len(SITES)]
    url = f"https://{site}/{article}/"
    body = "\n\n".join(PARAGRAPHS[_pick(n, i, len(PARAGRAPHS))] for i in range(BODY_WORDS // 44))
    day = 1 + article % (3 * 365)
    year, rest = 2022 + (day - 1) // 365, (day - 1) % 365
    published = f"{year}-{1 + rest // 31 % 12:02d}-{1 + rest % 28:02d}T08:00:00Z"
    return {
        "url": url, "canonical_url": url, "fetched_at": published.replace("T08", "T09"), "status": 200,
        "headline": LINES[_pick(article, 7, len(LINES))], "body": body,
        "captions": [{"text": LINES[_pick(n, 9, len(LINES))], "credit": "Reuters", "image_url": None, "alt": None}],
        "authors": [AUTHORS[article % len(AUTHORS)]], "published": published,
        "language": LANGUAGES[article % len(LANGUAGES)], "section": SECTIONS[article % len(SECTIONS)],
        "site_name": f"The {site.split('.')[1].title()} Daily", "tags": [], "images": [], "translations": [], "provenance": {}, "paywalled": False,
        "truncated": False, "id": f"<urn:uuid:{n:08x}-0000-4000-8000-000000000000>",
        "warc": {"filename": "warc/ARCHIVER-1.warc.gz", "record_id": f"<urn:uuid:{n:08x}>", "offset": n, "length": 9},
        "version": 1 if article == n else 2, "schema_version": "1.0", "extractor_version": "bench",
    }


def queries(count: int) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(20261201)
    one = [WORDS[int(30 * (VOCABULARY / 30) ** rng.random())] for _ in range(count)]
    common = set(WORDS[:30])  # function words: searched as words, not as phrase ends
    phrases = []
    while len(phrases) < count:
        words = [w.strip(".").lower() for w in record(rng.randrange(1000))["body"].split()]
        i = rng.randrange(len(words) - 1)
        if not common & set(words[i:i + 2]):
            phrases.append('"' + " ".join(words[i:i + 2]) + '"')
    filtered = [{"q": w, "site": rng.choice(SITES), "language": "en", "from": str(year), "to": str(year)}
                for w, year in zip(one, itertools.cycle((2022, 2023, 2024)))]
    return {"one-word": [{"q": w} for w in one], "phrase": [{"q": p} for p in phrases], "filtered": filtered,
            "date-sort": [{"q": w, "sort": "date"} for w in one]}


def child(size: int, count: int, folder: Path, reuse: bool = False) -> dict:
    from archiver.reading import search as reader
    from archiver.reading.index import build, connect, index_path
    from archiver.reading.query import parse

    started = time.perf_counter()
    for n in range(size):
        record(n)
    generation = time.perf_counter() - started
    archive = folder / f"archive-{size}"
    path = index_path(archive)
    started, cpu = time.perf_counter(), time.process_time()
    if reuse and path.is_file():  # --keep DIR --reuse: time the searches again on a kept index
        indexed = size
        build_time = build_cpu = float("nan")
    else:
        indexed, _skipped = build(archive, (record(n) for n in range(size)))
        build_time = time.perf_counter() - started - generation
        build_cpu = time.process_time() - cpu - generation
    result = {"size": size, "indexed": indexed, "generation_s": generation, "build_s": build_time,
              "rate": indexed / build_time, "cpu_rate": indexed / build_cpu, "index_bytes": path.stat().st_size, "latency_ms": {}, "hits": {}}
    db = connect(path)
    for kind, params in queries(count).items():
        times, cpu_times, hits = [], [], 0
        for p in params[:3]:  # warm the page cache a little, as a running server would be
            reader.search(db, parse(p))
        for p in params:
            t0, c0 = time.perf_counter(), time.process_time()
            found = reader.search(db, parse(p))
            times.append((time.perf_counter() - t0) * 1000)
            cpu_times.append((time.process_time() - c0) * 1000)
            hits += bool(found.hits)
        times.sort()
        cpu_times.sort()
        result["latency_ms"][kind] = {"p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))],
                                      "max": times[-1], "cpu_p50": statistics.median(cpu_times),
                                      "cpu_p95": cpu_times[int(0.95 * (len(cpu_times) - 1))]}
        result["hits"][kind] = hits / len(params)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=200, help="queries of each kind (default 200)")
    parser.add_argument("--keep", type=Path, help="build the indexes in this folder and keep them")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse an index built there before")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.queries, args.folder, args.reuse)))
        return
    print(f"load average {open('/proc/loadavg').read().split()[:3]} (2 cores shared with other work)")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        folder = str(args.keep or scratch)
        for size in (int(s) for s in args.sizes.split(",")):
            done = subprocess.run([sys.executable, __file__, "--child", str(size), "--queries", str(args.queries),
                                   "--folder", folder, *(["--reuse"] if args.reuse else [])],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"\n{size:,} records: generated in {r['generation_s']:.1f} s (baseline), indexed in "
                  f"{r['build_s']:.1f} s = {r['rate']:,.0f} records/s ({r['cpu_rate']:,.0f} per CPU second); index {r['index_bytes'] / 2**20:,.0f} MiB "
                  f"({r['index_bytes'] / size:,.0f} bytes/record); peak RSS {r['peak_rss_mib']:,.0f} MiB")
            for kind, lat in r["latency_ms"].items():
                print(f"  {kind:<10} p50 {lat['p50']:6.1f} ms  p95 {lat['p95']:6.1f} ms  max {lat['max']:6.1f} ms"
                      f"  | CPU p50 {lat['cpu_p50']:5.1f} ms  p95 {lat['cpu_p95']:5.1f} ms"
                      f"  ({r['hits'][kind]:.0%} with hits)")
    print(f"\nload average {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
