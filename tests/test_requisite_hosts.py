"""Dead requisite hosts are learned once per crawl, and requisites never hold the crawl back: a host that
swallows requests or refuses them costs one try, pages are never kept from the downloader by requisites,
and a page waits a bounded time for them, its record saying truthfully what was still pending."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import jsonschema
import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived
from warcio.archiveiterator import ArchiveIterator

from archiver.capture.hosts import DOWN, UP, HostGate
from archiver.capture.outcome import DNS, ERROR, REFUSED, TIMEOUT, TLS, UNREACHABLE, failure_reason
from archiver.record.schema import article_schema
from conftest import offline, run_archiver
from requisites_site import BODY, Blackhole, Origin, QuietServer, free_port

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "ROBOTSTXT_OBEY=False"]


# -- the host gate: pure, on a clock the test moves


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_host_not_heard_from_gets_one_probe_and_its_failure_answers_everyone_waiting():
    clock = Clock()
    gate = HostGate(concurrency=4, recheck=300, max_recheck=3600, clock=clock)
    assert gate.turn("cdn.test") is None  # the probe
    waiting = [gate.turn("cdn.test") for _ in range(3)]
    assert all(hasattr(w, "addCallback") for w in waiting)  # Deferreds: they wait for the probe
    told = []
    for w in waiting:
        w.addCallback(told.append)
    gate.done("cdn.test", started=0.0, answered=False, reason=TIMEOUT)
    assert told == [TIMEOUT] * 3 and gate.state("cdn.test").status == DOWN
    assert gate.turn("cdn.test") == TIMEOUT and gate.down_reason("cdn.test") == TIMEOUT  # no request


def test_a_down_host_is_checked_again_later_each_time_after_twice_as_long():
    clock = Clock()
    gate = HostGate(concurrency=4, recheck=300, max_recheck=1000, clock=clock)
    gate.turn("gone.test")
    gate.done("gone.test", 0.0, False, DNS)
    clock.now = 299
    assert gate.turn("gone.test") == DNS
    clock.now = 300
    assert gate.turn("gone.test") is None  # the re-check
    gate.done("gone.test", 300, False, DNS)
    clock.now = 300 + 599
    assert gate.turn("gone.test") == DNS
    clock.now = 300 + 600
    assert gate.turn("gone.test") is None
    gate.done("gone.test", 900, False, DNS)
    clock.now = 900 + 999
    assert gate.turn("gone.test") == DNS  # capped at max_recheck
    clock.now = 900 + 1000
    assert gate.turn("gone.test") is None
    gate.done("gone.test", 1900, True, None)  # it answered: up, at full concurrency
    assert gate.state("gone.test").status == UP
    assert [gate.turn("gone.test") for _ in range(4)] == [None] * 4


def test_one_slow_url_on_a_host_that_keeps_answering_does_not_take_the_host_down():
    clock = Clock()
    gate = HostGate(concurrency=4, recheck=300, max_recheck=3600, clock=clock)
    gate.answered("site.test")  # its pages answer
    assert gate.turn("site.test") is None
    clock.now = 10
    gate.answered("site.test")  # another answer while the slow one was out
    clock.now = 30
    gate.done("site.test", started=0.0, answered=False, reason=TIMEOUT)
    assert gate.state("site.test").status == UP and gate.turn("site.test") is None


def test_failures_are_named_by_what_they_say_about_the_host():
    def never_received(value: Exception) -> DownloadFailedError:
        inner = ResponseNeverReceived([Failure(value)])
        try:
            raise DownloadFailedError(str(inner)) from inner
        except DownloadFailedError as exc:
            return exc

    assert failure_reason(CannotResolveHostError("x")) == DNS
    assert failure_reason(DownloadConnectionRefusedError("x")) == REFUSED
    assert failure_reason(error.ConnectError(osError=101, string="Network is unreachable")) == UNREACHABLE
    assert failure_reason(error.NoRouteError()) == UNREACHABLE
    assert failure_reason(never_received(error.SSLError())) == TLS
    assert failure_reason(never_received(error.ConnectionLost())) == ERROR


# -- in a crawl


def site_naming(main: Origin, dead: list[str], pages: int = 6) -> None:
    """A front page linking ``pages`` articles; article n needs ``<dead>/asset-<n>.png`` for each dead host."""
    links = "".join(f'<p><a href="/news/{n}.html">Story {n}</a></p>' for n in range(pages))
    main.add("/", "text/html; charset=utf-8", f"<html><head><title>Front</title></head><body>{links}</body></html>")
    for n in range(pages):
        images = "".join(f'<img src="{host}/asset-{n}.png">' for host in dead)
        main.add(f"/news/{n}.html", "text/html; charset=utf-8", f"""<!doctype html><html><head>
