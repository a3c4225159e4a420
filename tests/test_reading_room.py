"""`archiver serve`: the reading room over a real archive (the demo site, plus a site whose article changes
between two crawls), driven in headless chromium and through its JSON API; `archiver index` rebuilds it."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from archiver.record.items import SCHEMA_VERSION

from conftest import run_archiver
from fixture_site import FixtureSite
from reading_helpers import browser, get, get_json, keep_screenshot, pywb_env, raw_get, reading_room
from sched_helpers import crawl, write_sites_file

PHRASE = '"Panjshir Valley"'
SEED_HEADLINE = "Taliban Gains Control of Panjshir Valley"
NEW_TITLE = "Harbour council approves the river bridge budget after all"
SECRET_INSIDE = "TOPSECRET-INSIDE-THE-ARCHIVE"
SECRET_OUTSIDE = "TOPSECRET-OUTSIDE-THE-ARCHIVE"


@dataclass
class Room:
    archive: Path
    base: str
    printed: list[str]
    replay: bool
    index_output: str
    live_results: dict[str, list[str]]
    changed_url: str


def search_ids(base: str, **params: str) -> list[str]:
    status, found = get_json(f"{base}/api/search?{urlencode(params)}")
    assert status == 200, found
    return [hit["id"] for hit in found["results"]]


def read_records(archive: Path) -> list[dict]:
    """The archive's records, lines that are not JSON left out (the test adds some)."""
    records = []
    for path in sorted((archive / "articles").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


def bad_record(url: str, filename: str) -> dict:
    return {"url": url, "id": f"<urn:uuid:{uuid.uuid4()}>", "body": "zanzibarquux pointer test", "headline": "Evil",
            "captions": [], "authors": [], "tags": [], "images": [], "translations": [], "provenance": {},
            "paywalled": False, "truncated": False, "version": 1, "schema_version": SCHEMA_VERSION,
            "extractor_version": "0.0.0",
            "warc": {"filename": filename, "record_id": "<urn:uuid:x>", "offset": 0, "length": 20}}


@pytest.fixture(scope="module")
def room(tmp_path_factory) -> Room:
    top = tmp_path_factory.mktemp("reading")
    archive = top / "archive"
    done = run_archiver("demo", "--archive", str(archive), "--port", "0")  # any free port: runs may overlap
    assert done.returncode == 0, done.stdout + done.stderr
    # A site whose article changes between two crawls: two versions of one article.
    with FixtureSite("sections", articles=2) as site:
        sites = write_sites_file(top / "sites.toml", site)
        assert crawl(sites, archive).returncode == 0
        changed = site.stories[0]
        site.edit(changed)
        changed.title = NEW_TITLE
        again = crawl(sites, archive, "--refetch")
        assert again.returncode == 0, again.stderr[-3000:]
        changed_url = site.url + changed.path
    assert [r["version"] for r in read_records(archive) if r["url"] == changed_url] == [1, 2]

    assert (archive / "state" / "reading.sqlite3").is_file()  # written by the crawl, record by record
    with reading_room(archive, env=pywb_env()) as (base, printed):
        assert not any(line.startswith("indexed") for line in printed)  # served as the crawl left it
        # What the crawl's own index (kept up to date record by record) answers...
        queries = ["panjshir", PHRASE, "bridge", "valle", "EFE"]
        live = {q: search_ids(base, q=q) for q in queries}
    # ... and the index rebuilt from the records, with lines a reader must survive.
    (top / "outside.txt").write_text(SECRET_OUTSIDE)
    (archive / "secret.txt").write_text(SECRET_INSIDE)
    bad = [bad_record("http://evil.example/1", "../outside.txt"), bad_record("http://evil.example/2", "/etc/passwd"),
           bad_record("http://evil.example/3", "warc/../secret.txt"),
           bad_record("http://evil.example/4", str(top / "outside.txt"))]
    hostile = {**bad_record("http://evil.example/5", "warc/x.warc.gz"), "body": "xssquux <script>alert(1)</script>",
               "headline": "<script>alert(2)</script>", "translations": [{"language": "en", "url": "javascript:alert(3)"}],
               "authors": ['<img src=x onerror="alert(4)">']}
    odd = {"url": "http://odd.example/1", "body": "oddquux", "authors": 5, "captions": "x", "translations": [1],
           "tags": None, "published": 7, "headline": ["a"], "version": "2", "warc": "nowhere", "language": 3}
    lines = ["{not json", *(json.dumps(r) for r in bad), json.dumps(hostile), json.dumps(odd),
             json.dumps({"url": 5, "body": None})]
    (archive / "articles" / "zz-extra.jsonl").write_text("\n".join(lines) + "\n")
    rebuilt = run_archiver("index", "--archive", str(archive))
    assert rebuilt.returncode == 0, rebuilt.stderr
    with reading_room(archive, env=pywb_env()) as (base, printed):
        yield Room(archive, base, printed, pywb_env() is not None, rebuilt.stdout + rebuilt.stderr, live, changed_url)


# -- in the browser


def test_search_a_phrase_and_read_the_article_without_javascript(room, tmp_path):
    with browser(javascript=False) as page:
        page.goto(room.base + "/")
        page.fill("input[name=q]", PHRASE)
        page.press("input[name=q]", "Enter")
        page.wait_for_selector(".result")
        first = page.locator(".result").first
        assert SEED_HEADLINE in first.locator("h2").inner_text()
        assert "panjshir valley" in [m.lower() for m in first.locator("mark").all_inner_texts()]  # the phrase
        keep_screenshot(page, tmp_path, "search")

        first.locator("h2 a").click()
        page.wait_for_selector("article h1")
        assert SEED_HEADLINE in page.inner_text("article h1")
        assert "Martín Echeverri Salas" in page.inner_text(".byline")
        caption = page.locator("figcaption").first
        assert "Zabihullah Mujahid" in caption.inner_text() and caption.locator(".credit").inner_text() == "EFE"
        assert len(page.locator(".body p").all()) >= 5
        assert page.locator("a.warc").count() == 1
        keep_screenshot(page, tmp_path, "article")
        # The translation the archive holds opens there, not on the live site.
        page.locator(".translations a", has_text="the archived article").click()
        page.wait_for_selector("article h1")
        assert "Valle de Panjshir" in page.inner_text("article h1") and "Spanish" in page.inner_text(".dates")


def test_the_replayed_page_opens_from_the_article(room):
    if not room.replay:
        pytest.skip("no pywb environment (set ARCHIVER_PYWB_VENV; .ci/run makes one)")
    assert any("pywb, proxied under /archive/" in line for line in room.printed)
    with browser(javascript=True) as page:  # pywb's replay frame is a script
        page.goto(room.base + "/?" + urlencode({"q": PHRASE}))
        page.locator(".result h2 a").first.click()
        page.locator("a.replay").click()
        page.wait_for_url("**/archive/**")
        assert page.url.startswith(room.base + "/archive/")  # same address: pywb is proxied
        frame = page.frame_locator("iframe").first
        assert SEED_HEADLINE in frame.locator("h1").first.inner_text(timeout=30_000)


def test_diff_of_an_article_with_two_versions(room, tmp_path):
    with browser(javascript=False) as page:
        page.goto(room.base + "/?" + urlencode({"q": "harbour bridge budget", "versions": "latest"}))
        page.locator(".result h2 a", has_text=NEW_TITLE).first.click()
        page.wait_for_selector(".timeline")
        assert page.locator(".timeline li").count() == 2
        assert "version 2 of 2" in page.inner_text("article")
        page.click("text=Show changes")
        page.wait_for_selector(".field.body")
        headline = page.locator(".field.headline")
        assert "after all" in " ".join(headline.locator("ins").all_inner_texts())
        assert headline.locator("del").count() >= 1
        body_added = " ".join(page.locator(".field.body ins").all_inner_texts())
        assert "corrected after publication" in body_added
        assert "unchanged" in page.inner_text(".field.captions h2")
        keep_screenshot(page, tmp_path, "diff")


# -- the JSON API


def test_api_search_ranks_and_snippets_with_the_matched_words(room):
    status, found = get_json(f"{room.base}/api/search?" + urlencode({"q": PHRASE}))
    assert status == 200 and found["results"]
    top = found["results"][0]
    assert SEED_HEADLINE in top["headline"]
    assert "panjshir valley" in [w.lower() for w in top["matched"]]
    assert "<mark>" in top["snippet_html"] and "<mark>" not in top["snippet"]
    status, record = get_json(room.base + top["links"]["record"])
    written = {r["id"]: r for r in read_records(room.archive) if isinstance(r, dict) and r.get("id")}
    assert record["record"] == written[record["record"]["id"]]  # the record exactly as written


def test_api_filters_and_sort(room):
    both = search_ids(room.base, q="panjshir")
    spanish = search_ids(room.base, q="panjshir", language="es")
    assert spanish and set(spanish) < set(both)
    assert search_ids(room.base, q="panjshir", site="evil.example") == []
    assert set(search_ids(room.base, q="panjshir", site="http://127.0.0.1:1/")) == set(both)
    assert search_ids(room.base, q="panjshir", **{"from": "2021-09-06", "to": "2021-09"})
    assert search_ids(room.base, q="panjshir", **{"from": "2022"}) == []
    by_author = search_ids(room.base, q="panjshir", author="Martín Echeverri Salas")
    assert by_author and set(by_author) <= set(both)
    assert search_ids(room.base, q="panjshir", author="martín echeverri salas") == by_author  # any case
    assert search_ids(room.base, q="panjshir", author="Nobody Here") == []
    assert search_ids(room.base, q="panjshir", section="World") and search_ids(room.base, q="panjshir", section="Mundo")
    status, by_date = get_json(f"{room.base}/api/search?q=the&sort=date&per_page=50")
    dates = [hit["date"] for hit in by_date["results"]]
    assert dates == sorted(dates, reverse=True)
    # Versions: the latest by default, every one on request.
    assert len(search_ids(room.base, q="harbour bridge budget after all")) == 1
    assert len(search_ids(room.base, q="harbour", versions="all")) > len(search_ids(room.base, q="harbour"))


def test_api_versions_and_diff(room):
    [hit] = get_json(f"{room.base}/api/search?" + urlencode({"q": NEW_TITLE}))[1]["results"]
    status, versions = get_json(f"{room.base}/api/records/{hit['id']}/versions")
    first, second = versions["versions"]
    assert (first["version"], second["version"], second["latest"]) == (1, 2, True)
    status, changes = get_json(f"{room.base}/api/diff?a={first['id']}&b={second['id']}")
    fields = {f["field"]: f for f in changes["fields"]}
    assert fields["headline"]["changed"] and fields["body"]["changed"] and not fields["captions"]["changed"]
    assert fields["body"]["words"]["added"] >= 5


def test_index_rebuilt_from_records_answers_as_the_crawls_index(room):
    assert "indexed" in room.index_output
    # One warning per malformed line (not JSON, wrong field types, a URL that is a number), from the
    # validating reader every command uses; the valid lines around them are indexed.
    assert room.index_output.count("zz-extra.jsonl line") == 3, room.index_output
    assert all(f"zz-extra.jsonl line {n}:" in room.index_output for n in (1, 7, 8)), room.index_output
    for query, ids in room.live_results.items():
        assert ids and search_ids(room.base, q=query) == ids, query


def test_browse_shows_the_archiver_stats_figures(room):
    # The crawls' record files (`archiver stats` stops at the extra file's record whose URL is a number).
    crawled = [str(p) for p in sorted((room.archive / "articles").glob("2*.jsonl"))]
    done = run_archiver("stats", "--archive", str(room.archive), "--json", *(a for p in crawled for a in ("--records", p)))
    assert done.returncode == 0, done.stderr[-2000:]
    stats = json.loads(done.stdout)
    status, counts = get_json(f"{room.base}/api/browse")
    assert {s["site"]: s["articles"] for s in counts["sites"]} == {**stats["sites"], "evil.example": 5}
    assert {d["day"]: d["articles"] for d in counts["per_fetch_day"]} == stats["per_fetch_day"]
    days = [d["day"] for d in counts["per_day"]]
    assert days == sorted(days, reverse=True)  # newest first
    status, _type, page = get(f"{room.base}/browse?site=127.0.0.1")
    assert status == 200 and b"2021-09-06" in page


# -- bad input


# (query, whether the demo archive has results for it): FTS5 operators are read as words.
SYNTAX_QUERIES = [('AND OR * " ( NEAR', False), ('"unclosed phrase', False), ("NEAR(a b)", False), ("*", False),
                  ("-", False), ("-panjshir", False), ("panjshir OR", True), ("OR OR", False), ("panjshir*", True),
                  ("panj*", True), ("title:panjshir", False), ("^panjshir", True), ("a" * 5000, False),
                  (" ".join(["panjshir"] * 200), True), ("\x00\x01", False), ("😀 ☃", False),
                  ("'; DROP TABLE records; --", False), ("panjshir -valley", True), ("(panjshir", True)]


@pytest.mark.parametrize("q,has_results", SYNTAX_QUERIES)
def test_queries_with_search_syntax_give_results_or_a_message(room, q, has_results):
    for path in ("/", "/api/search"):
        status, content_type, body = get(f"{room.base}{path}?" + urlencode({"q": q}))
        assert status == 200, (q, body[:300])
    status, found = get_json(f"{room.base}/api/search?" + urlencode({"q": q}))
    if has_results:
        assert found["results"]
    if len(q) > 500:
        assert any("shortened" in note for note in found["notes"])


@pytest.mark.parametrize("params", [{"q": "x", "bogus": "1"}, {"q": "x", "from": "2021-13"}, {"q": "x", "to": "soon"},
                                    {"q": "x", "sort": "random"}, {"q": "x", "page": "two"}, {"page": "-5"},
                                    {"q": "x", "per_page": "100000"}, {"site": "a" * 1000}])
def test_unknown_or_bad_filters_give_a_clear_message(room, params):
    status, content_type, body = get(f"{room.base}/?" + urlencode(params))
    assert status in (200, 400) and b"Traceback" not in body
    status, content_type, body = get(f"{room.base}/api/search?" + urlencode(params))
    assert status in (200, 400) and content_type == "application/json"
    if status == 400:
        assert json.loads(body)["error"]


def test_nothing_outside_what_pages_link_to_can_be_read(room):
    evil = search_ids(room.base, q="zanzibarquux")
    assert len(evil) == 4
    paths = [f"/records/{key}/warc" for key in evil] + [
        "/records/../secret.txt", "/records/%2e%2e/secret.txt", "/records/..%2fsecret.txt/warc",
        "/records/%2e%2e%2f%2e%2e%2fsecret.txt/warc", "/static/../secret.txt", "/static/%2e%2e/%2e%2e/etc/passwd",
        "/archive/../secret.txt", "/archive/%2e%2e/secret.txt", "/archive/20210101000000/file:///etc/passwd",
        "/static/..%2f..%2fsecret.txt", "//etc/passwd", "/records/x/warc?filename=../secret.txt",
        "/records/x/warc?filename=/etc/passwd", f"/records/{evil[0]}/warc?filename=secret.txt&offset=0&length=99",
        "/../state/reading.sqlite3", "/state/reading.sqlite3", "/secret.txt", "/warc/", "/articles/",
    ]
    for path in paths:
        status, body = raw_get(room.base, path)
        assert status in (200, 301, 302, 307, 400, 404), (path, status)
        for secret in (SECRET_INSIDE, SECRET_OUTSIDE, "root:x:0:0", "SQLite format"):
            assert secret.encode() not in body, (path, secret)


def test_archived_text_cannot_run_code_in_the_reading_room(room):
    [key] = search_ids(room.base, q="xssquux")
    for path in (f"/records/{key}", "/?q=xssquux", f"/diff?a={key}&b={key}"):
        with urllib.request.urlopen(room.base + path, timeout=60) as response:
            page = response.read()
            assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'none' covers it
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert b"<script>" not in page and b"<img src=x" not in page and b'href="javascript:' not in page


def test_a_record_with_fields_of_the_wrong_type_is_skipped_not_served(room):
    assert search_ids(room.base, q="oddquux") == []  # skipped on read, with a warning (above)
    for path in ("/?q=oddquux", "/browse?site=odd.example", "/api/search?q=oddquux"):
        status, _type, page = get(room.base + path)
        assert status == 200, (path, page[:300])


def test_the_warc_link_gives_the_exact_record(room):
    [record] = [r for r in read_records(room.archive) if isinstance(r, dict) and r.get("url") == room.changed_url
                and r.get("version") == 2]
    key = record["id"].strip("<>").split(":")[-1]
    status, content_type, body = get(f"{room.base}/records/{quote(key)}/warc")
    pointer = record["warc"]
    with open(room.archive / pointer["filename"], "rb") as fh:
        fh.seek(pointer["offset"])
        assert status == 200 and body == fh.read(pointer["length"])
    assert content_type == "application/warc"


# -- what a reader sees


def test_results_are_counted_and_paged_with_site_names_and_readable_dates(room):
    status, found = get_json(f"{room.base}/api/search?q=the&per_page=3")
    total = found["total"]
    assert found["total_is_exact"] and total > 6 and len(found["results"]) == 3 and found["has_more"]
    status, demo = get_json(f"{room.base}/api/search?" + urlencode({"q": PHRASE}))
    assert {hit["site_name"] for hit in demo["results"]} == {"The Meridian Post"}  # the demo's name for itself
    status, _type, page = get(f"{room.base}/?q=the&per_page=3&page=2")
    text = page.decode()
    assert f"4–6</strong> of\n      <strong>{total}</strong>" in text, text[:3000]
    assert 'rel="prev"' in text and 'rel="next"' in text and 'aria-current="page">2<' in text
    status, _type, page = get(f"{room.base}/?" + urlencode({"q": PHRASE}))
    assert b'<span class="site">The Meridian Post</span>' in page and b'<span class="site">127.0.0.1' not in page
    with browser(javascript=False) as page:
        page.goto(room.base + "/?" + urlencode({"q": PHRASE, "language": "en"}))
        page.locator(".result h2 a").first.click()
        page.wait_for_selector("article h1")
        dates = page.inner_text(".dates")
        assert "Published 6 September 2021, 10:21 UTC\u22124" in dates, dates  # in the site's own zone
        captured = page.inner_text("article .meta:not(.dates)")
        assert re.search(r"Captured \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC", captured), captured
        assert not re.search(r"\d{4}-\d\d-\d\dT", page.inner_text("main"))  # no raw ISO timestamp anywhere


def test_facets_count_the_matches_and_narrow_the_search(room):
    status, found = get_json(f"{room.base}/api/search?q=panjshir")
    facets = found["facets"]
    assert not facets["counted_among_newest"]
    assert sum(v["count"] for v in facets["language"]) == found["total"]
    assert {v["label"] for v in facets["language"]} == {"English", "Spanish"}
    assert sum(v["count"] for v in facets["year"]) == found["total"] and facets["year"][0]["value"] == "2021"
    assert any(v["label"] == "Martín Echeverri Salas" for v in facets["author"])
    with browser(javascript=False) as page:
        page.goto(room.base + "/?" + urlencode({"q": "panjshir"}))
        spanish = page.locator("ul.facet.language li", has_text="Spanish")
        count = int(spanish.locator(".n").inner_text())
        spanish.locator("a").click()
        page.wait_for_selector(".result")
        assert page.locator(".result").count() == count
        assert "language=es" in page.url and "Language: Spanish" in page.inner_text(".chips")
        page.locator(".chips a").first.click()  # the filter taken off again
        assert "language" not in page.url and page.locator(".result").count() == found["total"]


def test_the_sort_says_what_it_does_and_addresses_hold_no_empty_filters(room):
    with browser(javascript=False) as page:
        page.goto(room.base + "/")
        assert "Order newest first" in page.inner_text("form .controls")
        assert page.locator("select[name=sort]").count() == 0  # nothing to rank by without words
        page.fill("input[name=q]", "panjshir")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector(".result")
        assert page.url == room.base + "/?q=panjshir"  # the form's empty fields and defaults left out
        assert page.locator("select[name=sort] option[selected]").inner_text() == "best match first"
        assert "best match first" in page.inner_text(".count")
        page.select_option("select[name=sort]", "date")
        page.click("button[type=submit]")
        page.wait_for_selector(".result")
        assert page.url == room.base + "/?q=panjshir&sort=date" and "newest first" in page.inner_text(".count")
    request = urllib.request.Request(f"{room.base}/?q=x&site=&author=&sort=relevance&versions=latest&page=1")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=30)
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as answer:
        assert answer.code == 303 and answer.headers["Location"] == "/?q=x"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_article_shows_its_images_from_the_archive(room):
    if not room.replay:
        pytest.skip("no pywb environment (set ARCHIVER_PYWB_VENV; .ci/run makes one)")
    with browser(javascript=False) as page:
        page.goto(room.base + "/?" + urlencode({"q": PHRASE, "language": "en"}))
        page.locator(".result h2 a").first.click()
        page.wait_for_selector("article figure img")
        image = page.locator("article figure img").first
        source = image.get_attribute("src")
        assert source.startswith("/archive/") and "im_/http://127.0.0.1:" in source  # the capture, from pywb
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
        assert "Zabihullah Mujahid" in page.locator("article figure figcaption").first.inner_text()
    status, content_type, body = get(room.base + source)
    assert status == 200 and content_type.startswith("image/") and body[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")


def test_the_diff_shows_changed_sentences_side_by_side(room):
    [hit] = get_json(f"{room.base}/api/search?" + urlencode({"q": NEW_TITLE}))[1]["results"]
    first, second = get_json(f"{room.base}/api/records/{hit['id']}/versions")[1]["versions"]
    status, changes = get_json(f"{room.base}/api/diff?a={first['id']}&b={second['id']}")
    body = {f["field"]: f for f in changes["fields"]}["body"]
    assert body["sentences"]["added"] + body["sentences"]["changed"] >= 1
    for change in body["changes"]:  # each side is one version's sentence: removed words left, added ones right
        assert {s["op"] for s in change["before"]} <= {"same", "removed"}
        assert {s["op"] for s in change["after"]} <= {"same", "added"}
    status, _type, page = get(f"{room.base}/diff?a={first['id']}&b={second['id']}")
    text = page.decode()
    assert '<td class="before">' in text and '<td class="after">' in text
    assert "<td class=\"after\">" in text.split("field body", 1)[1]


def test_the_reading_room_has_an_icon(room):
    status, content_type, body = get(room.base + "/favicon.ico")
    assert status == 200 and content_type == "image/vnd.microsoft.icon" and body[:4] == b"\x00\x00\x01\x00"
    status, content_type, body = get(room.base + "/favicon.svg")
    assert status == 200 and content_type.startswith("image/svg+xml") and b"<svg" in body


def test_an_index_of_an_earlier_format_is_rebuilt_by_serve_and_left_alone_by_the_crawl(room, tmp_path):
    import shutil
    import sqlite3

    from archiver.reading.index import Writer, connect, index_path

    archive = tmp_path / "archive"
    shutil.copytree(room.archive, archive, ignore=shutil.ignore_patterns("warc"))
    index = index_path(archive)
    with sqlite3.connect(index) as db:
        db.execute("PRAGMA user_version = 1")  # as an earlier archiver left it
    with pytest.raises(sqlite3.Error, match="earlier archiver"):  # the crawl's pipeline warns and stops indexing
        Writer(connect(index, create=True))
    with reading_room(archive, "--no-replay") as (base, printed):
        assert any(line.startswith("indexed") and "earlier format" in line for line in printed), printed
        assert search_ids(base, q="panjshir")


def test_serve_without_pywb_installs_it_or_says_in_one_line_why_not(room, tmp_path):
    """No pywb environment yet: `archiver serve` installs one itself, saying so; where the package index cannot
    be reached (here: a closed port on 127.0.0.1), one line says why and what to do, and the reading room serves."""
    import os
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key != "ARCHIVER_PYWB_VENV" and not key.startswith("PIP_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PIP_CONFIG_FILE=os.devnull, PIP_RETRIES="0", PIP_TIMEOUT="2",
               PIP_INDEX_URL=f"http://127.0.0.1:{closed}/simple/", PIP_NO_CACHE_DIR="1")
    with reading_room(room.archive, env=env) as (base, printed):
        replay_lines = [line for line in printed if line.startswith("replay")]
        assert replay_lines[0].startswith("replay          installing pywb into ") and "once" in replay_lines[0]
        assert len(replay_lines) == 2, printed  # the line before, and the outcome: no pip output in between
        assert replay_lines[1].startswith("replay          off (pip could not install pywb into ")
        assert "archiver replay --setup" in replay_lines[1] and "ARCHIVER_PYWB_VENV" in replay_lines[1]
        assert not any("Traceback" in line for line in printed)
        assert search_ids(base, q="panjshir")  # the reading room serves without replay
    installed = list((tmp_path / "cache").glob("archiver/pywb-*"))
    assert installed and not any((env_dir / ".archiver-ready").exists() for env_dir in installed)  # made again
