"""Two crawls of the unchanged demo site into one archive: the second writes revisit records, and pywb
(in its own environment) replays every article from both, byte for byte; the WACZ of a crawl validates."""

from __future__ import annotations

import gzip
import html
import json
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc.wacz import read_warcinfo
from conftest import IN_CI, REPO, run_archiver, shared_tool

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


@dataclass
class Crawl:
    crawl_id: str
    records: list[dict]
    warcs: list[Path]

    def record_types(self) -> list[str]:
        types = []
        for path in self.warcs:
            with open(path, "rb") as fh:
                types += [record.rec_type for record in ArchiveIterator(fh)]
        return types


@dataclass
class TwoCrawls:
    archive: Path
    first: Crawl
    second: Crawl


def crawl_into(archive: Path, url: str, *options: str) -> Crawl:
    before = set((archive / "articles").glob("*.jsonl")), set((archive / "warc").glob("*.warc.gz"))
    done = run_archiver("crawl", url, "--archive", str(archive), *FAST, *options)
    assert done.returncode == 0, done.stderr[-3000:]
    warcs = sorted(set((archive / "warc").glob("*.warc.gz")) - before[1])
    new = set((archive / "articles").glob("*.jsonl")) - before[0]
    if not new:  # a crawl that recorded nothing leaves no records file; its WARC files name the crawl
        return Crawl(read_warcinfo(warcs[0])["crawl"], [], warcs)
    [articles] = new
    records = [json.loads(line) for line in articles.read_text(encoding="utf-8").splitlines()]
    return Crawl(articles.stem, records, warcs)


@pytest.fixture(scope="module")
def two_crawls(demo_server, tmp_path_factory) -> TwoCrawls:
    archive = tmp_path_factory.mktemp("twice") / "archive"
    first = crawl_into(archive, f"{demo_server.url}/")
    # --refetch: fetch every page again (an incremental re-crawl would skip the articles).
    second = crawl_into(archive, f"{demo_server.url}/", "--refetch")
    return TwoCrawls(archive, first, second)


def captured_articles(crawl: Crawl, first: Crawl) -> list[dict]:
    """The articles a crawl captured: its records, or for an unchanged re-fetch (no new record)
    the first crawl's record at the time of this crawl's revisit."""
    if crawl.records:
        return crawl.records
    records = {r["url"]: r for r in first.records}
    captured = []
    for path in crawl.warcs:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                url = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "revisit" and url in records:
                    captured.append({**records[url], "fetched_at": record.rec_headers.get_header("WARC-Date")})
    return captured


def path_of(url: str) -> str:
    return urlsplit(url).path


# -- deduplication


def test_second_crawl_writes_revisits_not_second_copies(two_crawls):
    first, second = two_crawls.first.record_types(), two_crawls.second.record_types()
    # Within the first crawl only page requisites served under two URLs (main.css, main.css?ver=8.6) repeat.
    assert first.count("response") > 20 and first.count("revisit") <= 5
    assert second.count("response") == 0
    assert second.count("revisit") == first.count("response") + first.count("revisit")
    second_size = sum(p.stat().st_size for p in two_crawls.second.warcs)
    assert second_size < sum(p.stat().st_size for p in two_crawls.first.warcs) / 3


def test_revisits_refer_to_the_first_crawls_responses(two_crawls):
    originals = {}
    for path in two_crawls.first.warcs:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    originals[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_headers
    for path in two_crawls.second.warcs:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type != "revisit":
                    continue
                headers = record.rec_headers
                original = originals[headers.get_header("WARC-Refers-To")]
                assert headers.get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
                assert headers.get_header("WARC-Truncated") == "length"
                assert headers.get_header("WARC-Payload-Digest") == original.get_header("WARC-Payload-Digest")
                assert headers.get_header("WARC-Refers-To-Target-URI") == original.get_header("WARC-Target-URI")
                assert headers.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date")
                assert record.http_headers.get_statuscode()  # the HTTP headers of this fetch are kept


def test_unchanged_articles_get_no_second_record_and_their_revisits_point_at_the_first(two_crawls):
    first = {r["url"]: r for r in two_crawls.first.records}
    assert len(first) == 13 and two_crawls.second.records == []  # nothing changed: no new versions
    revisited = captured_articles(two_crawls.second, two_crawls.first)
    assert sorted(r["url"] for r in revisited) == sorted(first)
    for path in two_crawls.second.warcs:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                url = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "revisit" and url in first:
                    assert record.rec_headers.get_header("WARC-Refers-To") == first[url]["warc"]["record_id"]
                    assert record.rec_headers.get_header("WARC-Date") > first[url]["fetched_at"]


def test_both_crawls_pass_warcio_check_the_strict_check_and_verify(two_crawls):
    files = [str(p) for p in two_crawls.first.warcs + two_crawls.second.warcs]
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files], check=True)
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0 and "STRICT: no problems" in strict.stdout, strict.stdout
    verify = run_archiver("verify", "--archive", str(two_crawls.archive))
    assert verify.returncode == 0, verify.stdout
    assert "faults          0" in verify.stdout


# -- replay with pywb, in its own environment


def pywb_env() -> Path:
    from archiver.warc.replay import ReplayError, find_env

    try:
        return find_env(install=False)
    except ReplayError as error:
        if IN_CI:
            pytest.fail(f"{error} (.ci/run creates it and sets ARCHIVER_PYWB_VENV)")
        pytest.skip(str(error))


@dataclass
class Replay:
    base: str
    listed: list[str]


