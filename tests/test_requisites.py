"""Page requisites in the normal crawl: found in HTML and CSS (pure functions), fetched once per crawl on any
host, archived as request/response pairs (revisits across crawls), counted apart from pages, and every
failure recorded as missing in the article record without stopping the page or the crawl."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.capture.css import css_references
from archiver.capture.requisites import page_requisites, srcset_urls, stylesheet_requisites
from archiver.extract import analyze_page
from archiver.extract.parse import parse_html
from archiver.record.schema import article_schema
from conftest import run_archiver
from requisites_site import BASE_CSS, MAIN_CSS, PAGE, Origin, build

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
# Failures come fast: a 2 s timeout, no retry, a short pause of the site after network errors.
BAD = ["-s", "REQUISITES_TIMEOUT=2", "-s", "REQUISITES_RETRY_TIMES=0", "-s", "REQUISITES_MAX_SIZE=100000",
       "-s", "BACKOFF_BASE_DELAY=0.01", "-s", "REQUISITES_MAX_PER_PAGE=60"]


# -- discovery: pure functions


def test_page_requisites_cover_every_kind_in_document_order():
    tree = parse_html(PAGE.format(title="T", cdn="http://cdn.test", paragraphs=""))
    found = [(r.url.replace("http://site.test", ""), r.kind) for r in page_requisites(tree, "http://site.test/a/b.html")]
    assert found == [("/css/main.css", "stylesheet"), ("/img/icon.png", "icon"), ("/js/lazy.js", "script"),
                     ("/img/photo-200.png", "image"), ("/img/photo-400.png", "image"), ("/img/lazy.png", "image"),
                     ("/img/inline.png", "image"), ("http://cdn.test/cdn/remote.png", "image"),
                     ("/js/write.js", "script")]


def test_the_crawl_reads_requisites_off_the_analysis_tree_before_extraction_cuts_furniture():
    # One parse per page: the spider hands analyze_page a reader called before the tree is changed, so
    # the navigation's icon and the footer's script, which extraction removes, are still found.
    story = "".join(f"<p>Paragraph {i} of the story about the harbour repairs, which will take until spring, the "
                    "port authority said on Monday, after engineers found more damage under the old quay.</p>"
                    for i in range(8))
    html = ("<html><head><title>Harbour repairs delayed until spring</title><link rel=stylesheet href=/css/main.css>"
            "</head><body><nav class='site-nav'><a href='/'><img src='/img/logo.png'></a></nav>"
            "<article><h1>Harbour repairs delayed until spring</h1><p class='byline'>By Ana Ruiz</p>"
            f"<time datetime='2024-03-04'>March 4, 2024</time>{story}</article>"
            "<footer class='site-footer'><script src='/js/footer.js'></script></footer></body></html>")
    read = []
    analysis = analyze_page(html, "http://site.test/news/a.html", read_tree=lambda tree: read.append(
        [r.url for r in page_requisites(tree, "http://site.test/news/a.html")]))
    assert analysis.kind == "article" and "Paragraph 5" in analysis.article.body
    assert read == [[r.url for r in page_requisites(parse_html(html), "http://site.test/news/a.html")]]
    assert read[0] == ["http://site.test/css/main.css", "http://site.test/img/logo.png", "http://site.test/js/footer.js"]


def test_lazy_picture_poster_frames_base_and_what_is_not_fetchable():
    html = """<html><head><base href="http://cdn.test/b/"><style>@import 'x.css'; .a{background:url("bg.jpg")}</style>
    </head><body background="paper.gif"><picture><source srcset="p.webp 1x, p2.webp 2x"><img data-lazy-src="l.jpg"
    data-srcset="s1.jpg 300w, s2.jpg 600w" src="data:image/gif;base64,AAAA"></picture><video poster="v.jpg">
    <source src="v.mp4"></video><iframe src="https://embed.test/e"></iframe><img src="javascript:x">
    <img data-original="o.jpg"><img src="#frag"><link rel="preload" as="font" href="f.woff2"></body></html>"""
    found = {r.url.replace("http://cdn.test/b/", ""): r.kind for r in page_requisites(parse_html(html), "http://x.test/")}
    assert found == {"x.css": "stylesheet", "bg.jpg": "image", "paper.gif": "image", "p.webp": "image",
                     "p2.webp": "image", "l.jpg": "image", "s1.jpg": "image", "s2.jpg": "image", "v.jpg": "image",
                     "v.mp4": "media", "https://embed.test/e": "frame", "o.jpg": "image", "f.woff2": "font"}


def test_css_imports_fonts_and_images_resolve_against_the_stylesheet():
    assert [(r.url, r.kind) for r in stylesheet_requisites(MAIN_CSS, "http://s.test/css/main.css")] == [
        ("http://s.test/css/base.css", "stylesheet"), ("http://s.test/img/bg.png", "image")]
    assert [(r.url, r.kind) for r in stylesheet_requisites(BASE_CSS, "http://s.test/css/base.css")] == [
        ("http://s.test/fonts/archive-test-mono.ttf", "font")]
    refs = css_references('/* url(no.png) */ @import url(a.css) print; b { src: url("f\\2e woff") } c{x:url( d.png )}')
    assert refs.imports == ["a.css"] and refs.urls == ["f.woff", "d.png"]


def test_hostile_css_is_bounded():
    many = "\n".join(f'@import "m{n}.css";' for n in range(5000)) + "a{background:url(x.png)}" * 5000
    assert len(stylesheet_requisites(many, "http://s.test/a.css")) <= 1000
    assert stylesheet_requisites('@import "a.css"; b{c:url(a.css#x)}', "http://s.test/a.css") == []  # itself
    assert css_references("url(" * 100_000).urls == []  # unclosed: no catastrophic backtracking


def test_srcset_with_commas_in_urls_and_descriptors():
    assert srcset_urls("a.jpg 1x, b,c.jpg 2x,d.jpg, e.jpg 300w , f.jpg") == ["a.jpg", "b,c.jpg", "d.jpg", "e.jpg", "f.jpg"]
    assert srcset_urls("") == [] and srcset_urls(None) == []


# -- the crawl


@dataclass
class Crawl:
    stdout: str
    records: list[dict]
    warc_types: Counter  # (record type, path) -> count, of the crawl's own WARC files
    hits: Counter  # path -> requests the origins got


def crawl(archive: Path, main: Origin, cdn: Origin, *options: str) -> Crawl:
    before = set((archive / "warc").glob("*.warc.gz")), set((archive / "articles").glob("*.jsonl"))
    main.hits.clear()
    cdn.hits.clear()
    done = run_archiver("crawl", main.url + "/", "--archive", str(archive), *FAST, *options)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    # A crawl that recorded nothing (a re-crawl of an unchanged site) leaves no records file.
    new_files = set((archive / "articles").glob("*.jsonl")) - before[1]
    records = [json.loads(line) for path in new_files for line in path.read_text().splitlines()]
    types: Counter = Counter()
    for path in set((archive / "warc").glob("*.warc.gz")) - before[0]:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                types[(record.rec_type, uri.split("/", 3)[-1])] += 1
    return Crawl(done.stdout, records, types, Counter(main.hits + [f"cdn:{p}" for p in cdn.hits]))


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory):
    main, cdn = Origin().start(), Origin().start()
    try:
        build(main, cdn)
        archive = tmp_path_factory.mktemp("requisites") / "archive"
        first = crawl(archive, main, cdn)
        second = crawl(archive, main, cdn, "--refetch")
        yield first, second
    finally:
        main.stop()
        cdn.stop()


def test_each_requisite_is_fetched_once_per_crawl_on_any_host_robots_txt_notwithstanding(two_crawls):
    first, _ = two_crawls
    requisites = ["css/main.css", "css/base.css", "fonts/archive-test-mono.ttf", "img/bg.png", "img/icon.png",
                  "img/photo-200.png", "img/photo-400.png", "img/lazy.png", "img/inline.png", "js/lazy.js",
                  "js/write.js"]
    for path in requisites:  # robots.txt disallows /img/: requisites of allowed pages are fetched anyway
        assert first.hits[f"/{path}"] == 1, path
        assert first.warc_types[("response", path)] == 1 and first.warc_types[("request", path)] == 1, path
    assert first.hits["cdn:/cdn/remote.png"] == 1  # a second origin: captured, though its links are not followed
    assert first.warc_types[("response", "cdn/remote.png")] == 1


def test_records_say_their_capture_is_complete_and_validate(two_crawls):
    first, _ = two_crawls
    assert len(first.records) == 2
    for record in first.records:
        jsonschema.validate(record, article_schema(record["schema_version"]))
        assert record["schema_version"] == "1.5"
        assert record["capture"] == {"requisites": 12, "archived": 12, "missing_count": 0, "missing": [],
                                     "not_fetched": 0, "not_fetched_reasons": {"limit": 0, "pending": 0},
                                     "excluded": 0, "complete": True}


def test_requisites_are_not_pages_and_have_their_own_summary_line(two_crawls):
    first, _ = two_crawls
    assert "pages fetched   3 " in first.stdout  # the front page and two articles
    assert "other fetches   1: 1 robots.txt; 4 fetches with the 3 pages" in first.stdout
    assert "requisites      12 files (0.0 MiB) archived, 0 missing, for 3 pages (0 incomplete)" in first.stdout


def test_unchanged_requisites_become_revisits_in_the_next_crawl(two_crawls):
    _, second = two_crawls
    assert second.hits["/css/main.css"] == 1 and second.hits["cdn:/cdn/remote.png"] == 1
    assert second.warc_types[("revisit", "css/main.css")] == 1 and second.warc_types[("response", "css/main.css")] == 0
    assert second.warc_types[("revisit", "cdn/remote.png")] == 1


@pytest.fixture(scope="module")
def bad_crawl(tmp_path_factory):
    main, cdn = Origin().start(), Origin().start()
    archive = tmp_path_factory.mktemp("bad") / "archive"
    try:
        build(main, cdn, bad=True)
        yield archive, crawl(archive, main, cdn, *BAD)
    finally:
        main.stop()
        cdn.stop()


def test_failing_requisites_are_recorded_missing_and_never_stop_the_page(bad_crawl):
    _, result = bad_crawl
    [broken] = [r for r in result.records if r["url"].endswith("/news/broken.html")]
    capture = broken["capture"]
    reasons = {m["url"].rsplit("/", 1)[-1]: (m["reason"], m["status"]) for m in capture["missing"]}
    assert reasons["gone.png"] == ("http", 404)
    assert reasons["slow.png"] == ("timeout", None)
    assert reasons["huge.png"] == ("too-big", None)
    assert reasons["refused.png"] == ("refused", None)
    # The url() loop is fetched once per sheet; 3,000 @imports stop at the per-page limit.
    assert result.hits["/css/loop-a.css"] == 1 and result.hits["/css/loop-b.css"] == 1
    assert capture["not_fetched"] > 0 and capture["archived"] + capture["missing_count"] == 60
    assert capture["complete"] is False
    assert sum(1 for path in result.hits if path.startswith("/css/many-")) < 60
    assert result.warc_types[("response", "img/gone.png")] == 1  # the 404 itself is archived
    assert "errors          0" in result.stdout
    for record in result.records:  # the good pages are untouched by the bad one
        if not record["url"].endswith("broken.html"):
            assert record["capture"]["complete"] is True


def test_verify_reports_incomplete_pages_and_fails_on_them_when_asked(bad_crawl):
    archive, _ = bad_crawl
    report = run_archiver("verify", "--archive", str(archive))
    assert report.returncode == 0, report.stdout
    assert "requisites      2 pages complete, 1 with missing requisites, 0 not recorded" in report.stdout
    assert "broken.html: " in report.stdout and "requisites missing" in report.stdout
    strict = run_archiver("verify", "--archive", str(archive), "--require-requisites")
    assert strict.returncode == 1 and "faults          1" in strict.stdout, strict.stdout


def test_stats_show_completeness_per_site(bad_crawl):
    archive, _ = bad_crawl
    done = run_archiver("stats", "--archive", str(archive), "--json")
    assert done.returncode == 0, done.stderr
    [(site, counts)] = json.loads(done.stdout)["requisites"]["per_site"].items()
    assert site.startswith("127.0.0.1") and counts == {"complete": 2, "incomplete": 1, "not_recorded": 0}
    text = run_archiver("stats", "--archive", str(archive)).stdout
    assert "page requisites per site" in text


def test_a_meta_refresh_is_followed_in_a_frame_and_never_in_an_image(tmp_path):
    """A browser follows a refresh in a document it shows (a frame), never in an image's or a stylesheet's
    answer: the archive fetches what a reader's browser fetched, no more."""
    main, cdn = Origin().start(), Origin().start()
    refresh = '<html><head><meta http-equiv="refresh" content="0; url={}"></head><body>Moved</body></html>'
    try:
        main.add("/", "text/html; charset=utf-8", PAGE.format(title="Harbour council approves the river bridge",
                 cdn=cdn.url, paragraphs=f"<p>{'The council met on Tuesday. ' * 40}</p>"
                 '<img src="/img/moved.png" alt="moved"><iframe src="/frame/old.html"></iframe>'))
        main.add("/img/moved.png", "text/html; charset=utf-8", refresh.format("/img/elsewhere.png"))
        main.add("/img/elsewhere.png", "image/png", b"\x89PNG never asked for")
        main.add("/frame/old.html", "text/html; charset=utf-8", refresh.format("/frame/new.html"))
        main.add("/frame/new.html", "text/html; charset=utf-8", "<html><body><p>The frame's page</p></body></html>")
        result = crawl(tmp_path / "archive", main, cdn, "--depth", "0")
    finally:
        main.stop()
        cdn.stop()
    assert result.hits["/img/moved.png"] == 1 and result.hits["/img/elsewhere.png"] == 0
    assert result.warc_types[("response", "img/moved.png")] == 1  # what the server answered is archived
    assert result.hits["/frame/old.html"] == 1 and result.hits["/frame/new.html"] == 1
    assert result.warc_types[("response", "frame/new.html")] == 1
