"""The reading room: a Starlette application over an archive's search index, WARC files and pywb.

Pages are plain HTML from Jinja templates (no JavaScript needed); every page has a JSON
twin under ``/api/``. Only three things are read from the archive folder: the index,
the WARC record a record points at (by the pointer the index holds, never by a name in
the request), and what pywb serves through ``/archive/`` and ``/static/``.
"""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from archiver.qa.results import find_verdict
from archiver.reading import diff as differ
from archiver.reading import display, favicon
from archiver.reading.access import AccessMiddleware, AccessRule
from archiver.reading.facets import active_year
from archiver.reading import search as reader
from archiver.reading.index import connect, index_path
from archiver.reading.query import FILTERS, SORT_LABELS, QueryError, SearchLinks, clean_params, parse
from archiver.reading.replay import PREFIXES, Replay

TEMPLATES = Path(__file__).parent / "templates"
MAX_WARC_RECORD = 64 * 1024**2 + 65536  # WARC_MAX_PAYLOAD_SIZE plus headers: larger pointers are not ours
CACHED = {"Cache-Control": "public, max-age=86400"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ReadingRoom:
    """What the routes share: the archive folder, its index and the replay."""

    def __init__(self, archive: Path, replay: Replay | None = None) -> None:
        self.archive = Path(archive).resolve()
        self.index = index_path(self.archive)
        self.replay = replay or Replay()
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.globals["replay_link"] = Replay.link
        self.templates.env.filters["web_url"] = web_url
        self.templates.env.filters["when"] = display.readable
        self.templates.env.filters["day"] = display.short
        self.templates.env.filters["language"] = display.language_name

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        connection = connect(self.index)
        try:
            yield connection
        finally:
            connection.close()

    # -- responses

    def page(self, request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
        context = {"replay": self.replay, "filters": FILTERS, **context}
        response = self.templates.TemplateResponse(request, template, context, status_code=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    def message(self, request: Request, status: int, text: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": text}, status_code=status, headers=SECURITY_HEADERS)
        return self.page(request, "message.html", {"title": "Not found" if status == 404 else "Cannot do that",
                                                    "text": text}, status)

    # -- search

    def _search(self, request: Request, strict: bool) -> reader.Results:
        params = {k: v for k, v in request.query_params.items()}
        query = parse(params, strict=strict)
        with self.db() as db:
            try:
                return reader.search(db, query)
            except sqlite3.OperationalError as error:  # an expression FTS5 still refuses
                raise QueryError(f"cannot search for {query.text[:80]!r}: {error}") from None

    def search_page(self, request: Request) -> Response:
        given = list(request.query_params.multi_items())
        clean = clean_params(given)
        if clean != given:  # a form sends its empty fields too: the address keeps what was asked for only
            return RedirectResponse("/?" + urlencode(clean) if clean else "/", status_code=303,
                                    headers=SECURITY_HEADERS)
        links = SearchLinks(given)
        context = {"links": links, "params": request.query_params, "sorts": SORT_LABELS, "error": None,
                   "window": reader.WINDOW, "chosen": []}
        try:
            results = self._search(request, strict=False)
        except QueryError as error:
            return self.page(request, "search.html", {**context, "error": str(error), "results": None}, 400)
        return self.page(request, "search.html", {**context, "results": results, "pages": page_numbers(results),
                                                  "chosen": chosen_filters(results)})

    def search_api(self, request: Request) -> Response:
        try:
            results = self._search(request, strict=True)
        except QueryError as error:
            return self.message(request, 400, str(error))
        query = results.query
        return JSONResponse({
            "query": {"q": query.text, "fts": query.match, "filters": query.filters(), "sort": query.sort,
                      "page": query.page, "per_page": query.per_page,
                      "versions": "all" if query.all_versions else "latest"},
            "notes": query.notes, "total": results.total, "total_is_exact": results.total is not None,
            "results": [hit.as_json() for hit in results.hits], "has_more": results.has_more,
            "facets": results.facets.as_json() if results.facets else None,
        }, headers=SECURITY_HEADERS)

    # -- records

    def _record(self, key: str) -> tuple[dict[str, Any], list[reader.Version]]:
        with self.db() as db:
            record = reader.record(db, key)
            if record is None:
                raise HTTPException(404, f"no record {key[:80]!r} in this archive")
            return record, reader.versions(db, reader.article_of(db, key) or "")

    def record_page(self, request: Request) -> Response:
        key = request.path_params["key"]
        record, versions = self._record(key)
        shown = readable(record)
        current = next((v for v in versions if v.key == key), None)
        previous = [v for v in versions if current and v.version < current.version]
        with self.db() as db:
            archived = reader.archived_keys(db, [t["url"] for t in shown["translations"] if web_url(t["url"])])
        return self.page(request, "record.html", {
            "record": shown, "key": key, "versions": versions, "current": current,
            "compare_with": previous[-1].key if previous else None,
            "paragraphs": differ.paragraphs(record.get("body") or ""),
            "figures": self.figures(shown), "translations_archived": archived,
            "has_warc": self.warc_member(record) is not None, "qa": self.qa_verdict(record)})

    def figures(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        """The article's pictures with their captions, each from the archive (pywb's image of the capture
        nearest the article's); the lead image first when it has no caption."""
        captioned = [c for c in record["captions"] if web_url(c["image_url"])]
        figures = [{"url": c["image_url"], "caption": c["text"], "credit": c["credit"], "alt": c["alt"] or c["text"]}
                   for c in captioned]
        lead = record["lead_image"]
        if web_url(lead) and lead not in {c["image_url"] for c in captioned}:
            figures.insert(0, {"url": lead, "caption": None, "credit": None, "alt": ""})
        for figure in figures:
            figure["src"] = Replay.image_link(figure["url"], record["fetched_at"]) if self.replay.running else None
        return figures

    def record_api(self, request: Request) -> Response:
        key = request.path_params["key"]
        record, versions = self._record(key)
        return JSONResponse({"id": key, "record": record, "versions": [_version_json(v) for v in versions],
                             "links": self._links(key, record), "qa": self.qa_verdict(record)},
                            headers=SECURITY_HEADERS)

    def qa_verdict(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """The page's last replay QA verdict (``archiver qa``), or None when it was never checked."""
        def text(name: str) -> str | None:
            return record.get(name) if isinstance(record.get(name), str) else None

        return find_verdict(self.archive, text("id"), text("url"), text("fetched_at"))

    def versions_api(self, request: Request) -> Response:
        _record, versions = self._record(request.path_params["key"])
        return JSONResponse({"versions": [_version_json(v) for v in versions]}, headers=SECURITY_HEADERS)

    def _links(self, key: str, record: dict[str, Any]) -> dict[str, str | None]:
        return {"page": f"/records/{key}",
                "warc": f"/records/{key}/warc" if self.warc_member(record) is not None else None,
                "replay": Replay.link(record["url"], record.get("fetched_at")) if self.replay.running else None}

    # -- the raw WARC record

    def warc_member(self, record: dict[str, Any]) -> tuple[Path, int, int] | None:
        """Where the record's WARC response is, if its pointer names a WARC file inside the archive's WARC folder."""
        pointer = record.get("warc")
        if not isinstance(pointer, dict):
            return None
        name, offset, length = pointer.get("filename"), pointer.get("offset"), pointer.get("length")
        if not isinstance(name, str) or not isinstance(offset, int) or not isinstance(length, int):
            return None
        if offset < 0 or not 0 < length <= MAX_WARC_RECORD or "\x00" in name:
            return None
        warc_dir = (self.archive / "warc").resolve()
        path = (self.archive / name).resolve()
        if not path.is_relative_to(warc_dir) or not path.name.endswith((".warc.gz", ".warc.gz.open")):
            return None
        return (path, offset, length) if path.is_file() else None

    def warc_record(self, request: Request) -> Response:
        key = request.path_params["key"]
        record, _versions = self._record(key)
        member = self.warc_member(record)
        if member is None:
            raise HTTPException(404, "this record has no WARC record in the archive")
        path, offset, length = member
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
        if len(data) != length or not data.startswith(b"\x1f\x8b"):
            raise HTTPException(404, "the record's WARC pointer does not point at a gzip member")
        if request.query_params.get("view") == "headers":  # the WARC and HTTP headers, as text
            head = gzip.decompress(data).split(b"\r\n\r\n", 2)
            text = b"\r\n\r\n".join(head[:2]).decode("utf-8", "replace")
            return Response(text, media_type="text/plain; charset=utf-8", headers=SECURITY_HEADERS)
        filename = f"{key}.warc.gz"
        return Response(data, media_type="application/warc", headers={
            **SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})

    # -- versions

    def _diff(self, request: Request) -> tuple[dict, dict, list[differ.FieldDiff], list[reader.Version]]:
        a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
        if not a or not b:
            raise QueryError("give two versions to compare: ?a=ID&b=ID")
        old, versions = self._record(a)
        new, _ = self._record(b)
        old, new = readable(old), readable(new)
        return old, new, differ.record_diff(old, new), versions

    def diff_page(self, request: Request) -> Response:
        try:
            old, new, fields, versions = self._diff(request)
        except QueryError as error:
            return self.message(request, 400, str(error))
        return self.page(request, "diff.html", {"old": old, "new": new, "fields": fields, "versions": versions,
                                                "a": request.query_params["a"], "b": request.query_params["b"]})

    def diff_api(self, request: Request) -> Response:
        try:
            old, new, fields, _versions = self._diff(request)
        except QueryError as error:
            return self.message(request, 400, str(error))
        return JSONResponse({"a": request.query_params["a"], "b": request.query_params["b"],
                             "fields": [f.as_json() for f in fields]}, headers=SECURITY_HEADERS)

    # -- browse

    def _counts(self, request: Request) -> dict[str, Any]:
        site = request.query_params.get("site", "").strip()[:200] or None
        with self.db() as db:
            return reader.counts(db, site)

    def browse_page(self, request: Request) -> Response:
        return self.page(request, "browse.html", {"counts": self._counts(request)})

    def browse_api(self, request: Request) -> Response:
        return JSONResponse(self._counts(request), headers=SECURITY_HEADERS)

    # -- replay

    async def replay_proxy(self, request: Request) -> Response:
        if not self.replay.running:
            return self.message(request, 404, f"replay is not available: {self.replay.reason}")
        path = unquote(request.url.path)
        if "\x00" in path or "\\" in path or ".." in path.split("/"):
            return self.message(request, 400, "that address cannot be replayed")
        raw = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        target = raw + (f"?{request.url.query}" if request.url.query else "")
        status, headers, body = await run_in_threadpool(
            self.replay.forward, request.method, target, list(request.headers.items()), await request.body())
        response = Response(body, status_code=status)
        for name, value in headers:
            response.headers.append(name, value)
        return response


def readable(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every field a page shows in the type the schema gives it (records may be malformed)."""
    def strings(value: Any) -> list[str]:
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def objects(value: Any, keys: tuple[str, ...]) -> list[dict[str, str]]:
        items = value if isinstance(value, list) else []
        return [{k: v.get(k) if isinstance(v.get(k), str) else None for k in keys} for v in items if isinstance(v, dict)]

    shown = {k: (record.get(k) if isinstance(record.get(k), str) else None)
             for k in ("url", "headline", "body", "published", "modified", "fetched_at", "language", "section",
                       "site_name", "site", "lead_image", "description")}
    return {**shown, "authors": strings(record.get("authors")), "tags": strings(record.get("tags")),
            "captions": objects(record.get("captions"), ("text", "credit", "image_url", "alt")),
            "translations": objects(record.get("translations"), ("language", "url")),
            "paywalled": record.get("paywalled") is True, "truncated": record.get("truncated") is True,
            "version": record.get("version") if isinstance(record.get("version"), int) else None}


def chosen_filters(results: reader.Results) -> list[tuple[str, str, str]]:
    """A search's filters as (what, the value as a reader reads it, the parameter that removes it), e.g.
    ``("Site", "The Meridian Post", "site")``: labels from the facets, which keep a chosen value in view."""
    query = results.query
    groups = results.facets.groups if results.facets else {}

    def label(group: str, value: str) -> str:
        return next((v.label for v in groups.get(group, []) if v.value.casefold() == value.casefold()), value)

    chosen = [(title, label(param, value), param) for title, param, value in (
        ("Site", "site", query.site), ("Language", "language", query.language), ("Section", "section", query.section),
        ("Author", "author", query.author)) if value]
    if query.date_from or query.date_to:
        first, last = display.short(query.date_from), display.short(query.date_to)
        span = active_year(query) or (f"{first} to {last}" if first and last else f"from {first}" if first
                                      else f"until {last}")
        chosen.append(("Dates", span, "dates"))
    return chosen


def page_numbers(results: reader.Results) -> list[int | None]:
    """The page numbers a pager shows: the first, the last and those near the current one (None: a gap)."""
    current = results.query.page
    last = results.pages or current + (1 if results.has_more else 0)
    shown = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers if last > 1 else []


def web_url(url: object) -> str | None:
    """The URL when it is http(s), else None: archived pages choose these links (no javascript: URLs)."""
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


def _version_json(version: reader.Version) -> dict[str, Any]:
    return {"id": version.key, "version": version.version, "fetched_at": version.fetched_at,
            "headline": version.headline, "latest": version.latest,
            "links": {"page": f"/records/{version.key}", "record": f"/api/records/{version.key}"}}


def create_app(archive: Path, replay: Replay | None = None, access: AccessRule | None = None) -> Starlette:
    """The reading room over ``archive``; with ``access``, every request must carry its credentials."""
    room = ReadingRoom(archive, replay)

    def guarded(endpoint: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            try:
                return endpoint(request)
            except HTTPException as error:
                return room.message(request, error.status_code, str(error.detail))
        return run

    def icon(request: Request) -> Response:
        if request.url.path.endswith(".svg"):
            return Response(favicon.SVG, media_type="image/svg+xml", headers={**SECURITY_HEADERS, **CACHED})
        return Response(favicon.ico(), media_type="image/vnd.microsoft.icon", headers={**SECURITY_HEADERS, **CACHED})

    routes = [
        Route("/favicon.ico", icon),
        Route("/favicon.svg", icon),
        Route("/", guarded(room.search_page)),
        Route("/browse", guarded(room.browse_page)),
        Route("/records/{key}", guarded(room.record_page)),
        Route("/records/{key}/warc", guarded(room.warc_record)),
        Route("/diff", guarded(room.diff_page)),
        Route("/api/search", guarded(room.search_api)),
        Route("/api/records/{key}", guarded(room.record_api)),
        Route("/api/records/{key}/versions", guarded(room.versions_api)),
        Route("/api/diff", guarded(room.diff_api)),
        Route("/api/browse", guarded(room.browse_api)),
        *(Route(prefix + "{rest:path}", room.replay_proxy, methods=["GET", "HEAD", "POST"]) for prefix in PREFIXES),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        return room.message(request, status, "no such page" if status == 404 else str(getattr(exc, "detail", "")))

    async def server_error(request: Request, exc: Exception) -> Response:
        return room.message(request, 500, "the reading room failed on this request; see the server log")

    # Around everything, routing included: no page, API call, replayed page or unknown address escapes it.
    middleware = [Middleware(AccessMiddleware, rule=access)] if access is not None else []
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={404: not_found, 405: not_found, 500: server_error})
    app.state.room = room
    return app
