"""Fit extraction's weights on some sites, score them on the others: the held-out figures.

    pip install '.[bench]' scikit-learn     # the fitting; never imported by archiver
    python bench/crossval.py                # held-out figures per set, 5 folds by site
    python bench/crossval.py --write        # then fit on every page and write archiver/extract/weights.json

Pages of ``bench/corpora.py`` (aeb, l3s-dev, modern-dev, the listings set) are split into folds by
site (registrable domain): no site is in the part fitted on and the part scored. Every page is
extracted once with ``analyze_page(..., trace=...)``, which hands out each decision's candidates and
feature values; each model is a logistic regression over those features (scikit-learn), and the
page's figures come from the weights fitted on the other folds. ``--write`` stores the weights
fitted on all pages, with what they were fitted on, for ``archiver.extract.model``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import corpora  # noqa: E402
import decisions  # noqa: E402

WEIGHTS = BENCH.parent / "archiver" / "extract" / "weights.json"


def fold_of(site: str, folds: int) -> int:
    return int(hashlib.sha1(site.encode()).hexdigest(), 16) % folds


def traces(pages, cache: Path | None):
    """(trace, article) per page, from one extraction each; cached by the extractor's source."""
    from archiver.extract import analyze_page

    extract = BENCH.parent / "archiver" / "extract"
    source = hashlib.sha1(b"".join(p.read_bytes() for p in sorted([*extract.glob("*.py"), *extract.glob("*.json")])))
    key = source.hexdigest()[:12] + "-" + hashlib.sha1("|".join(f"{p.set}/{p.id}" for p in pages).encode()).hexdigest()[:8]
    if cache is not None:
        path = cache / f"traces-{key}.pickle"
        if path.exists():
            return pickle.loads(path.read_bytes())
    out = []
    started = time.perf_counter()
    for n, page in enumerate(pages, 1):
        trace: dict = {}
        analysis = analyze_page(page.html, page.url, trace=trace)
        out.append((trace, analysis))
        if n % 200 == 0:
            print(f"  extracted {n}/{len(pages)} pages ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(corpora.SETS), choices=corpora.SETS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=list(decisions.MODELS), choices=list(decisions.MODELS))
    parser.add_argument("--cache", type=Path, default=BENCH / ".cache", help="extraction traces (none: --no-cache)")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--write", action="store_true", help="fit on all pages and write archiver/extract/weights.json")
    parser.add_argument("--misses", type=int, default=0, help="list this many held-out misses per figure")
    args = parser.parse_args()

    pages = corpora.load_all(args.sets)
    print(f"{len(pages)} pages from {len({p.site for p in pages})} sites; {args.folds} folds by site", flush=True)
    extracted = traces(pages, None if args.no_cache else args.cache)
    folds = [fold_of(page.site, args.folds) for page in pages]
    held_out: dict[str, list] = {}
    for name in args.models:
        decision = decisions.MODELS[name]
        predictions = [None] * len(pages)
        for fold in range(args.folds):
            train = [i for i in range(len(pages)) if folds[i] != fold]
            test = [i for i in range(len(pages)) if folds[i] == fold]
            model = decision.fit([pages[i] for i in train], [extracted[i] for i in train])
            for i in test:
                predictions[i] = decision.predict(model, pages[i], extracted[i])
        held_out[name] = predictions
    decisions.report(pages, extracted, held_out, args.misses)
    if args.write:
        models = {}
        for name in args.models:
            decision = decisions.MODELS[name]
            models.update(decision.export(decision.fit(pages, extracted)))
        current = json.loads(WEIGHTS.read_text()) if WEIGHTS.exists() else {"models": {}}
        current["models"].update(models)
        current.update({"format": 1, "version": date.today().isoformat(),
                        "fitted": {"by": "bench/crossval.py --write", "sets": args.sets, "pages": len(pages),
                                   "sites": len({p.site for p in pages}),
                                   "counts": dict(Counter(f"{p.set}:{p.kind}" for p in pages))}})
        WEIGHTS.write_text(json.dumps(current, indent=1, sort_keys=False) + "\n")
        print(f"wrote {WEIGHTS.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
