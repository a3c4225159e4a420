"""Body quality floor on the public article-extraction benchmark (../shared/bench/aeb).

Scored with ../shared/tools/extract_eval.py's own functions, so the figure is the one
``bench/extract.py`` and ``extract_eval.py`` print. Quality only: speed is measured in bench/.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from archiver.extract import article_body
from conftest import IN_CI, SHARED, shared_tool

MIN_F1 = 0.975
MAX_EMPTY = 2


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
    outputs = [article_body(page.html(), page.url) for page in pages]
    scores = [scorer.score_page(page.truth, text) for page, text in zip(pages, outputs)]
    return scorer.aggregate(scores), outputs


def test_body_f1_is_at_least_the_floor(scored):
    figures, _ = scored
    assert figures["f1"] >= MIN_F1, figures


def test_almost_no_page_comes_out_empty(scored):
    _, outputs = scored
    assert sum(1 for text in outputs if not text.strip()) <= MAX_EMPTY
