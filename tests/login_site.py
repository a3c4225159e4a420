"""A news site with a login form and a members-only article, on 127.0.0.1, for browser profiles.

``/login`` takes a user name and a password (POST) and answers with a session cookie
(``HttpOnly``) and a redirect to ``/account``, whose script also keeps a flag in local
storage. ``ARTICLE`` shows its whole text to a reader with that cookie; to anyone else a
teaser, a paywall box and ``isAccessibleForFree: false``.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ARTICLE = "/members/2026/harbour-deal-signed/"
USER = "reader"
HEADLINE = "Harbour deal signed after a night of talks"
PARAGRAPHS = [
    "The port authority and the ferry company signed the new harbour agreement at dawn on Friday, after "
    "talks that ran through the night in the old customs house on the quay.",
    "Under the deal the company keeps its berths for another twelve years and pays for the dredging of the "
    "inner basin, which has silted up since the storms of the last two winters.",
    "The fishermen's cooperative, which had feared losing its moorings, will move to the north pier, where "
    "the authority has promised new pontoons and a cold store by the end of the summer.",
    "Councillors welcomed the agreement but asked for the traffic plan for the harbour road to be published "
    "before the work starts, so that residents know when the lorries will come.",
    "The first dredger is expected in the basin in May, and the authority says the harbour will stay open "
    "to ferries and to the fishing fleet throughout the work.",
]


def page(title: str, body: str, free: bool = True) -> bytes:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": "2026-05-08T07:00:00Z", "author": {"@type": "Person", "name": "Nell Price"},
          "isAccessibleForFree": free}
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Harbour Gazette</title>'
            f'<script type="application/ld+json">{json.dumps(ld)}</script></head><body>'
            f'<header>Harbour Gazette</header><main>{body}</main></body></html>').encode()


class Handler(BaseHTTPRequestHandler):
    server: LoginSite.Server

    def log_message(self, *args: object) -> None:
        pass

    def send(self, body: bytes, status: int = 200, *headers: tuple[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def logged_in(self) -> bool:
        cookies = dict(part.strip().split("=", 1) for part in (self.headers.get("Cookie") or "").split(";")
                       if "=" in part)
        return secrets.compare_digest(cookies.get("session", ""), self.server.token)

    def do_GET(self) -> None:
        if self.path == "/login":
            self.send(b'<!doctype html><html><body><form method="post" action="/login">'
                      b'<input name="username"><input name="password" type="password">'
                      b'<button type="submit">Sign in</button></form></body></html>')
        elif self.path == "/account" and self.logged_in():
            self.send(b'<!doctype html><html><body><p id="welcome">Welcome back</p>'
                      b'<script>localStorage.setItem("gazette-reader", "subscriber")</script></body></html>')
        elif self.path == ARTICLE:
            head = f'<article><h1>{HEADLINE}</h1><p class="byline">By Nell Price</p>'
            if self.logged_in():
                body = head + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"
                self.send(page(HEADLINE, body))
            else:
                body = head + f"<p>{PARAGRAPHS[0]}</p></article><div class=\"paywall\"><p>Subscribe to read " \
                       "the rest of this story.</p><a href=\"/login\">Sign in</a></div>"
                self.send(page(HEADLINE, body, free=False))
        elif self.path == "/robots.txt":
            self.send(b"User-agent: *\nAllow: /\n")
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if self.path == "/login" and form.get("username") == [USER] and form.get("password") == [self.server.password]:
            self.send(b"", 303, ("Location", "/account"),
                      ("Set-Cookie", f"session={self.server.token}; HttpOnly; Path=/; SameSite=Lax"))
        else:
            self.send(b"<p>Wrong user name or password</p>", 403)


class LoginSite:
    """``with LoginSite() as site:``; ``site.password`` logs ``USER`` in, ``site.token`` is the session's cookie."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        token = ""
        password = ""

    def __init__(self) -> None:
        self.server = self.Server(("127.0.0.1", 0), Handler)
        self.server.token = self.token = secrets.token_hex(16)
        self.server.password = self.password = secrets.token_hex(8)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoginSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
