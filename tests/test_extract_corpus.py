"""Per-field accuracy of ``archiver.extract`` over the fixture corpus (tests/fixtures/extract).

The corpus imitates WordPress, Arc/React (JSON-LD only), Drupal, hand-made CMSs, AMP, a live blog,
a gallery and a paywalled teaser, in English, Spanish, German and Japanese, with and without
structured data; ``expected.json`` is written from the stories, never from the extractor.
A field below its floor fails the suite; raise a floor when the extractor gets better.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from archiver.extract import analyze_page

CORPUS = Path(__file__).parent / "fixtures" / "extract"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
# Share of pages on which the field must be exactly right. The issue asks >= 0.95 for headline,
# authors, published, captions and language; these are pinned at what the extractor reaches.
FLOORS = {
    "kind": 1.0, "headline": 1.0, "authors": 1.0, "published": 1.0, "language": 1.0, "captions": 1.0,
    "caption_text_credit": 1.0, "body": 1.0, "paywalled": 1.0, "truncated": 1.0, "section": 1.0, "tags": 1.0,
    "language_provenance": 1.0,
}
REQUIRED = {"headline": 0.95, "authors": 0.95, "published": 0.95, "caption_text_credit": 0.95, "language": 0.95}


def extracted(name: str) -> dict:
    page = analyze_page((CORPUS / "pages" / f"{name}.html").read_bytes(), EXPECTED[name]["url"])
    article = page.article
    return {
        "kind": page.kind, "headline": article.headline, "authors": article.authors, "published": article.published,
        "language": article.language, "captions": [dict(c) for c in article.captions],
        "caption_text_credit": [(c["text"], c["credit"]) for c in article.captions], "body": article.body,
        "paywalled": article.paywalled, "truncated": article.truncated, "section": article.section,
        "tags": article.tags, "language_provenance": article.provenance.get("language"),
    }


def expected_fields(name: str) -> dict:
    fields = {k: v for k, v in EXPECTED[name].items() if k != "url"}
    if "captions" in fields:
        fields["caption_text_credit"] = [(c["text"], c["credit"]) for c in fields["captions"]]
    return fields


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    return {name: extracted(name) for name in EXPECTED}


def test_corpus_covers_the_kinds_of_sites_asked_for():
    names = [n for n, e in EXPECTED.items() if e["kind"] == "article"]
    assert len(names) >= 30
    for family in ("wordpress", "arc", "drupal", "custom", "amp", "live", "gallery", "paywall"):
        assert any(n.startswith(family) for n in names), family
    assert {EXPECTED[n]["language"] for n in names} >= {"en", "es", "de", "ja"}
    assert any(len(EXPECTED[n]["authors"]) >= 3 for n in names)
    assert any(n.endswith("dom-only") for n in names) and any("dom-only" not in n for n in names)
    assert {e["kind"] for e in EXPECTED.values()} == {"article", "listing", "other"}


@pytest.mark.parametrize("field", sorted(FLOORS))
def test_field_accuracy_is_at_least_its_floor(results, field):
    pages = [name for name in EXPECTED if field in expected_fields(name)]
    assert pages, field
    misses = {name: (results[name][field], expected_fields(name)[field]) for name in pages
              if results[name][field] != expected_fields(name)[field]}
    accuracy = 1 - len(misses) / len(pages)
    assert accuracy >= FLOORS[field], f"{field}: {accuracy:.2f} < {FLOORS[field]}; misses (got, want): {misses}"


def test_floors_meet_the_targets():
    assert all(FLOORS[field] >= floor for field, floor in REQUIRED.items())


def test_committed_corpus_is_what_the_generator_writes(tmp_path):
    sys.path.insert(0, str(CORPUS))
    try:
        import corpus
    finally:
        sys.path.remove(str(CORPUS))
    corpus.build(tmp_path)
    assert (tmp_path / "expected.json").read_text(encoding="utf-8") == (CORPUS / "expected.json").read_text(encoding="utf-8")
    for page in (tmp_path / "pages").iterdir():
        assert page.read_bytes() == (CORPUS / "pages" / page.name).read_bytes(), page.name
