"""A small news site served on 127.0.0.1 whose content tests change between crawls.

Four layouts, one per way of finding articles: ``sitemap`` (robots.txt -> sitemap index
-> sitemaps, no links), ``feed`` (RSS and Atom found through <link rel=alternate>, item
links carrying tracking parameters or pointing at AMP pages), ``news-sitemap`` (a
gzipped Google News sitemap) and ``sections`` (home -> section pages -> articles). The
server answers conditional requests with 304 and logs every request it gets.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAYOUTS = ("sitemap", "feed", "news-sitemap", "sections")
SECTIONS = ("world", "business")
WORDS = ("harbour council budget river bridge market school winter election festival railway museum "
         "hospital library ferry orchard factory stadium").split()


@dataclass
class Story:
    slug: str
    section: str
    published: datetime
    title: str
    revision: int = 0
    modified: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def path(self) -> str:
        return f"/news/{self.section}/{self.published:%Y/%m/%d}/{self.slug}/"

    def paragraphs(self) -> list[str]:
        seed = int(hashlib.sha1(self.slug.encode()).hexdigest(), 16)
        words = [WORDS[(seed >> i) % len(WORDS)] for i in range(60)]
        base = [f"The {words[i]} {words[i + 1]} story of {self.title.lower()} continued on "
                f"{self.published:%A} as officials met residents to discuss the {words[i + 2]} and the "
                f"{words[i + 3]}, which many said had been waiting for years." for i in range(0, 40, 8)]
        if self.revision:
            base.append(f"Update {self.revision}: this article was corrected after publication.")
        return base


class FixtureSite:
    """The site's content and request log; ``serve()`` starts it on 127.0.0.1 in a thread."""

    def __init__(self, layout: str, articles: int = 6, old: int = 0, delay: float = 0.0) -> None:
        assert layout in LAYOUTS
        self.layout = layout
        self.delay = delay  # seconds per article response, to make crawls long enough to kill
        now = datetime.now(timezone.utc).replace(microsecond=0)
        self.stories: list[Story] = []
        for i in range(articles):
            self.publish(published=now - timedelta(hours=i + 1))
        for i in range(old):  # a month old: outside any sensible max_age_days
            self.publish(published=now - timedelta(days=30 + i), title=f"Old story {i}")
        self.hits: list[tuple[str, str, int]] = []  # (method, path with query, status)
        self.user_agents: set[str] = set()
        self.times: list[tuple[float, str]] = []  # (monotonic time a request arrived, path)
        self.throttled: dict[str, str] = {}  # path -> Retry-After value of a 429 answered once
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # -- content changes between crawls

    def publish(self, published: datetime | None = None, title: str | None = None) -> Story:
        number = len(self.stories)
        story = Story(slug=f"story-{number:04d}", section=SECTIONS[number % len(SECTIONS)],
                      published=published or datetime.now(timezone.utc).replace(microsecond=0),
                      title=title or f"Story number {number} about the {WORDS[number % len(WORDS)]}")
        self.stories.append(story)
        return story

    def edit(self, story: Story) -> None:
        story.revision += 1
        story.modified = datetime.now(timezone.utc)

    # -- request log

    def article_fetches(self) -> list[str]:
        """Paths of article pages fetched (GET) so far, in order, 304s included."""
        with self._lock:
            return [path for method, path, _ in self.hits if method == "GET" and path.startswith("/news/")]

    def clear_log(self) -> None:
        with self._lock:
            self.hits.clear()

    # -- serving

    def serve(self) -> FixtureSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site._respond(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a crawler killed mid-response is what some tests do

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FixtureSite:
        return self.serve()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.times.append((time.monotonic(), handler.path))
            retry_after = self.throttled.pop(handler.path, None)
        if retry_after is not None:
            self._send(handler, 429, {"Retry-After": retry_after, "Content-Type": "text/plain"}, b"slow down")
            return
        with self._lock:  # counted until the response is ready, not sent: a client can't overlap that
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            status, content_type, body, modified = self.resource(handler.path.split("#")[0])
        finally:
            with self._lock:
                self.in_flight -= 1
        headers = {"Content-Type": content_type}
        if status == 200:
            headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers["Last-Modified"] = format_datetime(modified or datetime(2024, 1, 1, tzinfo=timezone.utc),
                                                       usegmt=True)
            if not_modified(handler.headers, headers["ETag"], modified):
                status, body = 304, b""
        if status == 304:
            headers = {name: headers[name] for name in ("ETag", "Last-Modified")}
        self._send(handler, status, headers, body)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        with self._lock:
            self.hits.append((handler.command, handler.path, status))
            self.user_agents.add(handler.headers.get("User-Agent", ""))
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def resource(self, raw_path: str) -> tuple[int, str, bytes, datetime | None]:
        path, _, query = raw_path.partition("?")
        html_type = "text/html; charset=utf-8"
        if path == "/robots.txt":
            lines = ["User-agent: *", "Disallow: /private/"]
            if self.layout == "sitemap":
                lines.append(f"Sitemap: {self.url}/sitemap_index.xml")
            return 200, "text/plain", ("\n".join(lines) + "\n").encode(), None
        if path == "/":
            return 200, html_type, self.home_page().encode(), None
        if self.layout == "sections" and path.startswith("/section/"):
            section = path.strip("/").split("/")[-1]
            if section in SECTIONS:
                return 200, html_type, self.section_page(section).encode(), None
        if self.layout == "sitemap" and path == "/sitemap_index.xml":
            return 200, "application/xml", self.sitemap_index().encode(), None
        if self.layout == "sitemap" and path.startswith("/sitemaps/") and path.endswith(".xml"):
            section = path.rsplit("/", 1)[-1][: -len(".xml")]
            return 200, "application/xml", self.urlset([s for s in self.stories if s.section == section]).encode(), None
        if self.layout == "news-sitemap" and path == "/news-sitemap.xml.gz":
            return 200, "application/x-gzip", gzip.compress(self.urlset(self.stories, news=True).encode(), mtime=0), None
        if self.layout == "feed" and path == "/feed.rss":
            return 200, "application/rss+xml", self.rss().encode(), None
        if self.layout == "feed" and path == "/atom.xml":
            return 200, "application/atom+xml", self.atom().encode(), None
        for story in self.stories:
            if path == story.path:
                if self.delay:
                    time.sleep(self.delay)
                return 200, html_type, self.article_page(story).encode(), story.modified
            if path == story.path + "amp/":
                return 200, html_type, self.amp_page(story).encode(), story.modified
        return 404, html_type, b"<html><body><h1>Not found</h1></body></html>", None

    # -- pages

    def home_page(self) -> str:
        head = ""
        if self.layout == "feed":
            head = (f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{self.url}/feed.rss">'
                    f'<link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">')
        nav = ""
        if self.layout == "sections":
            nav = "".join(f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in SECTIONS)
        return page("The Fixture Times", head, f"<h1>The Fixture Times</h1><ul>{nav}</ul><p>Today's news.</p>",
                    og_type="website")

    def section_page(self, section: str) -> str:
        teasers = "".join(f'<article><h2><a href="{s.path}">{html.escape(s.title)}</a></h2></article>'
                          for s in self.stories if s.section == section)
        return page(f"{section.title()} - The Fixture Times", "", f"<h1>{section.title()}</h1>{teasers}",
                    og_type="website")

    def article_page(self, story: Story) -> str:
        url = self.url + story.path
        jsonld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
                  "datePublished": story.published.isoformat(), "dateModified": story.modified.isoformat(),
                  "author": {"@type": "Person", "name": "Ada Reporter"}, "url": url}
        head = (f'<link rel="canonical" href="{url}"><link rel="amphtml" href="{url}amp/">'
                f'<script type="application/ld+json">{json.dumps(jsonld)}</script>')
        body = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs())
        return page(story.title, head, f"<article><h1>{html.escape(story.title)}</h1>"
                    f'<p class="byline">By Ada Reporter</p>{body}</article>', og_type="article")

    def amp_page(self, story: Story) -> str:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs())
        return (f'<!doctype html><html amp lang="en"><head><meta charset="utf-8"><title>{html.escape(story.title)}'
                f'</title><link rel="canonical" href="{self.url}{story.path}"></head><body><article><h1>'
                f"{html.escape(story.title)}</h1>{body}</article></body></html>")

    # -- sitemaps and feeds

    def sitemap_index(self) -> str:
        items = "".join(f"<sitemap><loc>{self.url}/sitemaps/{s}.xml</loc></sitemap>" for s in SECTIONS)
        return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="{SM}">{items}</sitemapindex>'

    def urlset(self, stories: list[Story], news: bool = False) -> str:
        items = []
        for s in stories:
            extra = (f"<news:news><news:publication><news:name>The Fixture Times</news:name><news:language>en"
                     f"</news:language></news:publication><news:publication_date>{s.published.isoformat()}"
                     f"</news:publication_date><news:title>{html.escape(s.title)}</news:title>"
                     f"<news:keywords>{s.section}, local</news:keywords></news:news>" if news
                     else f"<lastmod>{s.published.isoformat()}</lastmod>")
            items.append(f"<url><loc>{self.url}{s.path}</loc>{extra}</url>")
        return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SM}" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{"".join(items)}</urlset>')

    def rss(self) -> str:
        items = []
        for i, s in enumerate(self.stories):
            link = f"{self.url}{s.path}amp/" if i == 0 else f"{self.url}{s.path}?utm_source=rss&amp;utm_medium=feed"
            items.append(f"<item><title>{html.escape(s.title)}</title><link>{link}</link>"
                         f"<pubDate>{format_datetime(s.published)}</pubDate></item>")
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>The Fixture Times</title>'
                f"<link>{self.url}/</link>{''.join(items)}</channel></rss>")

    def atom(self) -> str:
        entries = "".join(f'<entry><title>{html.escape(s.title)}</title><link rel="alternate" href="{self.url}'
                          f'{s.path}?fbclid=xyz"/><published>{s.published.isoformat()}</published></entry>'
                          for s in self.stories)
        return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'


SM = "http://www.sitemaps.org/schemas/sitemap/0.9"


def page(title: str, head: str, body: str, og_type: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta property="og:type" content="{og_type}">{head}</head><body>{body}</body></html>')


def not_modified(request_headers, etag: str, modified: datetime | None) -> bool:
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in {tag.strip() for tag in if_none_match.split(",")}
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since and modified is not None:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False
