"""``archiver.extract`` never raises and stays bounded: random bytes, mutated real pages, hostile pages.

Hypothesis drives the fuzzing; ``analyze_page`` logs a warning and returns an empty record if
anything inside it raised, so the tests also fail on that warning.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.extract import analyze_page, extract_article
from archiver.extract.furniture import _alternation
from archiver.extract.parse import decode_html, sniff_encoding
from archiver.record.items import Article

PAGES = sorted((Path(__file__).parent / "fixtures" / "extract" / "pages").glob("*.html"))
URL = "https://news.example.com/2024/05/01/a-story-about-something/"
# No example database: the tests write nothing into the checkout.
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


@pytest.fixture(autouse=True)
def no_swallowed_errors(caplog):
    caplog.set_level(logging.WARNING, logger="archiver.extract")
    yield
    assert not [r for r in caplog.records if r.name == "archiver.extract"], "an extractor raised inside"


def assert_valid(article: Article) -> None:
    assert isinstance(article.body, str) and isinstance(article.authors, list) and isinstance(article.captions, list)
    assert all(isinstance(name, str) and name for name in article.authors)
    assert set(article.provenance.values()) <= {"jsonld", "meta", "dom", "url", "detected", "http"}
    json.dumps(article.__dict__, ensure_ascii=False)


@FUZZ
@given(data=st.binary(max_size=4096), encoding=st.one_of(st.none(), st.sampled_from(
    ["utf-8", "latin-1", "utf-16", "shift_jis", "hex", "rot13", "undefined", "no-such-codec", "\x00", ""])))
def test_random_bytes_never_raise(data, encoding):
    assert_valid(extract_article(data, URL, encoding=encoding))


MARKUP_PIECES = list("<>/=\"' abcdpiv\n&#;:{}[]@\x00") + [
    "<p>", "</div>", "<script>", '<script type="application/ld+json">', "<figure>", "<figcaption>", "<img src=",
    "<time datetime=", "&amp;", '{"@type": "NewsArticle", "author": ', "<html lang=", "<meta charset=", "By "]


@FUZZ
@given(pieces=st.lists(st.sampled_from(MARKUP_PIECES), max_size=200))
def test_random_markup_never_raises(pieces):
    assert_valid(analyze_page("".join(pieces), URL).article)


@FUZZ
@given(page=st.sampled_from(PAGES), cuts=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), max_size=6),
       insert=st.binary(max_size=64))
def test_mutated_real_pages_never_raise(page, cuts, insert):
    data = bytearray(page.read_bytes())
    for start, length in cuts:  # delete slices, cutting tags, JSON-LD and multi-byte characters in half
        a = int(start * len(data))
        del data[a:a + int(length * 200)]
    position = len(data) // 2
    data[position:position] = insert
    assert_valid(extract_article(bytes(data), URL))


@pytest.mark.parametrize("page", PAGES[:8], ids=lambda p: p.stem)
def test_truncated_downloads_never_raise(page):
    data = page.read_bytes()
    for end in range(0, len(data), max(1, len(data) // 25)):
        assert_valid(extract_article(data[:end], URL))


@pytest.mark.parametrize("start", ['<html xmogo.jpg" alt="Logo" width="145" border="0" />', "<html/>",
                                   '<html lang="en"><head/><body class="story"/>'])
def test_a_page_whose_opening_tag_was_cut_into_a_self_closed_one_keeps_its_story(start):
    # A saved copy that lost the start of the file: "<html xm" + "ogo.jpg" ... />" closed the document.
    story = "".join(f"<p>Paragraph {i}: Secretary of State Condoleezza Rice congratulated Iraq's leader on Tuesday "
                    "for progress toward national reconciliation, officials said.</p>" for i in range(8))
    html = f"<!DOCTYPE html>\n{start}</a></td><table><tr><td>{story}</td></tr></table></body></html>"
    analysis = analyze_page(html, URL)
    assert "Condoleezza Rice congratulated" in analysis.article.body
    assert analysis.kind == "article"


def test_a_head_script_whose_start_tag_was_cut_does_not_swallow_the_story():
    # A saved copy pasted together mid-token: a script's src quote is never closed, and the parser
    # reads the rest of the head and the whole story as script code, up to the next </script>.
    story = "".join(f"<p>Paragraph {i}: Secretary of State Condoleezza Rice congratulated Iraq's leader on Tuesday "
                    "for progress toward national reconciliation, officials said.</p>" for i in range(8))
    html = ("<html><head><title>Rice praises Iraq's leader</title>\n"
            "<script type=\"text/javascript\" src=\"/te.backgroundColor='yellow';\n  o2.style.color='black';\n}\n"
            "//-->\n</script>\n<SCRIPT language=JAVASCRIPT>\nvar tabs = [\"tab1\",\"tab2\"];\n"
            "function showTab(tab) { return tabs; }\n</SCRIPT>\n<link href=\"/site.css\" rel=\"stylesheet\">\n"
            f"</head>\n<body><table><tr><td><span class='headline'>Rice praises Iraq's leader</span>{story}"
            "<script language='JavaScript'>google_ad_client = 'ca-site';</script></td></tr></table>"
            "<div class='footer'>Site best viewed in 1024x768 resolution</div></body></html>")
    analysis = analyze_page(html, URL)
    assert "Paragraph 7: Secretary of State Condoleezza Rice" in analysis.article.body
    assert analysis.kind == "article"
    assert analysis.article.headline == "Rice praises Iraq's leader"


def test_a_story_printed_after_an_early_end_of_the_document_is_read_as_browsers_read_it():
    # A theme that closes </body></html> after its header and prints the post after them: browsers
    # show the post (HTML5 ignores those end tags), libxml2 alone would drop it.
    header = "".join(f'<li class="nav-item"><a href="/{name}/">{name.title()}</a></li>'
                     for name in ("services", "industries", "resources", "careers", "contact-us"))
    story = "".join(f"<p>Paragraph {i}: outsourcing payroll lets a small company spend its time on its own "
                    "customers, with fewer filing mistakes and a team that knows the rules.</p>" for i in range(8))
    html = ("<!DOCTYPE html><html lang='en'><head><title>6 Types of HR Outsourcing | Escalon</title></head>"
            f"<body><header><nav><ul>{header}</ul></nav></header>\n</body>\n</html>\n"
            f"<div class='blog-detail-page'><section><h1>6 Types of HR Outsourcing</h1>{story}</section></div>"
            "<footer>Copyright 2025</footer>")
    analysis = analyze_page(html, "https://escalon.example/blog/hr/6-types-of-hr-outsourcing")
    assert analysis.kind == "article"
    assert "Paragraph 7: outsourcing payroll" in analysis.article.body
    assert "Careers" not in analysis.article.body


MALFORMED_JSONLD = {
    "author": 42, "headline": ["", None], "datePublished": {"no": "date"}, "inLanguage": 7, "keywords": {"a": 1},
    "image": [[]], "publisher": "just a string", "articleBody": {"html": True}, "isAccessibleForFree": "maybe",
    "articleSection": [None],
}


@pytest.mark.parametrize("field", sorted(MALFORMED_JSONLD))
def test_a_malformed_jsonld_field_is_ignored_alone(field):
    good = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Ferry Service Resumes After Storm",
            "datePublished": "2024-05-01T08:00:00+02:00", "author": {"@type": "Person", "name": "Ana Ruiz"},
            "inLanguage": "en", "articleSection": "Local"}
    data = {**good, field: MALFORMED_JSONLD[field]}
    html = (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head><body>'
            "<h1>Ferry Service Resumes After Storm</h1><p>The ferry to the islands ran again on Wednesday, "
            "after three days in port, the operator said, with extra sailings planned.</p></body></html>")
    article = extract_article(html, URL)
    expected = {"headline": "Ferry Service Resumes After Storm", "published": "2024-05-01T08:00:00+02:00",
                "authors": ["Ana Ruiz"], "language": "en", "section": "Local"}
    mapped = {"author": "authors", "datePublished": "published", "inLanguage": "language",
              "articleSection": "section"}.get(field)
    for name, value in expected.items():
        if name != mapped:
            assert getattr(article, name) == value, name


def test_broken_jsonld_block_does_not_hide_the_next_one():
    html = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
            '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Second block wins"}</script>'
            "</head><body></body></html>")
    assert extract_article(html, URL).headline == "Second block wins"


@pytest.mark.parametrize("html", [
    "<html><body>" + "<div>" * 20000 + "<p>deep</p>" + "</div>" * 20000 + "</body></html>",
    "<html><body><p>" + "<b><i>" * 20000 + "unclosed",
    '<html><head><script type="application/ld+json">{"author": ' + "[" * 50000 + "]" * 50000 + "}</script></head></html>",
    "<html><body><table>" + "<tr>" + "<td>a cell, with text</td>" * 5000 + "</tr>" * 20 + "</table></body></html>",
    "<!DOCTYPE html [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]><html><body><p>&b;&b;</p>",
    # Under a <title> naming only the site the lines above the story are read: a staircase of nested
    # bold lines must cost one pass per level, not one per path (it once took minutes at this depth).
    "<html><head><title>Valley Courier</title></head><body><div>"
    + "".join(f"<font><b>Harbour line {i} repairs</b><br>" for i in range(800)) + "</font>" * 800
    + "</div><div>" + "<p>The harbour repairs will take until spring, the port authority said today.</p>" * 5
    + "</div></body></html>",
], ids=["deep-divs", "unclosed-inline", "deep-jsonld", "wide-table", "entities", "nested-lines"])
def test_hostile_pages_are_bounded(html):
    started = time.perf_counter()
    article = extract_article(html, URL)
    assert_valid(article)
    assert time.perf_counter() - started < 30  # a hang guard, not a timing target
    assert "aaaaaaaaaa" not in article.body  # entities are never expanded


def test_huge_page_is_cut_not_parsed_whole():
    paragraph = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n"
    html = "<html><body>" + paragraph * 300_000 + "</body></html>"  # ~26 MB
    assert_valid(extract_article(html.encode(), URL))


@pytest.mark.parametrize(("data", "declared", "codec", "source"), [
    ("\ufeff<p>café</p>".encode("utf-8"), "latin-1", "utf-8", "bom"),
    ("<p>café</p>".encode("utf-16-le").join([b"\xff\xfe", b""]), None, "utf-16-le", "bom"),
    ("<meta charset=utf-8><p>café</p>".encode("latin-1"), "iso-8859-1", "cp1252", "http"),
    ('<meta charset="iso-8859-15"><p>café €</p>'.encode("iso-8859-15"), None, "iso8859-15", "meta"),
    ("<p>Привет, как дела? Это тестовая страница на русском языке.</p>".encode("cp1251"), None, "cp1251", "detected"),
    ("<p>café crème brûlée déjà vu, à la française, naïve façade</p>".encode("latin-1"), None, "cp1252", "detected"),
    ("<p>東京都は火曜日、新しい感染対策を発表した。東京都は火曜日</p>".encode("shift_jis"), None, "cp932", "detected"),
    ("<p>naïve</p>".encode("utf-8")[:-6], None, "utf-8", "detected"),
    # A single-byte label on bytes that are UTF-8 beyond ASCII (a saved copy re-encoded, a server's
    # default label): UTF-8, or every curly quote becomes "Ã¢â‚¬â„¢".
    ('<meta charset="windows-1252"><p>Kosovo’s future, café</p>'.encode("utf-8"), None, "utf-8", "utf-8"),
    ("<p>Kosovo’s future, café</p>".encode("utf-8"), "iso-8859-1", "utf-8", "utf-8"),
    ('<meta charset="windows-1252"><p>Kosovo’s future, café</p>'.encode("utf-8")[:-5], None, "utf-8", "utf-8"),  # cut mid-é
    # ... but not a multi-byte label (Shift_JIS bytes can look like UTF-8), nor plain ASCII under its label.
    ('<meta charset="shift_jis"><p>Kosovo’s</p>'.encode("utf-8"), None, "shift_jis", "meta"),
    ('<meta charset="windows-1252"><p>plain</p>'.encode("ascii"), None, "cp1252", "meta"),
])
def test_charset_from_bom_then_http_then_meta_then_detection(data, declared, codec, source):
    assert sniff_encoding(data, declared) == (codec, source)
    # (a download cut mid-character ends in one replacement character)
    assert "\ufffd" not in decode_html(data, declared)[:-1] or source == "detected"
    text = data.decode(codec, errors="replace")  # the page in that codec, read once (without its BOM)
    assert decode_html(data, declared) == (text[1:] if text.startswith("\ufeff") else text)


@settings(max_examples=100, deadline=None, database=None)
@given(words=st.lists(st.text(alphabet="ab-_.(", min_size=1, max_size=4), min_size=1, max_size=8),
       token=st.text(alphabet="ab-_.(x", max_size=12))
def test_class_name_words_factored_match_where_their_plain_alternation_does(words, token):
    factored = re.compile(_alternation(words))
    assert bool(factored.search(token)) == bool(re.search("|".join(map(re.escape, words)), token))
    assert bool(factored.match(token)) == token.startswith(tuple(words))
