"""A local site of pages with no metadata (tests/pagekind_pages.py) and binaries served as text/html.

``/`` links every page: metadata-free articles, listing pages, and a PNG, a PDF and a gzip file
whose server calls them ``text/html``.
"""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from pagekind_pages import Writer, article_pages, listing_pages, teaser_list

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> stream\n" + bytes(range(256)) * 8 + b"\nendstream\n%%EOF\n"
GZIP = gzip.compress(b"<html><body><p>" + b"compressed text " * 400 + b"</p></body></html>")
BINARIES = {"/files/photo.html": PNG, "/files/report.html": PDF, "/files/bundle.html": GZIP}


class PageKindSite:
    """``with PageKindSite() as site:`` serves on 127.0.0.1; ``site.url``, ``site.articles`` (path -> headline)."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.articles: dict[str, str] = {}
        for name, _, headline, html in article_pages():
            path = f"/news/{name}.html"
            self.pages[path] = html.encode("utf-8")
            self.articles[path] = headline
        self.listings = []
        for name, url, html in listing_pages()[:6]:
            path = f"/lists/{name}/"
            self.pages[path] = html.encode("utf-8")
            self.listings.append(path)
        links = "".join(f'<li><a href="{path}">{path}</a></li>' for path in
                        [*self.articles, *self.listings, *BINARIES])
        front = teaser_list(Writer(99), 5, dated=True).replace("</body>", f"<ul>{links}</ul></body>")
        self.pages["/"] = front.encode("utf-8")

    def __enter__(self) -> PageKindSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                body = site.pages.get(path) or BINARIES.get(path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")  # for the binaries too
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
