"""A small news site on 127.0.0.1 whose pages test charsets and content encodings (for reextract tests).

- ``/cafe/``   Windows-1252 bytes; only the HTTP header names the charset.
- ``/latin/``  ISO-8859-1 named only by ``<meta charset>``; no charset in the header.
- ``/gz/``     UTF-8, sent gzip-compressed (``Content-Encoding: gzip``).
- ``/report.pdf`` a PDF, ``/missing/`` a 404, ``/`` the index linking them all.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARAGRAPHS = [
    "The Café Lumière on Rue Saint-Éloi reopened on Monday after a renovation that took “nearly two years”, "
    "its owner, Señora Inés Muñoz, told reporters gathered outside.",
    "Coffee now costs 3 € a cup, up from 2,50 €, a rise Muñoz blamed on the price of beans and on the café’s new "
    "roaster, which she said was “worth every cent” of its cost.",
    "Regulars queued from seven o’clock; one, a retired teacher, said the croissants were “exactly as before”, "
    "which he counted as the highest praise a Parisian could give.",
]


def article(title: str, charset_meta: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f'<!doctype html><html lang="en"><head>{meta}<title>{title}</title>'
            f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="2024-05-02T08:00:00+02:00">'
            f'<meta name="author" content="Jérôme Dupré"></head><body><article><h1>{title}</h1>'
            f'<p class="byline">By Jérôme Dupré</p>{body}</article></body></html>')


PAGES = {
    "/": ("text/html; charset=utf-8", '<html><body><a href="/cafe/">café</a> <a href="/latin/">latin</a> '
          '<a href="/gz/">gz</a> <a href="/report.pdf">report</a> <a href="/missing/">gone</a></body></html>'
          .encode("utf-8"), None),
    "/cafe/": ("text/html; charset=windows-1252", article("Café Lumière reopens, coffee at 3 €").encode("cp1252"),
               None),
    "/latin/": ("text/html", article("Señora Muñoz’s café", "iso-8859-1").replace("’", "'").replace("“", '"')
                .replace("”", '"').replace("€", "EUR").encode("latin-1"), None),
    "/gz/": ("text/html; charset=utf-8", gzip.compress(article("Café Lumière, gzipped").encode("utf-8")), "gzip"),
    "/report.pdf": ("application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", None),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        page = PAGES.get(self.path)
        if page is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")
            return
        content_type, body, encoding = page
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class CharsetSite:
    """``with CharsetSite() as url:`` serves the site on 127.0.0.1 in a thread."""

    def __enter__(self) -> str:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
