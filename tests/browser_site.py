"""A small site whose article JavaScript builds, and a page that hangs, served on 127.0.0.1 for browser-mode tests.

- ``ARTICLE``: an HTML shell ("Loading...") whose script fetches the story as JSON
  (served gzip-encoded) and builds headline, byline, paragraphs and JSON-LD into the
  DOM; its photo is lazy (``data-src``, swapped in when scrolled into view).
- ``HANGING``: sends the start of an article, then never finishes the response.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = "/news/2026/bridge-reopens-after-the-floods/"
HANGING = "/news/2026/hanging-page-about-the-harbour/"
HEADLINE = "Valley bridge reopens six months after the floods"
HANGING_HEADLINE = "Harbour works stall as the tide rises"
PARAGRAPHS = [
    "The stone bridge over the river reopened on Tuesday morning, six months after the winter floods tore "
    "away its eastern arch and cut the valley's villages off from the market town.",
    "Engineers rebuilt the arch with stone taken from the old quarry above the town, and the council said "
    "the work came in under budget despite two further storms in the spring.",
    "Residents who had driven a forty-minute detour every day since January lined the road to watch the "
    "first bus cross, and the school reopened its bridge-side gate the same afternoon.",
    "The council will now turn to the footpaths along the river bank, which remain closed, and expects to "
    "open the first of them before the summer holidays begin.",
]

SHELL = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loading...</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header class="masthead">Valley News</header>
<main id="app"><p class="loading">Loading...</p></main>
<script src="/static/app.js"></script></body></html>
"""

APP_JS = """
fetch('/api/story.json').then(r => r.json()).then(story => {
  document.title = story.headline + ' | Valley News';
  const ld = document.createElement('script');
  ld.type = 'application/ld+json';
  ld.textContent = JSON.stringify({'@context': 'https://schema.org', '@type': 'NewsArticle',
    headline: story.headline, datePublished: story.published, author: {'@type': 'Person', name: story.author}});
  document.head.appendChild(ld);
  const article = document.createElement('article');
  const h1 = document.createElement('h1'); h1.textContent = story.headline; article.appendChild(h1);
  const by = document.createElement('p'); by.className = 'byline';
  by.innerHTML = 'By <span class="author">' + story.author + '</span> <time datetime="' + story.published + '">'
    + story.published.slice(0, 10) + '</time>';
  article.appendChild(by);
  for (const text of story.paragraphs) { const p = document.createElement('p'); p.textContent = text; article.appendChild(p); }
  const figure = document.createElement('figure');
  figure.innerHTML = '<img class="lazy" width="600" height="300" alt="The bridge" data-src="/static/bridge.png">'
    + '<figcaption>The rebuilt arch.</figcaption>';
  article.appendChild(figure);
  const app = document.getElementById('app'); app.innerHTML = ''; app.appendChild(article);
  const observer = new IntersectionObserver(entries => entries.forEach(entry => {
    if (entry.isIntersecting) { entry.target.src = entry.target.dataset.src; observer.unobserve(entry.target); }
  }));
  document.querySelectorAll('img.lazy').forEach(img => observer.observe(img));
});
"""

CSS = """
body { margin: 0; font: 18px/1.5 sans-serif; background: #f4efe6; color: #222; }
.masthead { background: #1d3557; color: #fff; padding: 16px 32px; font-size: 28px; font-weight: bold; }
main { max-width: 720px; margin: 0 auto; padding: 24px 32px; }
h1 { font-size: 34px; color: #1d3557; }
.byline { color: #666; }
figure { margin: 1200px 0 40px; }
img.lazy { display: block; background: #ccc; }
"""


def bridge_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 300), "#87b5d6")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 200, 600, 300], fill="#3a6b35")
    draw.arc([150, 120, 450, 360], 180, 360, fill="#6d6d6d", width=28)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def hanging_start() -> bytes:
    head = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": HANGING_HEADLINE,
            "datePublished": "2026-11-29T07:30:00Z"}
    paragraphs = "".join(f"<p>{p.replace('bridge', 'harbour wall')}</p>" for p in PARAGRAPHS)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{HANGING_HEADLINE}</title>"
            f"<script type=application/ld+json>{json.dumps(head)}</script></head><body><article>"
            f"<h1>{HANGING_HEADLINE}</h1>{paragraphs}" + " " * 2048).encode()


class Handler(BaseHTTPRequestHandler):
    server: BrowserSite.Server

    def log_message(self, *args: object) -> None:
        pass

    def send(self, body: bytes, content_type: str, *extra: tuple[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == ARTICLE:
            self.send(SHELL.encode(), "text/html; charset=utf-8")
        elif self.path == "/static/app.js":
            self.send(APP_JS.encode(), "application/javascript")
        elif self.path == "/static/site.css":
            self.send(CSS.encode(), "text/css")
        elif self.path == "/static/bridge.png":
            self.send(self.server.png, "image/png")
        elif self.path == "/api/story.json":
            story = {"headline": HEADLINE, "author": "Mara Ellis", "published": "2026-11-30T08:00:00Z",
                     "paragraphs": PARAGRAPHS}
            # gzip-encoded, as servers send JSON: the browser hands over the decoded body.
            self.send(gzip.compress(json.dumps(story).encode()), "application/json", ("Content-Encoding", "gzip"))
        elif self.path == HANGING:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(hanging_start())
            self.wfile.flush()
            self.server.stopping.wait(120)  # never finishes while the site runs
        else:
            self.send_error(404)


class BrowserSite:
    """``with BrowserSite() as site:`` serves the pages at ``site.url``; ``stop()`` takes them down."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        png = b""
        stopping = threading.Event()

    def __init__(self) -> None:
        self.server = self.Server(("127.0.0.1", 0), Handler)
        self.server.png = bridge_png()
        self.server.stopping = threading.Event()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BrowserSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.stopping.set()
            self.server.shutdown()
            self.server.server_close()

    def __exit__(self, *exc: object) -> None:
        self.stop()
