"""A crawl of a local fixture server (gzip, chunked, repeated headers, redirects, errors, an image, a cut
body, a large body, TLS): what the WARC files hold is what the servers sent, and standard tools accept it."""

from __future__ import annotations

import gzip
import subprocess
import sys
from dataclasses import dataclass

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import run_archiver, shared_tool
from warc_fixture_server import BIG, PHOTO, TRUNCATED_SENT, FixtureServer, page

PAYLOAD_LIMIT = 50_000
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"WARC_MAX_PAYLOAD_SIZE={PAYLOAD_LIMIT}"]


@dataclass
class Capture:
    type: str
    uri: str
    warc: object  # warcio StatusAndHeaders of the record
    http: object  # warcio StatusAndHeaders of the HTTP message, or None
    raw: bytes  # the block after the HTTP headers, as stored


@dataclass
class FixtureCrawl:
    archive: object
    returncode: int
    log: str
    http: FixtureServer
    https: FixtureServer
    captures: list[Capture]

    def of(self, path: str, kind: str = "response", server: FixtureServer | None = None) -> list[Capture]:
        url = (server or self.http).url + path
        return [c for c in self.captures if c.type == kind and c.uri == url]

    def one(self, path: str, kind: str = "response", server: FixtureServer | None = None) -> Capture:
        [capture] = self.of(path, kind, server)
        return capture


def read_captures(archive) -> list[Capture]:
    captures = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                captures.append(Capture(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                                        record.rec_headers, record.http_headers, record.raw_stream.read()))
    return captures


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> FixtureCrawl:
    folder = tmp_path_factory.mktemp("fidelity")
    archive = folder / "archive"
    with FixtureServer() as http, FixtureServer(tls_dir=folder / "tls") as https:
        done = run_archiver("crawl", f"{http.url}/", f"{https.url}/", "--archive", str(archive), *FAST)
    return FixtureCrawl(archive, done.returncode, done.stdout + done.stderr, http, https, read_captures(archive))


def test_the_crawl_fetched_every_fixture_page(crawl):
    seen = {path for path, _ in crawl.http.seen}
    assert {"/gzip/", "/chunked/", "/repeated/", "/redirect/final/", "/missing/", "/error/", "/photo",
            "/slow-truncated/", "/big/", "/after-cookie/"} <= seen, crawl.log[-3000:]


def test_every_warc_passes_warcio_check_the_strict_check_and_archiver_verify(crawl):
    files = [str(p) for p in sorted((crawl.archive / "warc").glob("*.warc.gz"))]
    assert files
    subprocess.run([sys.executable, "-m", "warcio.cli", "check", *files], check=True)
    strict = subprocess.run([sys.executable, str(shared_tool("warc_strict_check.py")), *files],
                            capture_output=True, text=True)
    assert strict.returncode == 0 and "STRICT: no problems" in strict.stdout, strict.stdout
    verify = run_archiver("verify", "--archive", str(crawl.archive))
    assert verify.returncode == 0 and "faults          0" in verify.stdout, verify.stdout


def test_gzip_body_is_stored_compressed_as_sent(crawl):
    capture = crawl.one("/gzip/")
    assert capture.http.get_header("Content-Encoding") == "gzip"
    assert capture.raw == gzip.compress(page("Gzip page"), mtime=0)
    assert capture.http.get_header("Content-Length") == str(len(capture.raw))


def test_chunked_body_is_stored_dechunked_without_a_stale_transfer_encoding(crawl):
    capture = crawl.one("/chunked/")
    assert capture.raw == page("Chunked page")
    assert capture.http.get_header("Transfer-Encoding") is None


def test_repeated_headers_keep_every_value_in_order_and_exact_bytes(crawl):
    capture = crawl.one("/repeated/")
    values = [(k, v) for k, v in capture.http.headers if k in ("Set-Cookie", "X-Repeat")]
    assert [v for k, v in values if k == "Set-Cookie"] == ["first=1; Path=/", "second=2; Path=/"]
    assert [v for k, v in values if k == "X-Repeat"] == ["one", "two", "three"]
    raw = b"".join(gzip.open(p).read() for p in (crawl.archive / "warc").glob("*.warc.gz"))
    assert b"\r\nX-Latin: caf\xe9\r\n" in raw  # the byte as sent, not percent-encoded
    # Documented reconstruction: Scrapy's capitalisation; connection headers dropped by the client.
    assert capture.http.get_header("X-Lower-Case") == "yes"
    assert capture.http.get_header("Connection") is None


