"""`archiver demo` end to end: the archive it leaves is complete, valid and points at itself."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import REPO, run_archiver, shared_tool

SEED = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"


def path_of(url: str) -> str:
    return urlsplit(url).path or "/"


def warc_responses(crawl):
    """(path, status, record headers, http headers, raw body) of every response record."""
    out = []
    for path in crawl.warc_files:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    out.append((uri, int(record.http_headers.get_statuscode()), record.rec_headers,
                                record.http_headers, record.raw_stream.read()))
    return out


def test_demo_prints_a_summary_with_every_article(demo_crawl, expected):
    assert demo_crawl.returncode == 0, demo_crawl.stdout
    n = len(expected["articles"])
    assert f"demo articles   {n} of {n} in the archive" in demo_crawl.stdout
    for label in ("pages fetched", "articles", "WARC files", "records", "time"):
        assert label in demo_crawl.stdout
    # What to do next: the README tour's commands, with this archive named.
    for command in ("serve", "replay", "export"):
        assert re.search(rf"^(next   )?\s+archiver {command} --archive {re.escape(str(demo_crawl.archive))}",
                         demo_crawl.stdout, re.M), demo_crawl.stdout
    assert sorted(path_of(r["url"]) for r in demo_crawl.records) == sorted(expected["articles"])


def test_demo_archives_its_stylesheet_logo_and_article_images(demo_crawl):
    assert re.search(r"^requisites      \d+ files \(.*\) archived, 0 missing, for \d+ pages \(0 incomplete\)$",
                     demo_crawl.stdout, re.M), demo_crawl.stdout
    archived = {path_of(uri): status for uri, status, *_ in warc_responses(demo_crawl)}
    for path in ("/assets/css/main.css", "/images/logo.png", "/images/favicon.png", "/assets/js/site.js"):
        assert archived.get(path) == 200, path
    for record in demo_crawl.records:
        assert record["capture"]["complete"] and record["capture"]["archived"] >= 4, record["url"]
        for image in record["images"]:  # every article image is in the WARC
            assert archived.get(path_of(image)) == 200, image


def test_every_warc_passes_warcio_check_and_the_strict_check(demo_crawl):
    assert demo_crawl.warc_files and not list((demo_crawl.archive / "warc").glob("*.open"))
    files = [str(p) for p in demo_crawl.warc_files]
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files], check=True)
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0 and "STRICT: no problems" in strict.stdout, strict.stdout


def test_each_record_points_at_the_response_record_of_its_url(demo_crawl):
    for record in demo_crawl.records:
        pointer = record["warc"]
        with open(demo_crawl.archive / pointer["filename"], "rb") as fh:
            fh.seek(pointer["offset"])
            member = fh.read(pointer["length"])
            fh.seek(pointer["offset"])
            warc_record = next(iter(ArchiveIterator(fh)))
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")  # exactly one whole member
        assert warc_record.rec_type == "response"
        assert warc_record.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"] == record["id"]
        assert warc_record.rec_headers.get_header("WARC-Target-URI") == record["url"]
        assert warc_record.rec_headers.get_header("WARC-Date") == record["fetched_at"]


def test_gzip_responses_are_stored_compressed_under_their_content_encoding(demo_crawl):
    gzipped = [(uri, body) for uri, _, _, http, body in warc_responses(demo_crawl)
               if http.get_header("Content-Encoding") == "gzip"]
    assert gzipped, "the demo server sends gzip to clients that accept it"
    for uri, body in gzipped:
        assert body[:2] == b"\x1f\x8b", uri
        assert gzip.decompress(body)


def test_traps_are_archived_but_give_no_article(demo_crawl, expected):
    responses = {path_of(uri): status for uri, status, *_ in warc_responses(demo_crawl)}
    assert responses["/robots.txt"] == 200
    for path in expected["missing"]:
        assert responses[path] == 404
    for source, target in expected["redirects"].items():
        assert responses[source] == 301 and responses[target] == 200
    for path in expected["binary"]:
        assert responses[path] == 200
    article_paths = {path_of(r["url"]) for r in demo_crawl.records}
    trap_paths = set(expected["missing"]) | set(expected["redirects"]) | set(expected["binary"])
    assert not article_paths & (trap_paths | set(expected["not_articles"]))


def test_crawl_stays_in_scope_and_obeys_robots(demo_crawl, expected):
    uris = [uri for uri, *_ in warc_responses(demo_crawl)]
    hosts = {urlsplit(uri).hostname for uri in uris}
    assert hosts == {"127.0.0.1"}
    for path in expected["disallowed"]:
        assert not any(path_of(uri).startswith(path) for uri in uris)


def test_records_follow_the_published_json_schema(demo_crawl):
    jsonschema = pytest.importorskip("jsonschema")
    from archiver.record.schema import article_schema

    validator = jsonschema.Draft202012Validator(article_schema())
    for record in demo_crawl.records:
        validator.validate(record)


def _as_datetime(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@pytest.fixture(scope="module")
def records_by_path(demo_crawl):
    return {path_of(r["url"]): r for r in demo_crawl.records}


@pytest.mark.parametrize("field", ["headline", "authors", "published", "language", "captions", "translations",
                                   "body"])
def test_demo_articles_match_what_the_site_says(records_by_path, expected, field):
    wrong = []
    for path, want in expected["articles"].items():
        record = records_by_path[path]
        if field == "published":
            ok = _as_datetime(record["published"]) == _as_datetime(want["published"])
        elif field == "captions":
            ok = [(c["text"], c["credit"]) for c in record["captions"]] == \
                 [(c["text"], c["credit"]) for c in want["captions"]]
        elif field == "translations":
            ok = [(t["language"], path_of(t["url"])) for t in record["translations"]] == \
                 [(t["language"], t["url"]) for t in want["translations"]]
        elif field == "body":
            paragraphs = record["body"].split("\n\n")
            ok = (paragraphs[0] == want["body_first"] and paragraphs[-1] == want["body_last"]
                  and len(paragraphs) == want["body_paragraphs"]
                  and not [s for s in want["not_in_body"] if s in record["body"]])
        else:
            ok = record[field] == want[field]
        if not ok:
            wrong.append((path, record[field] if field != "body" else record["body"][:300], want.get(field)))
    assert not wrong, wrong


CORRECTED = "/world/2024/03/03/harbor-strike-enters-second-week/"


def test_a_second_demo_run_makes_a_new_version_of_the_same_url(demo_crawl, tmp_path):
    """The demo site keeps its address, and is a day older on the second run: one article was corrected."""
    archive = tmp_path / "archive"
    shutil.copytree(demo_crawl.archive, archive)
    first_url = re.search(r"^demo site\s+(http://\S+?)/ ", demo_crawl.stdout, re.M)[1]
    port = urlsplit(first_url).port
    again = run_archiver("demo", "--archive", str(archive), "--port", str(port))
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"^articles\s+1$", again.stdout, re.M), again.stdout
    records = [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    versions = [r for r in records if r["url"] == first_url + CORRECTED]
    assert [r["version"] for r in versions] == [1, 2]
    assert versions[1]["previous_version_id"] == versions[0]["id"]
    assert "7 percent" in versions[1]["body"] and "Correction" in versions[1]["body"]
    assert len({r["url"] for r in records}) == len(demo_crawl.records)  # no new URL


def test_every_edit_of_the_second_edition_applies_to_its_page():
    from archiver.demo import SITE_DIR
    from archiver.demo.server import DemoSite

    editions = json.loads((SITE_DIR / "_editions.json").read_text(encoding="utf-8"))
    first = DemoSite("http://127.0.0.1:1")
    for path, edits in editions["2"]["pages"].items():
        page = first.lookup(path).body.decode("utf-8")
        for old, _new in edits:
            assert old in page, (path, old)
        corrected = DemoSite("http://127.0.0.1:1", edition=2).lookup(path).body.decode("utf-8")
        assert all(new in corrected for _old, new in edits)


def test_demo_serve_only_serves_the_site_until_stopped_and_a_taken_port_is_one_line(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "archiver", "demo", "--serve-only", "--port", str(port),
                               "--archive", str(tmp_path / "archive")], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        printed = []
        for line in server.stdout:
            printed.append(line)
            if line.startswith("serving"):
                break
        assert printed[0].startswith(f"demo site       http://127.0.0.1:{port}/ (The Meridian Post"), printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert b"The Meridian Post" in response.read()
        taken = run_archiver("demo", "--archive", str(tmp_path / "archive"), "--port", str(port))
        assert taken.returncode == 1 and taken.stdout == ""
        assert taken.stderr.count("\n") == 1 and f"127.0.0.1:{port} is in use" in taken.stderr, taken.stderr
        assert not (tmp_path / "archive").exists()  # nothing was crawled
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        server.stdout.close()
