"""An archive as replay QA reads it: every capture by URL, its pages, their screenshots and rendered DOMs.

One pass over the WARC files fills a SQLite table (in the run's scratch folder, read by
every worker). A *page* is an HTML response (or revisit) with status 200 fetched as a page:
the crawl asked for it as a document (``Accept: text/html``), not as a requisite
(``Accept: */*``) nor as a browser's frame (``Sec-Fetch-Dest: iframe``). Captures are found
as replay tools find them: by URL (scheme dropped, query sorted, as pywb's keys), the one
closest in time to the page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from warcio.archiveiterator import ArchiveIterator
from w3lib.url import canonicalize_url

from archiver.browser.capture import SCREENSHOT_SCHEME, is_rendered_dom
from archiver.datasets.scratch import scratch_db
from archiver.datasets.warc_responses import ArchivedResponse, pointer_name, read_record_at, to_response
from archiver.record.items import WarcPointer
from archiver.warc.reading import OnDamage, iter_warc, log_damage

LEGACY_DOM_SCHEME = "urn:dom:"  # the rendered DOM of a cut page, before it became a conversion record
HTML_TYPES = ("text/html", "application/xhtml+xml")
FRAME_DESTINATIONS = {"iframe", "frame", "embed", "object"}
# A decoded body larger than this is not served to the replay (a page's requisites are far smaller).
MAX_BODY = 64 * 1024**2

SCHEMA = """
CREATE TABLE files (number INTEGER PRIMARY KEY, path TEXT, name TEXT, crawl TEXT);
CREATE TABLE captures (id INTEGER PRIMARY KEY, key TEXT, url TEXT, date TEXT, kind TEXT, file INT, offset INT,
                       length INT, status INT, mime TEXT, record_id TEXT, refers_to TEXT, page INT DEFAULT 0);
CREATE TABLE extras (kind TEXT, refers_to TEXT, url TEXT, date TEXT, file INT, offset INT, length INT);
"""
INDEXES = """
CREATE INDEX captures_key ON captures (key, date);
CREATE INDEX captures_record ON captures (record_id);
CREATE INDEX extras_refers ON extras (refers_to);
CREATE INDEX extras_url ON extras (url, date);
"""


def url_key(url: str) -> str:
    """The lookup key of a URL: canonical (query sorted, escapes normalised), fragment and scheme dropped."""
    try:
        url = canonicalize_url(url)
    except ValueError:
        pass
    return url.split("#", 1)[0].split("://", 1)[-1]


@dataclass(frozen=True)
class Page:
    """One archived page to check: its capture, and what the capture left to compare with."""

    url: str
    date: str  # WARC-Date of its response (or revisit)
    record_id: str
    file: str  # path of its WARC file
    offset: int
    crawl: str
    screenshot: tuple[str, int] | None = None  # (WARC path, offset) of its capture-time screenshot
    dom: tuple[str, int] | None = None  # (WARC path, offset) of its rendered DOM

    @property
    def browser(self) -> bool:
        return self.screenshot is not None or self.dom is not None


@dataclass(frozen=True)
class Served:
    """What the replay is answered with for one URL: status, headers and the decoded body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    date: str


def build_index(warc_files: Iterable[Path], archive: Path, path: Path,
                on_damage: OnDamage | None = log_damage) -> Path:
    """Read every record of ``warc_files`` once into a new lookup table at ``path``."""
    db = scratch_db(path, SCHEMA)
    for number, warc in enumerate(warc_files):
        db.execute("INSERT INTO files VALUES (?, ?, ?, ?)", (number, str(Path(warc).resolve()),
                                                             pointer_name(Path(warc), archive), ""))
        _scan(db, number, Path(warc), on_damage)
    db.executescript(INDEXES)
    db.commit()
    db.close()
    return path


