"""Browser mode when Chromium dies or stops answering: it is started again, the page rendered once more, every
page recorded once, and the summary counts the restarts."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from archiver.browser.process import Chromium, chromium_processes
from conftest import REPO
from test_browser import chromium

PAGES = [f"/news/2026/river-report-part-{n}/" for n in range(1, 5)]
SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loading...</title></head>
<body><main id="app">Loading...</main><script>
fetch('/api' + location.pathname + 'story.json').then(r => r.json()).then(s => {
  document.title = s.headline;
  const ld = document.createElement('script');
  ld.type = 'application/ld+json';
  ld.textContent = JSON.stringify({'@context': 'https://schema.org', '@type': 'NewsArticle', headline: s.headline,
                                   datePublished: '2026-04-02T06:00:00Z', author: {'@type': 'Person', name: 'Jo Marsh'}});
  document.head.appendChild(ld);
  document.getElementById('app').innerHTML = '<article><h1>' + s.headline + '</h1><p class="byline">By Jo Marsh</p>'
    + s.paragraphs.map(p => '<p>' + p + '</p>').join('') + '</article>';
});</script></body></html>"""
PARAGRAPHS = [
    "The river rose through the night and by morning the lower town was under water, the council said, and "
    "volunteers worked until dawn to move families from the houses along the quay.",
    "Firefighters pumped water from the school's basement while the bakery on Mill Street handed out bread "
    "and tea to the people waiting for news of their homes on the far bank.",
    "The bridge was closed to traffic at six, and the bus company sent its buses the long way round through "
    "the hills, adding almost an hour to the journey into the market town.",
    "Forecasters expect the water to fall by Thursday, but the council has asked residents of the lower town "
    "to stay with family or in the sports hall until the engineers have checked every house.",
]


def headline(path: str) -> str:
    return f"River report, part {path.rstrip('/').rsplit('-', 1)[1]}: the lower town floods"


class Site(ThreadingHTTPServer):
    """Client-rendered articles; the first story fetched kills the crawl's Chromium (``kill``)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.killed: list[int] = []
        self.armed = threading.Event()

    def kill_chromium(self) -> None:
        """SIGKILL the Chromium this test's crawl started (a descendant of this process), by its id."""
        if not self.armed.is_set():
            return
        self.armed.clear()
        for pid in chromium_processes(chromium()):
            os.kill(pid, signal.SIGKILL)
            self.killed.append(pid)


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, *args: object) -> None:
        pass

    def send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/":
            links = "".join(f'<li><a href="{p}">{headline(p)}</a></li>' for p in PAGES)
            self.send(f"<!doctype html><html><body><ul>{links}</ul></body></html>".encode(), "text/html")
        elif path in PAGES:
            self.send(SHELL.encode(), "text/html; charset=utf-8")
        elif path.startswith("/api/") and path.endswith("/story.json"):
            page = path[len("/api"):-len("story.json")]
            self.server.kill_chromium()  # mid-page: its document is in, its story not yet
            story = {"headline": headline(page), "paragraphs": PARAGRAPHS}
            self.send(json.dumps(story).encode(), "application/json")
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def site():
    chromium()
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_killing_chromium_mid_crawl_the_crawl_finishes_with_every_page_recorded_once(site, tmp_path):
    archive = tmp_path / "archive"
    site.armed.set()
    done = subprocess.run([sys.executable, "-m", "archiver", "crawl", site.url + "/", "--browser", "--archive",
                           str(archive), "--depth", "1", "-s", "AUTOTHROTTLE_ENABLED=False", "-s",
                           "BROWSER_SCREENSHOT=False",
                           # A render the kill leaves waiting ends as a hang, after page + 2 snapshot timeouts:
                           # these local pages render in well under a second, so short ones keep that wait short.
                           "-s", "BROWSER_PAGE_TIMEOUT=10", "-s", "BROWSER_SNAPSHOT_TIMEOUT=4"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert site.killed, "the crawl's Chromium was not found to kill"
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    records = [json.loads(line) for path in (archive / "articles").glob("*.jsonl")
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["url"] for r in records) == sorted(site.url + p for p in PAGES)  # each once
    assert all(r["headline"] == headline(r["url"][len(site.url):]) for r in records)
    assert "1 Chromium restart" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


def test_a_chromium_that_stops_answering_is_killed_and_replaced(tmp_path):
    from archiver.browser.handler import answers

    async def scenario() -> tuple[bool, bool, bool, int]:
        keeper = Chromium(chromium())
        try:
            first = await keeper.get()
            [pid] = chromium_processes(keeper.executable)
            os.kill(pid, signal.SIGSTOP)  # hung: alive, answering nothing
            started = time.monotonic()
            hung = not await answers(first, timeout=2)
            await keeper.restart(first, "stopped answering", hung=True)
            gone = pid not in chromium_processes(keeper.executable)
            second = await keeper.get()
            return hung, gone, await answers(second), round(time.monotonic() - started)
        finally:
            await keeper.close()

    hung, gone, fresh, seconds = asyncio.run(scenario())
    assert hung and gone and fresh, (hung, gone, fresh)
    assert not chromium_processes(chromium())  # nothing left behind
