"""A small site whose pages need requisites of every kind, served on 127.0.0.1, plus a second origin.

The main origin serves two pages (an article and a listing). They need a stylesheet that
``@import``s another, a web font (a subset of DejaVu Sans Mono, so a missing font shows as a
different typeface), a CSS background image, an ``<img srcset>``, a lazy image a script swaps in
from ``data-src``, an image in a ``style=""``, a script that writes into the page and an image
from the second origin (a CDN on another port). ``bad=True`` adds a page whose requisites fail
in every way: 404, a timeout, one too big, a refused port, a CSS ``url()`` loop and a stylesheet
of thousands of ``@import``s.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FONT = Path(__file__).parent / "fixtures" / "requisites" / "archive-test-mono.ttf"
BODY = " ".join(
    f"Paragraph {n}: the harbour council met on Tuesday to discuss the river bridge, the winter market "
    "and the railway timetable, which residents said had been waiting for years." for n in range(1, 4))


def png(width: int, height: int, colour: tuple[int, int, int], stripe: tuple[int, int, int]) -> bytes:
    """A striped PNG (Pillow), so a missing or wrong image is many pixels."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 16):
        draw.rectangle([x, 0, x + 7, height], fill=stripe)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class QuietServer(ThreadingHTTPServer):
    request_queue_size = 128  # requisites come many at once
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up (the timeout case) is expected here


class Origin:
    """One origin: path -> (status, content type, body, delay seconds); every request logged."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # any address of 127.0.0.0/8 is this machine: another address, another host name
        self.routes: dict[str, tuple[int, str, bytes, float]] = {}
        self.hits: list[str] = []
        self.on_hit: Callable[[str], None] | None = None  # called with each path requested
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def add(self, path: str, content_type: str, body: bytes | str, status: int = 200, delay: float = 0.0) -> None:
        self.routes[path] = (status, content_type, body.encode() if isinstance(body, str) else body, delay)

    def start(self) -> Origin:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                origin.hits.append(self.path)
                if origin.on_hit is not None:
                    origin.on_hit(self.path)
                status, content_type, body, delay = origin.routes.get(
                    self.path, (404, "text/html; charset=utf-8", b"<h1>Not found</h1>", 0.0))
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the crawler gave up waiting (the timeout case)

            def log_message(self, *args: object) -> None:
                pass

        self._server = QuietServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{self.host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - The Test Gazette</title>
<meta property="og:site_name" content="The Test Gazette">
<link rel="stylesheet" href="/css/main.css">
<link rel="icon" href="/img/icon.png">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"{title}","datePublished":"2024-05-01T10:00:00Z","author":{{"@type":"Person","name":"Ada Lovelace"}}}}</script>
<script src="/js/lazy.js" defer></script>
</head><body>
<header class="masthead"><a href="/">The Test Gazette</a> <a href="/news/second.html">Second</a></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By Ada Lovelace</p>
<div class="hero"></div>
<figure><img src="/img/photo-200.png" srcset="/img/photo-200.png 1x, /img/photo-400.png 2x" width="200" height="100" alt="photo"></figure>
<img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==" data-src="/img/lazy.png" width="160" height="80" alt="lazy">
<div class="inline" style="background-image: url('/img/inline.png')"></div>
<img src="{cdn}/cdn/remote.png" width="120" height="60" alt="from a CDN">
<p id="scripted">not yet written</p>
<script src="/js/write.js"></script>
{paragraphs}
</article></main></body></html>
"""

MAIN_CSS = '@import url("base.css");\n.hero { height: 80px; background: url(/img/bg.png) repeat-x; }\n'
BASE_CSS = """@font-face { font-family: "ArchiveTestMono"; src: url("/fonts/archive-test-mono.ttf") format("truetype"); }
body { margin: 0; padding: 16px; font: 16px/1.4 "ArchiveTestMono", serif; background: #fffdf5; color: #222; }
h1 { font-size: 28px; color: #7a1f1f; }
.masthead { border-bottom: 4px solid #7a1f1f; padding-bottom: 6px; }
.inline { width: 100px; height: 40px; }
"""
LAZY_JS = """document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("img.lazy").forEach(function (img) { img.src = img.dataset.src; });
});"""
WRITE_JS = 'document.getElementById("scripted").textContent = "Written by a script at load time.";'


