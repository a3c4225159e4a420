"""The seed page, fully right twice: as served (JSON-LD and meta tags) and stripped to its DOM."""

from __future__ import annotations

import re

import pytest

from archiver.extract import analyze_page
from conftest import SHARED, site_page

SEED_PATH = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"
BASE = "https://www.example.com"
SEED_URL = BASE + SEED_PATH
SPANISH_URL = BASE + "/es/mundo/2021/09/06/valle-de-panjshir-esta-a-punto-de-caer/"


def seed_lines() -> list[str]:
    path = SHARED / "seed" / "panjshir-article.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dom_only(html: str) -> str:
    """The page without JSON-LD, <meta> (but the charset) and <link rel=canonical|alternate>."""
    html = re.sub(r'<script type="application/ld\+json"[^>]*>.*?</script>', "", html, flags=re.S)
    html = re.sub(r"<meta (?!charset)[^>]*>", "", html)
    return re.sub(r'<link rel="(?:canonical|alternate)"[^>]*>', "", html)


@pytest.fixture(scope="module", params=["structured", "dom-only"])
def seed(request):
    html = site_page(SEED_PATH, BASE).decode("utf-8")
    if request.param == "dom-only":
        html = dom_only(html)
        assert "ld+json" not in html and 'property="og:' not in html and '<meta name="author"' not in html
    return request.param, analyze_page(html, SEED_URL)


def test_seed_is_an_article(seed):
    assert seed[1].kind == "article"


def test_seed_body_is_the_story_and_nothing_else(seed):
    lines = seed_lines()
    start, end = lines.index("[Leer en español]") + 1, lines.index("Leave a Reply") - 1
    expected = [line for line in lines[start:end] if not line.endswith("(EFE)")]
    assert seed[1].article.body.split("\n\n") == expected


def test_seed_fields(seed):
    variant, page = seed
    article, lines = page.article, seed_lines()
    assert article.headline == lines[lines.index("Skip to content") + 1]
    assert article.authors == ["Martín Echeverri Salas"]
    assert article.published == "2021-09-06T10:21:00-04:00"
    assert article.modified == "2021-09-06T18:45:31-04:00"
    assert article.language == "en"
    assert article.section == "World"
    assert article.translations == [{"language": "es", "url": SPANISH_URL}]
    assert [(c["text"] + " (EFE)", c["credit"]) for c in article.captions] == [
        (line, "EFE") for line in lines if line.endswith("(EFE)")]
    assert [c["image_url"] for c in article.captions] == [
        BASE + "/wp-content/uploads/2021/09/zabihullah-mujahid-press-conference-640x360.png",
        BASE + "/wp-content/uploads/2021/09/panjshir-valley-nrf-positions-640x360.png"]
    assert all(c["alt"] for c in article.captions)
    assert not article.paywalled and not article.truncated


def test_seed_provenance_names_the_source(seed):
    variant, page = seed
    provenance = page.article.provenance
    if variant == "structured":
        assert provenance["headline"] == provenance["authors"] == provenance["published"] == "jsonld"
        assert page.article.site_name == "The Meridian Post" and provenance["site_name"] == "meta"
    else:
        assert {provenance[f] for f in ("headline", "authors", "published", "body", "captions", "section")} == {"dom"}
        assert provenance["language"] == "dom"  # <html lang="en-US">
