"""Browser mode, as a user runs it: `archiver crawl --browser` on a local site whose article JavaScript builds,
read back with warcio, replayed with pywb after the site is stopped and compared with the live page in Chromium."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from browser_site import ARTICLE, HANGING, HANGING_HEADLINE, HEADLINE, PARAGRAPHS, SHELL, BrowserSite
from conftest import IN_CI, run_archiver, shared_tool

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "--depth", "0"]
MAX_DIFFERENT_PIXELS = 0.005  # the bar: at most 0.5% of pixels differ between live and replay


def chromium() -> str:
    from archiver.browser import BrowserMissing, check_browser

    try:
        return check_browser()
    except BrowserMissing as error:
        if IN_CI:
            pytest.fail(f"{error} (.ci/run installs chromium and the test extra installs playwright)")
        pytest.skip(str(error))


@dataclass
class Crawl:
    archive: Path
    records: list[dict]
    warcs: list[Path]
    stdout: str

    def records_of(self, kind: str) -> list:
        found = []
        for path in self.warcs:
            with open(path, "rb") as fh:
                for record in ArchiveIterator(fh, check_digests=True):
                    if record.rec_type == kind:
                        record.body = record.content_stream().read() if kind != "revisit" else b""
                        found.append(record)
        return found


def crawl(archive: Path, *args: str) -> Crawl:
    before = set(archive.glob("articles/*.jsonl")), set(archive.glob("warc/*.warc.gz"))
    done = run_archiver("crawl", *args, "--archive", str(archive), *FAST)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    records = [json.loads(line) for path in sorted(set(archive.glob("articles/*.jsonl")) - before[0])
               for line in path.read_text(encoding="utf-8").splitlines()]
    return Crawl(archive, records, sorted(set(archive.glob("warc/*.warc.gz")) - before[1]), done.stdout)


def screenshot(url: str, path: Path) -> Path:
    """A full-page screenshot in headless Chromium, scrolled first (as the crawl does) so the lazy image loads."""
    from playwright.sync_api import sync_playwright

    from archiver.browser.render import LAUNCH_ARGS, SCROLL_SCRIPT, VIEWPORT

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url, wait_until="load")
            page.wait_for_selector("article h1", timeout=15_000)
            page.evaluate(SCROLL_SCRIPT, [20, 250])
            page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)",
                                   timeout=15_000)
            page.screenshot(path=str(path), full_page=True)
        finally:
            browser.close()
    return path


def different_pixels(a: Path, b: Path) -> float:
    """The share of pixels that differ; a size mismatch counts every pixel outside the common area."""
    import numpy
    from PIL import Image

    first, second = (numpy.asarray(Image.open(p).convert("RGB"), dtype=numpy.int16) for p in (a, b))
    height, width = min(first.shape[0], second.shape[0]), min(first.shape[1], second.shape[1])
    total = max(first.shape[0] * first.shape[1], second.shape[0] * second.shape[1])
    differ = (abs(first[:height, :width] - second[:height, :width]).max(axis=2) > 0).sum()
    return float(differ + total - height * width) / total


@dataclass
class BrowserCrawls:
    site: BrowserSite
    first: Crawl
    second: Crawl
    live: Path


@pytest.fixture(scope="module")
def crawls(tmp_path_factory) -> BrowserCrawls:
    chromium()
    folder = tmp_path_factory.mktemp("browser")
    with BrowserSite() as site:
        first = crawl(folder / "archive", site.url + ARTICLE, "--browser")
        second = crawl(folder / "archive", site.url + ARTICLE, "--browser", "--refetch")
        live = screenshot(site.url + ARTICLE, folder / "live.png")
        yield BrowserCrawls(site, first, second, live)


def test_client_rendered_article_record_is_extracted_from_the_dom(crawls):
    [record] = crawls.first.records
    assert record["headline"] == HEADLINE
    assert record["body"].split("\n\n") == PARAGRAPHS
    assert record["authors"] == ["Mara Ellis"] and record["published"] == "2026-11-30T08:00:00Z"
    assert record["browser"]["timed_out"] is False and record["truncated"] is False
    assert "browser pages   1 rendered" in crawls.first.stdout


def test_record_points_at_the_pages_own_response_as_the_server_sent_it(crawls):
    [record] = crawls.first.records
    pointer = record["warc"]
    with open(crawls.first.archive / pointer["filename"], "rb") as fh:
        fh.seek(pointer["offset"])
        member = fh.read(pointer["length"])  # exactly one gzip member: the record
    response = next(iter(ArchiveIterator(io.BytesIO(member))))
    assert response.rec_type == "response" and response.rec_headers.get_header("WARC-Target-URI") == record["url"]
    assert response.rec_headers.get_header("WARC-Record-ID") == record["id"]
    assert response.content_stream().read() == SHELL.encode()  # the HTML shell, not the DOM


def test_every_exchange_the_browser_made_is_archived_with_its_request(crawls):
    responses = {r.rec_headers.get_header("WARC-Target-URI").split("/", 3)[3]: r
                 for r in crawls.first.records_of("response")}
    assert {"static/app.js", "static/site.css", "api/story.json", "static/bridge.png"} <= set(responses)
    assert responses["static/bridge.png"].body[:8] == b"\x89PNG\r\n\x1a\n"  # the lazy image: scrolled into view
    story = responses["api/story.json"]
    # Chromium decoded the gzip body: stored decoded, headers made to agree, and the record says so.
    assert json.loads(story.body)["headline"] == HEADLINE
    assert story.http_headers.get_header("Content-Encoding") is None
    assert story.http_headers.get_header("Content-Length") == str(len(story.body))
    assert "removed Content-Encoding: gzip" in story.rec_headers.get_header("WARC-Archiver-Transform")
    requests = {r.rec_headers.get_header("WARC-Concurrent-To") for r in crawls.first.records_of("request")}
    assert {r.rec_headers.get_header("WARC-Record-ID") for r in responses.values()} <= requests


def test_records_say_the_http_version_the_browser_spoke(crawls):
    # The site is Python's http.server, which answers in HTTP/1.0: records said HTTP/1.1 whatever was spoken.
    for record in crawls.first.records_of("response") + crawls.first.records_of("request"):
        assert record.http_headers.protocol == "HTTP/1.0" or record.http_headers.statusline.endswith("HTTP/1.0"), \
            record.rec_headers.get_header("WARC-Target-URI")


def test_screenshot_is_a_resource_record_named_after_the_page(crawls):
    from PIL import Image

    [record] = crawls.first.records
    [shot] = crawls.first.records_of("resource")
    assert shot.rec_headers.get_header("WARC-Target-URI") == "urn:screenshot:" + record["url"]
    assert shot.rec_headers.get_header("Content-Type") == "image/png"
    assert shot.rec_headers.get_header("WARC-Record-ID") == record["browser"]["screenshot"]["record_id"]
    image = Image.open(io.BytesIO(shot.body))
    assert image.size[0] == 1280 and image.size[1] > 1500  # the full page, down to the photo


def test_second_browser_crawl_writes_revisits_for_unchanged_payloads(crawls):
    assert crawls.first.records_of("revisit") == []
    revisited = {r.rec_headers.get_header("WARC-Target-URI").split("/", 3)[3]
                 for r in crawls.second.records_of("revisit")}
    assert {"static/app.js", "static/site.css", "api/story.json", "static/bridge.png"} <= revisited
    assert crawls.second.records_of("response") == [] or all(
        "robots.txt" in r.rec_headers.get_header("WARC-Target-URI") for r in crawls.second.records_of("response"))


def test_browser_warcs_pass_warcio_check_and_the_strict_check(crawls):
    files = [str(p) for p in crawls.first.warcs + crawls.second.warcs]
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files], check=True)
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0 and "STRICT: no problems" in strict.stdout, strict.stdout


def test_the_index_made_while_writing_is_what_cdxj_indexer_reads_back(crawls):
    from archiver.warc.cdxj import index_lines, warc_index_path

    for warc in crawls.first.warcs + crawls.second.warcs:  # every exchange the browser made, revisits too
        assert warc_index_path(warc.parent, warc.name).read_text().splitlines(keepends=True) == index_lines(warc)


def frameless_pywb(archive: Path, folder: Path):
    """pywb on the archive without its top frame and banner: the page alone, as a reader would see it."""
    from archiver.warc.replay import free_port, start_pywb, write_config

    from test_replay import pywb_env

    config = write_config(archive, folder)
    (folder / "templates").mkdir()
    (folder / "templates" / "no_banner.html").write_text("", encoding="utf-8")
    config.write_text(config.read_text() + "framed_replay: false\ncustom_banner_html: no_banner.html\n")
    port = free_port()
    return start_pywb(pywb_env(), folder, port), f"http://127.0.0.1:{port}/archive"


def test_replay_of_the_stopped_site_matches_the_live_page(crawls, tmp_path):
    from archiver.warc.replay import replay_url

    crawls.site.stop()  # from here on, only the archive can answer
    [record] = crawls.first.records
    process, base = frameless_pywb(crawls.first.archive, tmp_path)
    try:
        # The page's scripts run against the archive: app.js, then the JSON it fetches.
        replayed = screenshot(replay_url(base, record["url"], record["fetched_at"], "mp_"), tmp_path / "replay.png")
    finally:
        process.terminate()
        process.wait(timeout=20)
    share = different_pixels(crawls.live, replayed)
    print(f"pixels differing between live and replay: {share:.4%} ({crawls.live} vs {replayed})")
    assert share <= MAX_DIFFERENT_PIXELS, (share, crawls.live, replayed)


# -- bad input


def test_missing_browser_fails_at_once_in_one_line(tmp_path):
    done = run_archiver("crawl", "http://127.0.0.1:9/news/", "--browser", "--archive", str(tmp_path / "a"),
                        "-s", "BROWSER_EXECUTABLE=/nonexistent/chromium", timeout=60)
    assert done.returncode == 1  # could not start (docs/crawling/exit-codes.md)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "apt-get install chromium" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "a").exists()  # nothing was crawled


def test_sites_file_browser_key_is_validated(tmp_path):
    from archiver.crawl.sites import SitesFileError, load_sites

    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "a"\nstart = ["https://a.example/"]\nbrowser = true\n'
                     '[[site]]\nname = "b"\nstart = ["https://b.example/"]\nbrowser = "yes"\n')
    with pytest.raises(SitesFileError, match="'browser' must be true or false"):
        load_sites(sites)
    sites.write_text('[defaults]\nbrowser = true\n[[site]]\nname = "a"\nstart = ["https://a.example/"]\n')
    assert load_sites(sites)[0].browser is True


def test_hanging_page_is_cut_at_the_timeout_and_archived_as_far_as_it_got(tmp_path):
    chromium()
    with BrowserSite() as site:
        sites = tmp_path / "sites.toml"
        sites.write_text(textwrap.dedent(f"""\
            [[site]]
            name = "harbour"
            start = ["{site.url}{HANGING}"]
            browser = true
            """))
        result = crawl(tmp_path / "archive", "--sites", str(sites), "-s", "BROWSER_PAGE_TIMEOUT=3")
    [record] = result.records
    assert record["headline"] == HANGING_HEADLINE and "harbour wall" in record["body"]
    assert record["truncated"] is True and record["browser"]["timed_out"] is True
    assert "1 cut at the page timeout" in result.stdout
    [page] = [r for r in result.records_of("response") if r.rec_headers.get_header("WARC-Target-URI") == record["url"]]
    assert page.rec_headers.get_header("WARC-Truncated") == "time"
    resources = {r.rec_headers.get_header("WARC-Target-URI"): r for r in result.records_of("resource")}
    assert "urn:screenshot:" + record["url"] in resources
    [dom] = result.records_of("conversion")  # what the record came from, linked to the cut response
    assert dom.rec_headers.get_header("WARC-Refers-To") == page.rec_headers.get_header("WARC-Record-ID")
    assert HANGING_HEADLINE.encode() in dom.body


def test_browser_records_re_extract_to_the_same_records_from_their_rendered_dom(crawls, tmp_path):
    [record] = crawls.first.records
    [dom] = crawls.first.records_of("conversion")  # the DOM, linked to the page's response, replay-neutral
    assert dom.rec_headers.get_header("WARC-Refers-To") == record["id"]
    assert dom.rec_headers.get_header("WARC-Target-URI") == record["url"]
    assert dom.rec_headers.get_header("WARC-Archiver-Conversion") == "rendered-dom"
    assert HEADLINE.encode() in dom.body and record["browser"]["dom"]["record_id"] == \
        dom.rec_headers.get_header("WARC-Record-ID")
    # One task, then the file cut at every capture (byte ranges): the DOM stays with its response.
    for number, options in enumerate((["--workers", "1"], ["--workers", "2", "--task-size", "1KB"])):
        out_dir = tmp_path / f"out{number}"
        done = run_archiver("reextract", "--archive", str(crawls.first.archive), "--out", str(out_dir), *options)
        assert done.returncode == 0, done.stderr
        [out] = out_dir.glob("*.jsonl")
        again = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
        assert again[record["id"]] == record  # every field, the body from the DOM, not the empty shell
    from archiver.warc.cdxj import all_lines

    indexed = [json.loads(line.split(" ", 2)[2]) for line in all_lines(crawls.first.archive / "warc")
               if ARTICLE.rstrip("/") in line]
    # The page's response and the second crawl's revisit, never the DOM: pywb cannot serve it as the page.
    assert sorted(entry["mime"] for entry in indexed) == ["text/html", "warc/revisit"]


def test_replay_qa_compares_a_browser_page_with_its_capture_time_screenshot(crawls):
    done = run_archiver("qa", "--archive", str(crawls.first.archive), "--json", "--workers", "1")
    assert done.returncode == 0, done.stderr
    [verdict] = [json.loads(line) for line in done.stdout.splitlines()
                 if json.loads(line)["record_id"] == crawls.first.records[0]["id"]]
    # The script, its JSON and the lazy photo all come from the archive: the replay looks like the capture.
    assert verdict["reference"] == "screenshot" and verdict["visual"] >= 0.99 and verdict["text"] == 1.0
    assert verdict["ok"] is True and verdict["missing"] == []
