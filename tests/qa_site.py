"""A small news site on 127.0.0.1 with pages that replay well and pages built to replay badly, for replay QA.

Crawled without a browser, with ``--scope requisites=site``:

- ``GOOD``: articles whose requisites the crawl finds and archives: a stylesheet with a web
  font and a background, photos (``srcset``, a lazy ``data-src``), a same-site map in an
  iframe, a script that decorates the page from inline data.
- ``COMPUTED``: the article body is fetched by a script from a URL it computes: the crawl
  cannot see it, so the archive lacks it.
- ``FOREIGN_FONT``: its headline font lives on another host (``localhost``), outside the
  capture scope: not archived.
- ``DEAD_IFRAME``: embeds a video player from a host that does not answer (a closed port).
"""

from __future__ import annotations

import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GOOD = ["/news/harbour-ferry-returns/", "/news/orchard-festival-map/", "/news/library-reopens/"]
COMPUTED = "/news/council-budget-live/"
FOREIGN_FONT = "/news/museum-wing-opens/"
DEAD_IFRAME = "/news/regatta-video/"
BAD = [COMPUTED, FOREIGN_FONT, DEAD_IFRAME]
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")

PARAGRAPHS = [
    "The council met on Thursday evening to hear residents on the plans, and the room was full long before "
    "the first speaker rose to address the members of the committee.",
    "Several speakers asked for the work to begin before the winter, when the river is at its highest and "
    "the old path along the bank is closed to walkers and cyclists alike.",
    "Officials said the contract would be signed next month and that the first phase would be finished by "
    "the spring, weather permitting, with the rest following in the autumn.",
]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again once the probe is: nothing answers there


def article(title: str, body: str, head: str = "", after: str = "") -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Riverside Courier</title>
<meta property="og:type" content="article"><link rel="stylesheet" href="/static/site.css">{head}
<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
    "headline": title, "datePublished": "2026-03-02T09:00:00Z", "author": {"@type": "Person", "name": "Ada Lind"}})}
</script></head><body><header class="masthead">Riverside Courier</header><main><article>
<h1>{title}</h1><p class="byline">By Ada Lind, 2 March 2026</p>{body}{paragraphs}</article>{after}</main>
<footer>Riverside Courier, Quay Street</footer></body></html>""".encode()


def pages(dead_port: int, port: int) -> dict[str, bytes]:
    photo = '<figure><img src="/static/ferry.png" srcset="/static/ferry.png 1x, /static/ferry@2x.png 2x" ' \
            'width="640" height="320" alt="The ferry"><figcaption>The ferry at the quay.</figcaption></figure>'
    lazy = '<figure><img class="lazy" data-src="/static/orchard.png" src="/static/blank.gif" width="640" ' \
           'height="320" alt="Orchard"></figure><script src="/static/lazy.js"></script>'
    return {
        "/": ("<!doctype html><html><head><title>Riverside Courier</title><link rel=stylesheet "
              "href=/static/site.css></head><body><h1>Riverside Courier</h1><ul>"
              + "".join(f'<li><a href="{p}">{p.strip("/").split("/")[-1].replace("-", " ")}</a></li>'
                        for p in GOOD + BAD) + "</ul></body></html>").encode(),
        GOOD[0]: article("Harbour ferry returns after the winter", photo),
        GOOD[1]: article("Orchard festival draws a record crowd", lazy,
                         after='<aside><iframe src="/embed/map/" width="640" height="240" title="Map"></iframe></aside>'),
        GOOD[2]: article("Library reopens with a new reading room",
                         '<p class="standfirst">The library reopened on Monday.</p>',
                         after='<script>const facts = {"books": 42000, "rooms": 3};'
                               'document.querySelector("main").insertAdjacentHTML("beforeend", '
                               '"<aside class=facts>Books on the shelves: " + facts.books + "</aside>");</script>'),
        COMPUTED: article("Council budget: follow the debate", '<div id="live"><p>Loading the debate...</p></div>',
                          after="<script>const part = ['deb', 'ate'].join('');"
                                "fetch('/api/' + part + '-' + (6 * 7) + '.json').then(r => r.json()).then(d => {"
                                "document.getElementById('live').innerHTML = d.entries.map(e => '<p>' + e + '</p>')"
                                ".join(''); });</script>"),
        FOREIGN_FONT: article("Museum opens its new wing to the public", "",
                              head=f'<style>@font-face {{ font-family: Display; src: url("http://localhost:{port}/'
                                   'fonts/display.ttf"); } h1 { font-family: Display, serif; }</style>'),
        DEAD_IFRAME: article("Regatta: watch the final race again", "",
                             after=f'<iframe src="http://127.0.0.1:{dead_port}/player/regatta" width="640" '
                                   'height="360" title="Video"></iframe>'),
        "/embed/map/": b'<!doctype html><html><head><link rel="stylesheet" href="/static/map.css"></head><body>'
                       b'<div class="map">Festival grounds: gate A, gate B</div></body></html>',
    }


CSS = b"""@font-face { font-family: Courier Serif; src: url("/static/fonts/serif.ttf"); }
body { margin: 0; font: 18px/1.5 "Courier Serif", serif; background: #f6f1e7 url("/static/paper.png"); color: #222; }
.masthead { background: #203a43; color: #fff; padding: 14px 28px; font-size: 26px; }
main { max-width: 700px; margin: 0 auto; padding: 20px 28px; } h1 { font-size: 32px; color: #203a43; }
.facts { background: #e3ecef; padding: 8px; }
"""
LAZY_JS = b"""document.querySelectorAll('img.lazy').forEach(img => { img.src = img.dataset.src; });"""


def png(color: str, size: tuple[int, int] = (640, 320)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).ellipse([size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4], fill="#f2c14e")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Handler(BaseHTTPRequestHandler):
    server: QaSite.Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests += 1
        found = self.server.files.get(self.path.split("?", 1)[0])
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class QaSite:
    """``with QaSite() as site:`` serves the site at ``site.url`` (127.0.0.1); ``site.port`` its port."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        files: dict[str, tuple[bytes, str]] = {}
        requests = 0  # answered so far: replay QA must add none

    def __init__(self) -> None:
        self.server = self.Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        font = FONT_FILE.read_bytes() if FONT_FILE.exists() else b"\x00\x01\x00\x00" + b"\x00" * 64
        html = "text/html; charset=utf-8"
        files = {path: (body, html) for path, body in pages(closed_port(), self.port).items()}
        files.update({
            "/robots.txt": (b"User-agent: *\nAllow: /\n", "text/plain"),
            "/static/site.css": (CSS, "text/css"),
            "/static/map.css": (b".map { padding: 20px; background: #cfe3c8; }", "text/css"),
            "/static/lazy.js": (LAZY_JS, "application/javascript"),
            "/static/fonts/serif.ttf": (font, "font/ttf"),
            "/fonts/display.ttf": (font, "font/ttf"),
            "/static/paper.png": (png("#f6f1e7", (32, 32)), "image/png"),
            "/static/ferry.png": (png("#3d7ea6"), "image/png"),
            "/static/ferry@2x.png": (png("#3d7ea6", (1280, 640)), "image/png"),
            "/static/orchard.png": (png("#5b8c51"), "image/png"),
            "/static/blank.gif": (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00"
                                  b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "image/gif"),
            "/api/debate-42.json": (json.dumps({"entries": [p.upper() for p in PARAGRAPHS]}).encode(),
                                    "application/json"),
        })
        self.server.files = files
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> QaSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()

    def __exit__(self, *exc: object) -> None:
        self.stop()