def _scan(db: sqlite3.Connection, number: int, warc: Path, on_damage: OnDamage | None) -> None:
    rows, extras, pages = [], [], set()
    crawl = ""
    for member in iter_warc(warc, on_damage):
        record = member.record
        headers = record.rec_headers
        kind = record.rec_type
        where = (number, member.offset, member.length)
        if kind == "warcinfo":
            crawl = crawl or _warcinfo_field(record.content_stream().read(), "crawl")
        elif kind in ("response", "revisit"):
            http = record.http_headers
            try:
                status = int(http.get_statuscode()) if http is not None and http.statusline else None
            except (TypeError, ValueError):
                status = None
            mime = (http.get_header("Content-Type") or "").split(";", 1)[0].strip().lower() if http else ""
            url = headers.get_header("WARC-Target-URI") or ""
            rows.append((url_key(url), url, headers.get_header("WARC-Date") or "", kind, *where, status, mime,
                         headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Refers-To")))
        elif kind == "request" and _is_page_request(record):
            pages.add(headers.get_header("WARC-Concurrent-To"))
        elif is_rendered_dom(record):
            extras.append(("dom", headers.get_header("WARC-Refers-To"), headers.get_header("WARC-Target-URI"),
                           headers.get_header("WARC-Date"), *where))
        elif kind == "resource":
            uri = headers.get_header("WARC-Target-URI") or ""
            for scheme, name in ((SCREENSHOT_SCHEME, "screenshot"), (LEGACY_DOM_SCHEME, "dom")):
                if uri.startswith(scheme):
                    extras.append((name, None, uri[len(scheme):], headers.get_header("WARC-Date"), *where))
    db.executemany("INSERT INTO captures (key, url, date, kind, file, offset, length, status, mime, record_id, "
                   "refers_to, page) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [(*row, int(row[9] in pages)) for row in rows])
    db.executemany("INSERT INTO extras VALUES (?, ?, ?, ?, ?, ?, ?)", extras)
    db.execute("UPDATE files SET crawl = ? WHERE number = ?", (crawl, number))


def _warcinfo_field(payload: bytes, name: str) -> str:
    for line in payload.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name:
            return value.strip()
    return ""


def _is_page_request(record) -> bool:
    """Asked for as a document: by the crawl (its page requests accept HTML first) or a browser's main frame."""
    http = record.http_headers
    if http is None or (http.protocol or "").upper() != "GET":
        return False
    accept = (http.get_header("Accept") or "").lower()
    destination = (http.get_header("Sec-Fetch-Dest") or "").lower()
    return accept.startswith("text/html") and destination not in FRAME_DESTINATIONS


class ArchiveIndex:
    """Lookups in a table ``build_index`` made (read-only: every worker opens its own)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.files = {number: path for number, path in self.db.execute("SELECT number, path FROM files")}

    def close(self) -> None:
        self.db.close()

    def pages(self, crawl: str | None = None, files: set[str] | None = None) -> Iterator[Page]:
        """Every page, in archive order; of one crawl (its warcinfo ``crawl``), or of some WARC files."""
        query = ("SELECT captures.url, captures.date, captures.record_id, files.path, captures.offset, files.crawl, "
                 "captures.kind "
                 "FROM captures JOIN files ON files.number = captures.file WHERE page = 1 AND status = 200 "
                 f"AND mime IN ({', '.join('?' * len(HTML_TYPES))}) ORDER BY captures.id")
        for url, date, record_id, path, offset, crawl_id, kind in self.db.execute(query, HTML_TYPES).fetchall():
            if (crawl and crawl_id != crawl) or (files is not None and path not in files):
                continue
            if kind == "revisit" and self.original(record_id) is None:
                continue  # its payload is not in the files read
            yield Page(url, date, record_id, path, offset, crawl_id, self._extra("screenshot", url, date, record_id),
                       self._extra("dom", url, date, record_id))

    def crawls(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT crawl FROM files WHERE crawl != '' ORDER BY 1")]

    def _extra(self, kind: str, url: str, date: str, record_id: str) -> tuple[str, int] | None:
        """The page's screenshot or DOM: linked by record id; else (older archives) the one of its URL nearest in
        time to this capture, when no other capture of the page is nearer to it."""
        row = self.db.execute("SELECT file, offset FROM extras WHERE kind = ? AND refers_to = ?",
                              (kind, record_id)).fetchone()
        if row is not None:
            return self.files[row[0]], row[1]
        candidates = self.db.execute("SELECT file, offset, date FROM extras WHERE kind = ? AND refers_to IS NULL "
                                     "AND url = ?", (kind, url)).fetchall()
        if not candidates:
            return None
        moment = _moment(date)
        file, offset, taken = min(candidates, key=lambda row: abs((_moment(row[2]) - moment).total_seconds()))
        others = [_moment(d) for (d,) in self.db.execute(
            "SELECT date FROM captures WHERE key = ? AND page = 1 AND record_id != ?", (url_key(url), record_id))]
        distance = abs((_moment(taken) - moment).total_seconds())
        if any(abs((_moment(taken) - other).total_seconds()) < distance for other in others):
            return None  # it belongs to another capture of this page
        return self.files[file], offset

    def original(self, record_id: str) -> tuple[str, int] | None:
        """Where the response a revisit refers to is (its payload)."""
        row = self.db.execute("SELECT refers_to FROM captures WHERE record_id = ?", (record_id,)).fetchone()
        if row is None or not row[0]:
            return None
        found = self.db.execute("SELECT file, offset FROM captures WHERE record_id = ? AND kind = 'response'",
                                (row[0],)).fetchone()
        return (self.files[found[0]], found[1]) if found else None

    def closest(self, url: str, date: str) -> tuple[str, int, str] | None:
        """(WARC path, offset, record id) of the capture of ``url`` nearest in time to ``date``."""
        rows = self.db.execute("SELECT file, offset, record_id, date FROM captures WHERE key = ?",
                               (url_key(url),)).fetchall()
        if not rows:
            return None
        moment = _moment(date)
        file, offset, record_id, _ = min(rows, key=lambda row: (abs((_moment(row[3]) - moment).total_seconds()),
                                                               row[3]))
        return self.files[file], offset, record_id

    def serve(self, path: str, offset: int, record_id: str) -> Served | None:
        """The capture at ``path``/``offset`` as the replay gets it (a revisit with its original's payload)."""
        record, body = read_record_at(Path(path), offset)
        original = None
        if record.rec_type == "revisit":
            found = self.original(record_id)
            if found is None:
                return None
            original, body = read_record_at(Path(found[0]), found[1])
        pointer = WarcPointer(filename=path, record_id=record_id, offset=offset, length=0)
        response = to_response(record, pointer, body, payload_record=original)
        if response is None:
            return None
        return Served(response.status, *decoded(response), response.warc_date)

    def read_payload(self, where: tuple[str, int]) -> bytes:
        """The block of a resource or conversion record (a screenshot, a DOM)."""
        with open(where[0], "rb") as fh:
            fh.seek(where[1])
            return next(iter(ArchiveIterator(fh))).content_stream().read()


def decoded(response: ArchivedResponse) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body with the content encoding undone (Scrapy's decoders): the browser gets plain bytes."""
    headers = [(k, v) for k, v in response.headers if k.lower() not in ("content-length", "transfer-encoding")]
    encodings = [v.encode("latin-1") for k, v in headers if k.lower() == "content-encoding"]
    if not encodings:
        return headers, response.body
    # Scrapy 2.19's own helpers (pinned in pyproject.toml), as archiver.datasets.rebuild uses them.
    to_decode, to_keep = HttpCompressionMiddleware._split_encodings(encodings)
    body = response.body
    try:
        for encoding in to_decode:
            body = HttpCompressionMiddleware._decode(body, encoding, MAX_BODY)
    except Exception:  # noqa: BLE001 - a corrupt or cut body is served as it is, as a browser would get it
        return headers, response.body
    headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
    if to_keep:
        headers.append(("Content-Encoding", b", ".join(to_keep).decode("latin-1")))
    return headers, body


def _moment(date: str) -> datetime:
    try:
        return datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