<title>Story {n} of the harbour</title><link rel="stylesheet" href="/site.css"></head><body><article>
<h1>Story {n} of the harbour</h1>{images}<p>{BODY}</p><p>{BODY}</p></article></body></html>""")
    main.add("/site.css", "text/css", "body { margin: 0 }")


def records_of(archive: Path) -> list[dict]:
    return [json.loads(line) for path in (archive / "articles").glob("*.jsonl") for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def dead_hosts_crawl(tmp_path_factory):
    main, blackhole, plain = Origin().start(), Blackhole(), Origin("127.0.0.2").start()
    refused = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    no_tls = plain.url.replace("http://", "https://")  # a server that speaks no TLS: the handshake fails
    dead = [blackhole.url, refused, no_tls] + (["http://static.gone.invalid"] if offline() else [])
    try:
        site_naming(main, dead)
        archive = tmp_path_factory.mktemp("dead") / "archive"
        done = run_archiver("crawl", main.url + "/", "--archive", str(archive), *FAST,
                            "-s", "REQUISITES_HOST_TIMEOUT=1", "-s", "PROGRESS_INTERVAL=0.2")
        yield done, records_of(archive), blackhole.connections, dead
    finally:
        main.stop()
        plain.stop()
        blackhole.close()


def test_a_dead_host_costs_one_request_and_every_page_says_why_its_requisite_is_missing(dead_hosts_crawl):
    done, records, blackhole_connections, dead = dead_hosts_crawl
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(records) == 6
    assert blackhole_connections == 1  # one probe; the host then counts as down for the crawl
    for host, reason in zip(dead, (TIMEOUT, REFUSED, TLS, DNS)):
        entries = [m for r in records for m in r["capture"]["missing"] if m["url"].startswith(host)]
        assert len(entries) == 6 and {m["reason"] for m in entries} == {reason}, entries
        assert sum(m.get("requested", True) for m in entries) == 1  # the others were never asked for
    for record in records:
        jsonschema.validate(record, article_schema(record["schema_version"]))
        assert record["capture"]["archived"] == 1  # the stylesheet


def test_requisite_failures_are_not_crawl_errors_anywhere(dead_hosts_crawl):
    done, *_ = dead_hosts_crawl
    assert "errors          0 of 8 fetches (0%)" in done.stdout  # 7 pages and robots.txt
    assert "of the missing not asked for, their host being down" in done.stdout
    progress = [line for line in done.stderr.splitlines() if "progress:" in line]
    assert progress and all("0 errors of" in line for line in progress), progress


class GatedCdn:
    """A second origin whose images wait until the main site has been asked for a page (or 10 s)."""

    def __init__(self, gate: threading.Event) -> None:
        self.served_after_gate: list[bool] = []
        cdn = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                opened = gate.wait(10)
                cdn.served_after_gate.append(opened)
                body = b"GIF89a"
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_requisites_do_not_take_the_pages_download_slots(tmp_path):
    # One download at a time (CONCURRENT_REQUESTS=1): the front page's images hold on until the next
    # page is asked for, which can only happen if they do not occupy the one download slot.
    gate = threading.Event()
    main, cdn = Origin(), GatedCdn(gate)
    main.add("/", "text/html; charset=utf-8", "<html><head><title>Front</title></head><body>"
             + "".join(f'<img src="{cdn.url}/i{n}.gif">' for n in range(4))
             + '<a href="/next.html">next</a></body></html>')
    main.add("/next.html", "text/html; charset=utf-8", "<html><head><title>Next</title></head><body>n</body></html>")
    main.on_hit = lambda path: gate.set() if path == "/next.html" else None
    main.start()
    try:
        done = run_archiver("crawl", main.url + "/", "--archive", str(tmp_path / "archive"), *FAST,
                            "-s", "CONCURRENT_REQUESTS=1", "-s", "REQUISITES_PAGE_WAIT=30")
    finally:
        main.stop()
        cdn.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(cdn.served_after_gate) == 4 and all(cdn.served_after_gate), cdn.served_after_gate


def test_a_page_waits_a_bounded_time_and_its_record_says_what_was_still_pending(tmp_path):
    main = Origin()
    site_naming(main, ["", ""], pages=1)  # needs /asset-0.png, named twice
    status, kind, body, _ = main.routes["/news/0.html"]
    main.add("/news/0.html", kind, body.replace(b'<img src="/asset-0.png">', b'<img src="/slow.png">', 1)
             .replace(b'<img src="/asset-0.png">', b'<img src="/quick.png">'))
    main.add("/slow.png", "image/png", b"\x89PNG slow", delay=2.0)
    main.add("/quick.png", "image/png", b"\x89PNG quick")
    main.start()
    archive = tmp_path / "archive"
    try:
        done = run_archiver("crawl", main.url + "/", "--archive", str(archive), *FAST, "-s", "REQUISITES_PAGE_WAIT=0.5")
    finally:
        main.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    [record] = [r for r in records_of(archive) if r["url"].endswith("/news/0.html")]
    capture = record["capture"]
    assert capture["not_fetched_reasons"] == {"limit": 0, "pending": 1} and capture["not_fetched"] == 1
    assert capture["archived"] == 2 and capture["complete"] is False  # site.css, quick.png; slow.png was pending
    assert "1 page(s) recorded with requisites still pending" in done.stdout
    # Its download went on: the archive holds it all the same.
    uris = [record.rec_headers.get_header("WARC-Target-URI") for path in (archive / "warc").glob("*.warc.gz")
            for record in ArchiveIterator(path.open("rb")) if record.rec_type == "response"]
    assert any(uri.endswith("/slow.png") for uri in uris)