def build(main: Origin, cdn: Origin, bad: bool = False) -> None:
    paragraphs = "\n".join(f"<p>{BODY}</p>" for _ in range(3))
    for path, title in (("/news/first.html", "Harbour council approves the river bridge"),
                        ("/news/second.html", "Winter market returns to the old square")):
        main.add(path, "text/html; charset=utf-8", PAGE.format(title=title, cdn=cdn.url, paragraphs=paragraphs))
    index = PAGE.format(title="Front page", cdn=cdn.url, paragraphs=(
        '<p><a href="/news/first.html">Harbour council approves the river bridge</a></p>'
        '<p><a href="/news/second.html">Winter market returns to the old square</a></p>'
        + ('<p><a href="/news/broken.html">Broken</a></p>' if bad else "")))
    main.add("/", "text/html; charset=utf-8", index)
    main.add("/robots.txt", "text/plain", "User-agent: *\nDisallow: /img/\n")  # requisites are fetched anyway
    main.add("/css/main.css", "text/css", MAIN_CSS)
    main.add("/css/base.css", "text/css", BASE_CSS)
    main.add("/js/lazy.js", "text/javascript", LAZY_JS)
    main.add("/js/write.js", "text/javascript", WRITE_JS)
    main.add("/fonts/archive-test-mono.ttf", "font/ttf", FONT.read_bytes())
    main.add("/img/icon.png", "image/png", png(16, 16, (122, 31, 31), (255, 255, 255)))
    main.add("/img/bg.png", "image/png", png(64, 80, (40, 90, 160), (200, 220, 240)))
    main.add("/img/photo-200.png", "image/png", png(200, 100, (30, 130, 60), (230, 200, 40)))
    main.add("/img/photo-400.png", "image/png", png(400, 200, (30, 130, 60), (230, 200, 40)))
    main.add("/img/lazy.png", "image/png", png(160, 80, (150, 40, 150), (250, 250, 250)))
    main.add("/img/inline.png", "image/png", png(100, 40, (220, 120, 20), (20, 20, 20)))
    cdn.add("/cdn/remote.png", "image/png", png(120, 60, (10, 10, 10), (240, 60, 60)))
    if bad:
        add_bad_page(main, cdn)


def add_bad_page(main: Origin, cdn: Origin) -> None:
    refused = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    imports = "\n".join(f'@import "many-{n}.css";' for n in range(3000))
    main.add("/news/broken.html", "text/html; charset=utf-8", f"""<!doctype html><html><head><title>Broken</title>
<link rel="stylesheet" href="/css/loop-a.css"><link rel="stylesheet" href="/css/many.css">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"A page whose requisites fail","datePublished":"2024-05-02T10:00:00Z"}}</script></head><body>
<article><h1>A page whose requisites fail</h1>
<img src="/img/gone.png"><img src="/img/slow.png"><img src="/img/huge.png"><img src="{refused}/refused.png">
<p>{BODY}</p><p>{BODY}</p></article></body></html>""")
    main.add("/css/loop-a.css", "text/css", '@import "loop-b.css"; body { background: url(loop-a.css); }')
    main.add("/css/loop-b.css", "text/css", '@import "loop-a.css"; @import url(/css/loop-b.css);')
    main.add("/css/many.css", "text/css", imports)
    main.add("/img/slow.png", "image/png", png(8, 8, (0, 0, 0), (1, 1, 1)), delay=4.0)
    main.add("/img/huge.png", "image/png", b"\x89PNG" + b"\0" * 300_000)


class Blackhole:
    """A port on 127.0.0.1 that accepts connections and never answers (a host that swallows requests);
    ``connections`` counts what it accepted."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.socket = socket.create_server((host, 0), backlog=128)
        self.url = f"http://{host}:{self.socket.getsockname()[1]}"
        self.connections = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            self.held.append(connection)  # kept open, never read from, never answered

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()
