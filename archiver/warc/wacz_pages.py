"""The pages of a crawl's WACZ: every HTML page it archived (the articles marked), with what pictures it.

An archivist browsing a WACZ in ReplayWeb.page starts from its page list, so the list holds
every page a reader could open (home, sections, articles), not only the articles: each page's
first capture in the crawl, a response or a revisit (an unchanged page fetched again), titled
by its article record's headline, else by its ``<title>``. For the page's thumbnail, the
pictures the page offers are listed in the order they are tried (see ``thumbnails.py``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator

from archiver.warc.reading import iter_warc

SCREENSHOT_SCHEME = "urn:screenshot:"  # browser mode's page screenshots (archiver.browser.capture)
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_HTML = 4 * 1024**2  # bytes of a page read for its title and pictures
MAX_IMAGES = 40  # <img> of a page tried as its picture, at most


@dataclass(frozen=True)
class Location:
    """Where a record is: its WARC file and gzip member."""

    path: Path
    offset: int
    length: int

    def payload(self, limit: int) -> bytes | None:
        """The record's HTTP payload, decoded (chunking, gzip undone), at most ``limit`` bytes; None if unreadable."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = gzip.decompress(fh.read(self.length))
            record = next(iter(ArchiveIterator(io.BytesIO(data))))
            return record.content_stream().read(limit + 1)[: limit + 1]
        except Exception:  # noqa: BLE001 - a damaged record gives no payload: the page is listed without it
            return None


@dataclass
class Capture:
    url: str
    ts: str
    status: int
    content_type: str
    location: Location | None  # the record holding the payload (the original, for a revisit)
    refers_to: str | None = None


@dataclass
class Page:
    """One page of the WACZ page list."""

    url: str
    ts: str
    title: str | None = None
    article: bool = False
    pictures: list[str] = field(default_factory=list)  # image URLs, in the order tried for the thumbnail
    declared: str | None = None  # the picture the page names for previews (og:image), if any
    screenshot: Location | None = None

    def as_json(self) -> dict[str, Any]:
        page = {"id": hashlib.sha1(f"{self.url} {self.ts}".encode()).hexdigest()[:32], "url": self.url, "ts": self.ts}
        if self.title:
            page["title"] = self.title
        page["kind"] = "article" if self.article else "page"
        return page


@dataclass
class Inventory:
    """What a WACZ's WARC files hold that its pages and thumbnails need."""

    captures: list[Capture] = field(default_factory=list)  # the crawl's own, in file order
    images: dict[str, Capture] = field(default_factory=dict)  # first 200 image capture per URL, any file
    screenshots: dict[str, Location] = field(default_factory=dict)  # page URL -> screenshot record


def _status(member: Any) -> int:
    headers = member.record.http_headers
    try:
        return int(headers.get_statuscode()) if headers else 0
    except (TypeError, ValueError):
        return 0


def take_inventory(crawl_warcs: Iterable[Path], all_warcs: Iterable[Path]) -> Inventory:
    """One pass over the WARC files: the crawl's captures, every image, screenshots; revisits resolved."""
    crawl = set(crawl_warcs)
    inventory = Inventory()
    by_id: dict[str, Location] = {}
    for warc in sorted(set(all_warcs)):
        for member in iter_warc(warc):
            kind, url = member.rec_type, member.header("WARC-Target-URI") or ""
            here = Location(warc, member.offset, member.length)
            if kind == "response":
                by_id[member.header("WARC-Record-ID") or ""] = here
            if kind == "resource" and url.startswith(SCREENSHOT_SCHEME) and warc in crawl:
                inventory.screenshots.setdefault(url[len(SCREENSHOT_SCHEME):], here)
            if kind not in ("response", "revisit"):
                continue
            headers = member.record.http_headers
            content_type = (headers.get_header("Content-Type") or "").split(";")[0].strip().lower() if headers else ""
            refers_to = member.header("WARC-Refers-To") if kind == "revisit" else None
            capture = Capture(url, member.header("WARC-Date") or "", _status(member), content_type,
                              here if kind == "response" else None, refers_to)
            if warc in crawl:
                inventory.captures.append(capture)
            if capture.status == 200 and content_type.startswith("image/"):
                inventory.images.setdefault(url, capture)
    for capture in [*inventory.captures, *inventory.images.values()]:
        if capture.location is None and capture.refers_to:
            capture.location = by_id.get(capture.refers_to)
    return inventory


def html_pages(inventory: Inventory, articles: dict[str, dict[str, Any]]) -> list[Page]:
    """The crawl's HTML pages (first 200 capture of each URL), titled and with their pictures listed.

    ``articles`` maps URLs to their records (the latest the archive holds): those pages are articles.
    """
    pages: list[Page] = []
    seen: set[str] = set()
    for capture in inventory.captures:
        if capture.status != 200 or capture.content_type not in HTML_TYPES or capture.url in seen:
            continue
        seen.add(capture.url)
        record = articles.get(capture.url)
        page = Page(capture.url, capture.ts, article=record is not None, screenshot=inventory.screenshots.get(capture.url))
        title, pictures = read_page(capture)
        page.title = (record or {}).get("headline") or title
        page.declared = next((url for kind, url in pictures if kind == "declared"), None)
        from_record = [u for u in [(record or {}).get("lead_image"), *((record or {}).get("images") or [])]
                       if isinstance(u, str)]
        # An article's own pictures are its record's; the other <img> of an article page are other stories' teasers.
        on_page = [] if page.article else [url for kind, url in pictures if kind == "img"]
        page.pictures = list(dict.fromkeys([*([page.declared] if page.declared else []), *from_record, *on_page]))
        pages.append(page)
    return pages


def read_page(capture: Capture) -> tuple[str | None, list[tuple[str, str]]]:
    """A page's ``<title>`` and its pictures: ("declared", og:image or twitter:image) first, then ("img", src)."""
    payload = capture.location.payload(MAX_HTML) if capture.location else None
    if not payload:
        return None, []
    try:
        from lxml import html as lxml_html

        tree = lxml_html.fromstring(payload[:MAX_HTML])
    except Exception:  # noqa: BLE001 - not HTML after all (lxml's errors vary): no title, no pictures
        return None, []
    titles = [" ".join(t.text_content().split()) for t in tree.iter("title")]
    pictures: list[tuple[str, str]] = []
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").lower()
        if name in ("og:image", "og:image:url", "twitter:image") and meta.get("content"):
            pictures.append(("declared", urljoin(capture.url, meta.get("content").strip())))
            break
    for img in tree.iter("img"):
        source = img.get("src") or img.get("data-src")
        if source and not source.startswith("data:"):
            pictures.append(("img", urljoin(capture.url, source.strip())))
        if len(pictures) > MAX_IMAGES:
            break
    return (titles[0] or None) if titles else None, pictures
