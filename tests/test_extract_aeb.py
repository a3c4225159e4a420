"""Body quality floor and page kind on the public article-extraction benchmark (../shared/bench/aeb).

Scored with ../shared/tools/extract_eval.py's own functions, so the figure is the one
``bench/extract.py`` and ``extract_eval.py`` print. Quality only: speed is measured in bench/.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from archiver.extract import analyze_page
from conftest import IN_CI, SHARED, shared_tool

# The floor under the fitted body-container weights (0.975 held out by site in bench/crossval.py, 0.977
# with the weights fitted on every page); the hand-set climb they replaced gave 0.978 here and 0.929 on
# today's pages (modern-dev), where the fitted weights give 0.947.
MIN_F1 = 0.970
MAX_EMPTY = 2
# Every AEB page is an article from a site the extractor has never seen: the page-kind decision
# (which makes the pipeline drop non-articles) must keep nearly all of them.
MIN_ARTICLE_SHARE = 0.98


@pytest.fixture(scope="module")
def scored():
    path = shared_tool("extract_eval.py")
    dataset = SHARED / "bench" / "aeb"
    if not (dataset / "ground-truth.json").exists():
        if IN_CI:
            pytest.fail(f"{dataset} is missing")
        pytest.skip(f"{dataset} not found")
    spec = importlib.util.spec_from_file_location("extract_eval", path)
    scorer = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("extract_eval", scorer)
    spec.loader.exec_module(scorer)
    pages = scorer.load_dataset(dataset, "articleBody")
    analyses = [analyze_page(page.html(), page.url) for page in pages]
    scores = [scorer.score_page(page.truth, a.article.body) for page, a in zip(pages, analyses)]
    return scorer.aggregate(scores), analyses


def test_body_f1_is_at_least_the_floor(scored):
    figures, _ = scored
    assert figures["f1"] >= MIN_F1, figures


def test_almost_no_page_comes_out_empty(scored):
    _, analyses = scored
    assert sum(1 for a in analyses if not a.article.body.strip()) <= MAX_EMPTY


def test_unseen_articles_are_judged_articles(scored):
    _, analyses = scored
    kinds = [a.kind for a in analyses]
    assert kinds.count("article") >= MIN_ARTICLE_SHARE * len(kinds), [
        (a.article.url, a.kind) for a in analyses if a.kind != "article"]
