"""Downloader middleware that skips what the archive already holds, and makes revisits conditional."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse

from archiver.crawl.seen import SeenEntry, SeenStore, seen_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class SeenFilterMiddleware:
    """Drops requests for articles (and documents) the seen-store knows, before anything is fetched.

    Start pages, feeds and sitemaps carry ``dont_skip_seen`` and are always fetched. With
    ``SEEN_REFETCH`` nothing is skipped; with ``SEEN_REVISIT_DAYS`` articles younger than
    that are fetched again with ``If-None-Match``/``If-Modified-Since``: a 304 becomes a
    WARC revisit record (``warc_refers_to``), a 200 goes on to the pipelines as usual.
    Runs first (priority 50): a skipped request never reaches robots.txt or a download slot.
    """

    def __init__(self, crawler: Crawler, refetch: bool, revisit_days: float) -> None:
        self.crawler = crawler
        self.refetch = refetch
        self.revisit_days = revisit_days

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("SEEN_ENABLED"):
            raise NotConfigured
        return cls(crawler, settings.getbool("SEEN_REFETCH"), settings.getfloat("SEEN_REVISIT_DAYS"))

    @property
    def store(self) -> SeenStore:
        return seen_store(self.crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("dont_skip_seen") or request.meta.get("seen_revisit"):
            return
        entry = self.store.get(request.url)
        if entry is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        if entry.kind == "article" and self.revisit_days > 0 and entry.age_days() <= self.revisit_days:
            make_conditional(request, entry)
            stats.inc_value("seen/revisit/requests")
            return
        if self.refetch:
            stats.inc_value("seen/refetched")
            return
        stats.inc_value(f"seen/skipped/{entry.kind}")
        raise IgnoreRequest(f"already archived: {request.url}")

    def process_response(self, request: Request, response: Response) -> Response:
        stats = self.crawler.stats
        assert stats is not None
        if request.meta.get("seen_revisit") and response.status == 304:
            self.store.touch(request.url, time.time())
            stats.inc_value("seen/revisit/unchanged")
        elif (response.status == 200 and not isinstance(response, TextResponse) and "warc_pointer" in request.meta
              and not request.meta.get("dont_skip_seen")):
            # A PDF or other document: its WARC capture is all there is to keep.
            pointer = request.meta["warc_pointer"]
            self.store.mark(SeenEntry(url=response.url, kind="document", record_id=pointer["record_id"],
                                      fetched_at=request.meta.get("warc_date"), site=request.meta.get("site"),
                                      checked_at=time.time()), aliases=[request.url])
            stats.inc_value("seen/marked/document")
        return response


def make_conditional(request: Request, entry: SeenEntry) -> None:
    """Turn ``request`` into a revisit of ``entry``: validators, 304 let through, the capture it refers to."""
    if entry.etag:
        request.headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        request.headers["If-Modified-Since"] = entry.last_modified
    request.meta["seen_revisit"] = True
    request.meta["handle_httpstatus_list"] = [*request.meta.get("handle_httpstatus_list", []), 304]
    if entry.fetched_at:
        request.meta["warc_refers_to"] = {"refers_to_uri": entry.url, "refers_to_date": entry.fetched_at,
                                          "refers_to": entry.record_id}
