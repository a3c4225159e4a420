"""Extraction benchmark: archiver against trafilatura on the AEB article-body set, in one run.

    pip install '.[bench]'            # trafilatura, for this script only
    python bench/extract.py           # data from ../shared/bench/aeb, scorer ../shared/tools/extract_eval.py

Quality is scored with extract_eval.py's rules (word 4-grams; see the data set's README).
archiver is timed on the whole record (``extract_article``: body, captions, authors, dates,
language, ...); trafilatura twice: its default ``extract()`` (body only, as in the published AEB
run) and ``extract(with_metadata=True)`` (body and metadata, like our record). All run in this one
process, pinned to one CPU, page by page in rotating order, so that each sees the same machine
load; one untimed warm-up call each comes first (and archiver's language model is loaded
before the clock starts: a one-time cost per process, half a second).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVER_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO))


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("extract_eval", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["extract_eval"] = module
    spec.loader.exec_module(module)
    return module


def extractors() -> dict:
    from archiver.extract import extract_article

    found = {"archiver": lambda html, url: extract_article(html, url).body}
    try:
        import trafilatura
    except ImportError:
        print("trafilatura is not installed (pip install '.[bench]'): archiver only", file=sys.stderr)
    else:
        found["trafilatura"] = lambda html, url: trafilatura.extract(html, include_comments=False) or ""
        # The same body, with trafilatura's metadata (title, author, date, ...): a record like ours.
        found["traf+meta"] = lambda html, url: trafilatura.extract(
            html, include_comments=False, with_metadata=True, output_format="json") or ""
    return found


def run(dataset: Path, scorer, limit: int | None) -> dict[str, dict]:
    pages = scorer.load_dataset(dataset, "articleBody", limit=limit)
    htmls = [page.html() for page in pages]
    runs = extractors()
    for extract in runs.values():
        extract(htmls[0], pages[0].url)  # warm-up: imports, lazy data
    # archiver loads its language model (0.5 s, once per process) on the first page that does not
    # declare its language; load it here, untimed, like trafilatura's imports.
    from archiver.extract.language import load_model

    load_model()
    outputs: dict[str, list[str]] = {name: [] for name in runs}
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for index, (page, html) in enumerate(zip(pages, htmls)):
        rotation = index % len(names)
        for name in names[rotation:] + names[:rotation]:
            started = time.perf_counter()
            text = runs[name](html, page.url)
            times[name].append(time.perf_counter() - started)
            outputs[name].append(text or "")
    results = {}
    for name in names:
        texts = [json.loads(text).get("text") or "" if name == "traf+meta" and text else text for text in outputs[name]]
        scores = [scorer.score_page(page.truth, text) for page, text in zip(pages, texts)]
        figures = scorer.aggregate(scores)
        ms = sorted(t * 1000 for t in times[name])
        figures.update(empty=sum(1 for text in texts if not text.strip()), median_ms=statistics.median(ms),
                       p95_ms=ms[int(0.95 * (len(ms) - 1))], pages_per_s=len(ms) / sum(times[name]))
        results[name] = figures
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=SHARED / "bench" / "aeb")
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "extract_eval.py")
    parser.add_argument("--limit", type=int, help="first N pages only")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    results = run(args.dataset, load_scorer(args.scorer), args.limit)
    print(f"{args.dataset.name}: {sum(1 for _ in (args.dataset / 'html').iterdir()) if not args.limit else args.limit} pages")
    print(f"{'extractor':<12} {'F1':>6} {'prec':>6} {'recall':>6} {'empty':>5} {'med ms':>7} {'p95 ms':>7} {'pages/s':>8}")
    for name, r in results.items():
        print(f"{name:<12} {r['f1']:6.3f} {r['precision']:6.3f} {r['recall']:6.3f} {r['empty']:5d} "
              f"{r['median_ms']:7.1f} {r['p95_ms']:7.1f} {r['pages_per_s']:8.1f}")
    if "trafilatura" in results:
        ours = results["archiver"]["pages_per_s"]
        print(f"archiver pages/s: {ours / results['trafilatura']['pages_per_s']:.1f}x trafilatura's body-only extract(), "
              f"{ours / results['traf+meta']['pages_per_s']:.1f}x trafilatura with metadata "
              "(archiver always makes the whole record)")


if __name__ == "__main__":
    main()
