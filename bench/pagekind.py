"""Page kind, headline and body on real article sets: l3s-dev, aeb, and aeb with its metadata stripped.

    python bench/pagekind.py                     # all three sets from ../shared/bench
    python bench/pagekind.py --sets l3s-dev --misses 20
    python bench/pagekind.py --sets listings      # listing pages called articles (at most 2% asked)

Every page of these sets is an article, so "articles" is the share the page-kind decision keeps
(the crawl writes no record for the rest). Headline exact match follows l3s-dev's README: the
extracted headline has exactly the labelled headline's words (extract_eval.py's ``\\w+`` tokens),
scored on pages that have a labelled headline and a ``<title>``; a second line scores the labels of
one line only (about 1 in 6 labels add a kicker or a deck line to the headline; a record's headline
holds a deck only when no metadata names the headline). Body F1 is extract_eval.py's.
"aeb-stripped" is aeb with every metadata signal removed (``bench/strip_metadata.py``): it shows
what page kind does on a page that says nothing about itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ARCHIVER_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from extract import load_scorer  # noqa: E402  (bench/extract.py)
from strip_metadata import strip_metadata  # noqa: E402

SETS = {"l3s-dev": ("l3s-dev", False), "aeb": ("aeb", False), "aeb-stripped": ("aeb", True)}


def measure(name: str, scorer, misses: int, headline_misses: int = 0) -> None:
    from archiver.extract import analyze_page

    folder, stripped = SETS[name]
    root = SHARED / "bench" / folder
    import json

    truth = json.loads((root / "ground-truth.json").read_text())
    pages = scorer.load_dataset(root, "articleBody")
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    scores, times, headline_hits, headline_pages, empty_headlines, missed = [], [], 0, 0, 0, []
    one_line_hits = one_line_pages = 0  # labels of one line: a headline without a kicker or deck
    wrong_headlines = []
    for page in pages:
        html = page.html()
        if stripped:
            html = strip_metadata(html)
        started = time.perf_counter()
        analysis = analyze_page(html, page.url)
        times.append(time.perf_counter() - started)
        kinds[analysis.kind] += 1
        reasons[f"{analysis.kind}: {analysis.reason}"] += 1
        if analysis.kind != "article":
            missed.append((page.id, analysis.kind, analysis.reason, page.url))
        scores.append(scorer.score_page(page.truth, analysis.article.body))
        record = truth[page.id]
        has_title = record.get("titleTagInHtml", "<title" in html[:20000].lower())
        labelled = record.get("headline")
        if labelled and has_title:
            headline_pages += 1
            got = analysis.article.headline or ""
            hit = scorer.words(got) == scorer.words(labelled)
            headline_hits += hit
            if not hit:
                wrong_headlines.append((page.id, labelled, got))
            if "\n" not in labelled.strip():
                one_line_pages += 1
                one_line_hits += hit
        if has_title and not (analysis.article.headline or "").strip():
            empty_headlines += 1
    figures = scorer.aggregate(scores)
    share = kinds["article"] / len(pages)
    print(f"{name}: {len(pages)} pages")
    print(f"  articles        {kinds['article']}/{len(pages)} = {share:.3f}  ({dict(kinds)})")
    if headline_pages:
        print(f"  headline exact  {headline_hits}/{headline_pages} = {headline_hits / headline_pages:.3f}"
              f"  (pages with a labelled headline and a <title>)")
        print(f"  ... one line    {one_line_hits}/{one_line_pages} = {one_line_hits / one_line_pages:.3f}"
              f"  (labels of one line; {headline_pages - one_line_pages} labels add a kicker or deck line)")
    print(f"  empty headline  {empty_headlines} (pages with a <title>)")
    print(f"  body F1         {figures['f1']:.3f} (precision {figures['precision']:.3f}, recall {figures['recall']:.3f})")
    print(f"  median ms/page  {statistics.median(times) * 1000:.1f}")
    print("  reasons         " + "; ".join(f"{k} {v}" for k, v in reasons.most_common()))
    for page_id, kind, reason, url in missed[:misses]:
        print(f"    not an article: {page_id} {kind} ({reason}) {url}")
    for page_id, labelled, got in wrong_headlines[:headline_misses]:
        print(f"    headline: {page_id}\n      label {' / '.join(labelled.split(chr(10)))!r}\n      got   {got.replace(chr(10), ' / ')!r}")


def measure_listings() -> None:
    """Listing pages called articles: the page-kind tests' listings (written for them, no corpus page)
    and the demo site's home, section, tag and author pages, as served and stripped of metadata."""
    sys.path.insert(0, str(REPO / "tests"))
    from pagekind_pages import listing_pages

    from archiver.demo import SITE_DIR, load_expected
    from archiver.extract import analyze_page

    base = "http://127.0.0.1:8000"
    pages = [(name, url, html) for name, url, html in listing_pages()]
    for path in load_expected()["not_articles"]:
        if path in ("/about/", "/contact/"):
            continue  # not listings
        html = (SITE_DIR / path.strip("/") / "index.html").read_text(encoding="utf-8").replace("__SITE__", base)
        pages += [(path, base + path, html), (path + " stripped", base + path, strip_metadata(html))]
    as_articles = [name for name, url, html in pages if analyze_page(html, url).kind == "article"]
    print(f"listings: {len(pages)} pages (teaser lists, archives, fronts, live-blog indexes, category pages, "
          f"table fronts; the demo's listings with and without metadata)")
    print(f"  called articles {len(as_articles)}/{len(pages)} = {len(as_articles) / len(pages):.3f}"
          + (f"  ({', '.join(as_articles[:10])})" if as_articles else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=[*SETS, "listings"], default=[*SETS, "listings"])
    parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "extract_eval.py")
    parser.add_argument("--misses", type=int, default=0, help="list this many pages not called articles")
    parser.add_argument("--headline-misses", type=int, default=0,
                        help="list this many pages whose headline differs from the label")
    args = parser.parse_args()
    scorer = load_scorer(args.scorer)
    for name in args.sets:
        if name == "listings":
            measure_listings()
        else:
            measure(name, scorer, args.misses, args.headline_misses)


if __name__ == "__main__":
    main()