def serve(archive: Path):
    pywb_env()
    process = subprocess.Popen([sys.executable, "-m", "archiver", "replay", "--archive", str(archive),
                                "--port", "0"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in process.stdout:
            if line.strip() == "serving":
                break
            lines.append(line.rstrip("\n"))
        assert lines and lines[0].startswith("replay "), lines
        yield Replay(lines[0].split()[1].rstrip("/"), lines[1:])
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def replay(two_crawls):
    yield from serve(two_crawls.archive)


@pytest.fixture(scope="module")
def compacted(two_crawls, tmp_path_factory):
    """A copy of the archive whose per-file indexes were compacted into a ZipNum set of small blocks."""
    archive = tmp_path_factory.mktemp("compacted") / "archive"
    shutil.copytree(two_crawls.archive, archive)
    done = run_archiver("cdx", "compact", "--archive", str(archive), "--block-lines", "5")
    assert done.returncode == 0 and "compacted" in done.stdout, done.stdout + done.stderr
    return archive


def test_each_warc_file_has_its_own_index_file(two_crawls):
    folder = two_crawls.archive / "warc" / "indexes"
    warcs = two_crawls.first.warcs + two_crawls.second.warcs
    assert sorted(p.name for p in folder.glob("*.cdxj")) == sorted(f"{w.name}.cdxj" for w in warcs)
    assert not (two_crawls.archive / "warc" / "index.cdxj").exists()


@pytest.mark.parametrize("crawl", ["first", "second"])
def test_every_article_replays_from_the_compacted_zipnum_index(compacted, two_crawls, crawl):
    folder = compacted / "warc" / "indexes"
    assert not list(folder.glob("*.cdxj")) and len(list(folder.glob("*.idx"))) == 1
    assert len((next(folder.glob("*.idx"))).read_text().splitlines()) > 3  # several blocks to search
    verify = run_archiver("verify", "--archive", str(compacted))
    assert verify.returncode == 0, verify.stdout
    for served in serve(compacted):
        for record in captured_articles(getattr(two_crawls, crawl), two_crawls.first):
            sent = fetch(record["url"])
            replayed = fetch(f"{served.base}/{timestamp(record['fetched_at'])}id_/{record['url']}")
            assert replayed == sent, record["url"]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        body = answer.read()
        if answer.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body


def timestamp(warc_date: str) -> str:
    return "".join(ch for ch in warc_date if ch.isdigit())[:14]


def test_replay_prints_the_url_of_each_archived_article(replay, two_crawls):
    for record in two_crawls.first.records + two_crawls.second.records:
        assert f"{replay.base}/{timestamp(record['fetched_at'])}/{record['url']}  {record['headline']}" \
            in replay.listed


@pytest.mark.parametrize("crawl", ["first", "second"])
def test_every_article_replays_byte_identical_in_id_mode(replay, two_crawls, expected, crawl):
    records = captured_articles(getattr(two_crawls, crawl), two_crawls.first)
    assert sorted(path_of(r["url"]) for r in records) == sorted(expected["articles"])
    for record in records:
        sent = fetch(record["url"])  # what the demo server sends (identity encoding)
        replayed = fetch(f"{replay.base}/{timestamp(record['fetched_at'])}id_/{record['url']}")
        assert replayed == sent, record["url"]


@pytest.mark.parametrize("crawl", ["first", "second"])
def test_every_article_replays_rewritten_with_its_headline(replay, two_crawls, expected, crawl):
    for record in captured_articles(getattr(two_crawls, crawl), two_crawls.first):
        page = fetch(f"{replay.base}/{timestamp(record['fetched_at'])}mp_/{record['url']}").decode("utf-8")
        assert expected["articles"][path_of(record["url"])]["headline"] in html.unescape(page)
        assert replay.base in page  # links rewritten into the archive


# -- WACZ


def test_wacz_of_the_second_crawl_validates_and_lists_every_article(two_crawls, expected, tmp_path):
    output = tmp_path / "crawl.wacz"
    done = run_archiver("wacz", "--archive", str(two_crawls.archive), "--crawl", two_crawls.second.crawl_id,
                        "-o", str(output))
    assert done.returncode == 0, done.stdout + done.stderr
    validate = subprocess.run([str(pywb_env() / "bin" / "wacz"), "validate", "-f", str(output)],
                              capture_output=True, text=True)
    assert validate.returncode == 0 and "Validation succeeded" in validate.stdout, validate.stdout
    with zipfile.ZipFile(output) as wacz:
        names = wacz.namelist()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        package = json.loads(wacz.read("datapackage.json"))
        stored = {info.filename: info.compress_type for info in wacz.infolist()}
    # The second crawl's revisits need the first crawl's file, which holds the payloads.
    assert {f"archive/{p.name}" for p in two_crawls.first.warcs + two_crawls.second.warcs} <= set(names)
    assert all(kind == zipfile.ZIP_STORED for kind in stored.values())
    assert pages[0]["format"] == "json-pages-1.0"
    # Every HTML page the crawl fetched again (revisits) is listed, the articles marked as such.
    assert sorted(path_of(p["url"]) for p in pages[1:] if p["kind"] == "article") == sorted(expected["articles"])
    assert {"/", "/world/"} <= {path_of(p["url"]) for p in pages[1:] if p["kind"] == "page"}
    assert all(p["ts"] and p["title"] for p in pages[1:])
    assert package["wacz_version"] == "1.1.1"
    assert {r["path"] for r in package["resources"]} == set(names) - {"datapackage.json",
                                                                      "datapackage-digest.json"}