def test_redirect_chain_is_archived_hop_by_hop(crawl):
    first, second = crawl.one("/redirect/1"), crawl.one("/redirect/2")
    assert (first.http.get_statuscode(), first.http.get_header("Location")) == ("302", "/redirect/2")
    assert (second.http.get_statuscode(), second.http.get_header("Location")) == ("301", "/redirect/final/")
    assert crawl.one("/redirect/final/").http.get_statuscode() == "200"


@pytest.mark.parametrize(("path", "status"), [("/missing/", "404"), ("/error/", "500")])
def test_error_answers_are_archived_too(crawl, path, status):
    captures = crawl.of(path) + crawl.of(path, "revisit")
    assert captures and {c.http.get_statuscode() for c in captures} == {status}
    assert crawl.of(path)[0].raw == page({"404": "Missing page", "500": "Server error"}[status])


def test_retried_identical_answers_become_revisits_of_the_first(crawl):
    # RetryMiddleware fetched /error/ three times; the same body is stored once.
    assert len(crawl.of("/error/")) == 1 and len(crawl.of("/error/", "revisit")) == 2


def test_binary_image_is_byte_identical(crawl):
    capture = crawl.one("/photo")
    assert capture.raw == PHOTO and capture.http.get_header("Content-Type") == "image/png"


def test_body_cut_by_the_server_is_kept_and_marked_truncated(crawl):
    capture = crawl.one("/slow-truncated/")
    assert capture.warc.get_header("WARC-Truncated") == "disconnect"
    assert capture.raw == TRUNCATED_SENT


def test_body_past_the_size_limit_is_cut_archived_and_marked(crawl):
    capture = crawl.one("/big/")
    assert capture.warc.get_header("WARC-Truncated") == "length"
    assert PAYLOAD_LIMIT < len(capture.raw) < len(BIG) and BIG.startswith(capture.raw)


def test_tls_certificate_is_a_metadata_record_referring_to_the_response(crawl):
    response = crawl.one("/", server=crawl.https)
    metadata = crawl.one("/", "metadata", server=crawl.https)
    assert metadata.warc.get_header("WARC-Refers-To") == response.warc.get_header("WARC-Record-ID")
    assert metadata.warc.get_header("Content-Type") == "application/x-pem-file"
    assert metadata.raw == crawl.https.certificate_pem
    assert response.warc.get_header("WARC-IP-Address") == "127.0.0.1"
    assert not crawl.of("/", "metadata")  # plain HTTP has no certificate


def test_reason_phrase_is_restored_from_the_status_code(crawl):
    # Scrapy's HTTP client drops the server's phrase ("Fine Thanks"); the README says so.
    assert crawl.one("/phrase/").http.statusline == "200 OK"


def test_cookies_sent_are_kept_out_of_request_records(crawl):
    sent = [headers for path, headers in crawl.http.seen if path == "/after-cookie/"]
    assert sent and any("Cookie" in headers for headers in sent), "Scrapy should have sent the cookie"
    for request in crawl.of("/after-cookie/", "request"):
        assert request.http.get_header("Cookie") is None


def test_zstd_answer_sent_against_accept_encoding_is_archived_as_received(crawl):
    [sent] = [headers for path, headers in crawl.http.seen if path == "/zstd/"]
    assert "zstd" not in sent["Accept-Encoding"]
    capture = crawl.one("/zstd/")
    assert capture.http.get_header("Content-Encoding") == "zstd" and capture.raw[:4] == b"\x28\xb5\x2f\xfd"
    assert "unreplayable content encoding zstd" in crawl.log


def test_warcinfo_names_software_job_robots_agent_and_reconstruction(crawl):
    [info] = [c for c in crawl.captures if c.type == "warcinfo"]
    fields = dict(line.split(": ", 1) for line in info.raw.decode().splitlines())
    assert "archiver/" in fields["software"] and "Scrapy/2.19" in fields["software"]
    assert "warcio/" in fields["software"]
    assert fields["isPartOf"].startswith("news ") and crawl.http.url in fields["isPartOf"]
    assert fields["robots"] == "obey" and fields["http-header-user-agent"].startswith("archiver/")
    assert "reconstructed by Scrapy" in fields["description"]


def test_the_cdxj_index_lists_every_capture(crawl):
    from archiver.warc.cdxj import all_lines

    lines = [line.rstrip("\n") for line in all_lines(crawl.archive / "warc")]
    captures = [c for c in crawl.captures if c.type in ("response", "revisit")]
    assert len(lines) == len(captures) and lines == sorted(lines)
