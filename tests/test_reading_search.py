"""The reading room's search on an index of its own (no server): counts, facets and pages past the matches a
search reads at once, the order of each sort, and addresses made clean."""

from __future__ import annotations

import pytest

from archiver.reading import search as reader
from archiver.reading.index import build, connect, index_path
from archiver.reading.query import SearchLinks, clean_params, parse


def record(n: int) -> dict:
    site = ("alpha.example", "beta.example")[n % 2]
    return {"url": f"https://www.{site}/{n}/", "id": f"<urn:uuid:{n:08x}-0000-4000-8000-000000000000>",
            "headline": f"Harbour story {n}", "body": f"The harbour council met on day {n}. " + "Ferry " * (n % 4),
            "published": f"20{20 + n % 4}-03-{1 + n % 28:02d}", "fetched_at": "2026-01-01T00:00:00Z",
            "language": ("en", "en", "es")[n % 3], "section": ("World", "Business")[n % 2],
            "site_name": {"alpha.example": "The Alpha Times", "beta.example": "Beta Daily"}[site],
            "authors": [("Ana Ruiz", "Tom Hale")[n % 2]], "captions": [], "version": 1}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    archive = tmp_path_factory.mktemp("search") / "archive"
    assert build(archive, [record(n) for n in range(40)]) == (40, 0)
    connection = connect(index_path(archive))
    yield connection
    connection.close()


def test_counts_and_facets_are_exact_below_the_window_and_said_to_be_among_the_newest_above(db, monkeypatch):
    found = reader.search(db, parse({"q": "harbour"}))
    assert found.total == 40 and not found.facets.capped
    groups = found.facets.groups
    assert {v.label: v.count for v in groups["site"]} == {"The Alpha Times": 20, "Beta Daily": 20}
    assert {v.label: v.count for v in groups["language"]} == {"English": 27, "Spanish": 13}
    assert sum(v.count for v in groups["year"]) == 40 and [v.value for v in groups["year"]] == ["2023", "2022",
                                                                                                   "2021", "2020"]
    monkeypatch.setattr(reader, "WINDOW", 15)
    capped = reader.search(db, parse({"q": "harbour"}))
    assert capped.total is None and capped.facets.capped and sum(v.count for v in capped.facets.groups["site"]) == 15
    assert any("newest 15 are ranked" in note for note in capped.query.notes)


def test_newest_first_pages_go_on_past_the_window(db, monkeypatch):
    monkeypatch.setattr(reader, "WINDOW", 15)
    seen = []
    for page in range(1, 6):
        found = reader.search(db, parse({"q": "harbour", "sort": "date", "per_page": "10", "page": str(page)}))
        seen += [hit.day for hit in found.hits]
        if not found.has_more:
            break
    assert len(seen) == 40 and seen == sorted(seen, reverse=True)


def test_filters_narrow_to_the_facet_counts(db):
    found = reader.search(db, parse({"q": "harbour"}))
    for value in found.facets.groups["site"] + found.facets.groups["language"] + found.facets.groups["author"]:
        group = next(name for name, values in found.facets.groups.items() if value in values)
        narrowed = reader.search(db, parse({"q": "harbour", group: value.value, "per_page": "100"}))
        assert narrowed.total == len(narrowed.hits) == value.count, (group, value)


def test_clean_addresses_leave_out_empty_fields_defaults_and_repeats():
    assert clean_params([("q", "harbour"), ("site", ""), ("sort", "relevance"), ("versions", "latest"),
                         ("page", "1"), ("from", " "), ("q", "again")]) == [("q", "harbour")]
    assert clean_params([("q", ""), ("sort", "relevance"), ("language", "es")]) == [("language", "es")]
    assert clean_params([("q", "harbour"), ("sort", "date")]) == [("q", "harbour"), ("sort", "date")]
    links = SearchLinks([("q", "harbour"), ("site", "alpha.example"), ("page", "3")])
    assert links.set(site=None) == "/?q=harbour" and links.page(1) == "/?q=harbour&site=alpha.example"
    assert links.year("2022") == "/?q=harbour&site=alpha.example&from=2022&to=2022"


def test_a_typed_word_never_matches_a_filter_token(db):
    assert parse({"q": "lang_es"}).match == '"lang es"'
    assert reader.search(db, parse({"q": "site_alpha_example"})).total == 0


def test_a_phrase_alone_ranks_headline_matches_first_then_the_newest(tmp_path):
    archive = tmp_path / "archive"
    records = [record(n) for n in range(10)]
    records[2]["headline"] = "Harbour Council approves the ferry budget"  # older than most, but in its headline
    records[7]["headline"] = "Harbour council: what the vote means"
    build(archive, records)
    db = connect(index_path(archive))
    try:
        found = reader.search(db, parse({"q": '"harbour council"'}))
        assert found.total == 10 and found.query.sort == "relevance"
        headlines = [hit.headline for hit in found.hits]
        assert set(headlines[:2]) == {records[2]["headline"], records[7]["headline"]}
        days = [hit.day for hit in found.hits]
        assert days[:2] == sorted(days[:2], reverse=True) and days[2:] == sorted(days[2:], reverse=True)
        words = reader.search(db, parse({"q": "harbour council"}))  # words, not a phrase: bm25
        assert words.total == 10 and words.hits[0].headline in {records[2]["headline"], records[7]["headline"]}
    finally:
        db.close()
