"""Downloader middleware that archives every HTTP exchange as it came off the wire."""

from __future__ import annotations

import logging
import os
import platform
from functools import partial
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import reactor
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

import archiver
from archiver.browser.capture import browser_summary, write_capture
from archiver.extensions.diskspace import out_of_space_text, stop_for_space
from archiver.storage.space import SpaceRule, is_out_of_space
from archiver.warc.cdxj import update_index
from archiver.warc.compression import engine_module
from archiver.warc.live_index import LiveIndex
from archiver.warc.records import Exchange
from archiver.warc.store import StoredFetch, WarcStore, forget_lost_payloads
from archiver.warc.writer import RotatingWarcWriter, recover_open_files

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Content encodings pywb and ReplayWeb.page cannot decode (we never offer them; see settings).
UNREPLAYABLE_ENCODINGS = {"zstd"}
# Request headers that carry credentials: kept out of the archive unless asked for.
CREDENTIAL_HEADERS = {b"cookie", b"authorization", b"proxy-authorization"}
RECONSTRUCTION_NOTE = (
    "HTTP headers as reconstructed by Scrapy, not the bytes on the wire: header names in Scrapy's "
    "capitalisation, values of a repeated header grouped, connection headers (Connection, Keep-Alive, "
    "Transfer-Encoding) dropped and Content-Length restated by the HTTP client, reason phrase "
    "restored from the status code; request headers as Scrapy sent them plus Host. Bodies as received: "
    "chunking undone, content encoding kept."
)


def _headers_list(headers: scrapy.http.headers.Headers, skip: set[bytes] = frozenset()) -> list[tuple[str, str]]:
    """Every header value, repeated ones included, decoded losslessly as Latin-1."""
    pairs = []
    for name, values in headers.items():
        if name.lower() in skip:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def truncation_reason(request: Request, response: Response) -> str | None:
    """``WARC-Truncated`` for a body that is not whole: cut connection or a size limit."""
    if "dataloss" in response.flags:
        return "disconnect"
    if "download_stopped" in response.flags:
        return str(request.meta.get("warc_truncated", "unspecified"))
    return None


def certificate_pem(response: Response) -> bytes | None:
    certificate = getattr(response, "certificate", None)
    return certificate.dumpPEM() if certificate is not None else None


def exchange_from_scrapy(request: Request, response: Response, *, store_credentials: bool = False) -> Exchange:
    """Turn a Scrapy request/response pair into the plain values the WARC writer takes."""
    skip = set() if store_credentials else CREDENTIAL_HEADERS
    request_headers = _headers_list(request.headers, skip)
    if not any(name.lower() == "host" for name, _ in request_headers):
        # Twisted adds Host on the wire; Scrapy never sees it.
        host = request.url.split("/", 3)[2].rsplit("@", 1)[-1]
        request_headers.insert(0, ("Host", host))
    response_headers = _headers_list(response.headers, {b"transfer-encoding"})
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=request_headers,
        request_body=request.body,
        status=response.status,
        response_headers=response_headers,
        response_body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated=truncation_reason(request, response),
        certificate_pem=certificate_pem(response),
    )


@dataclass(frozen=True)
class WarcCaptureSettings:
    """The ``WARC_*`` settings the middleware reads (see archiver/settings.py)."""

    archive_root: Path
    directory: Path
    prefix: str
    max_size: int
    gzip_level: int
    gzip_engine: str
    store_compressed: bool
    store_credentials: bool
    dedup: bool
    dedup_min_size: int
    digest_index: str
    max_payload_size: int
    index: bool
    job: str

    @classmethod
    def from_settings(cls, settings: scrapy.settings.BaseSettings) -> WarcCaptureSettings:
        archive_root = Path(settings.get("ARCHIVE_DIR"))
        engine_module(settings.get("WARC_GZIP_ENGINE", "isal"))  # a misspelt engine fails here, at start
        return cls(
            archive_root=archive_root,
            directory=archive_root / settings.get("WARC_SUBDIR"),
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip_level=settings.getint("WARC_GZIP_LEVEL"),
            gzip_engine=settings.get("WARC_GZIP_ENGINE", "isal"),
            store_compressed=settings.getbool("WARC_STORE_COMPRESSED", True),
            store_credentials=settings.getbool("WARC_STORE_CREDENTIALS"),
            dedup=settings.getbool("WARC_DEDUP_ENABLED", True),
            dedup_min_size=settings.getint("WARC_DEDUP_MIN_SIZE", 1),
            digest_index=settings.get("WARC_DEDUP_INDEX", "archiver.warc.digests.SqliteDigestIndex"),
            max_payload_size=settings.getint("WARC_MAX_PAYLOAD_SIZE", 0),
            index=settings.getbool("WARC_INDEX_ENABLED", True),
            job=settings.get("WARC_JOB", ""),
        )


class WarcCaptureMiddleware:
    """Writes a request and a response (or revisit) record for every response the downloader gets.

    Sits at 950 in ``DOWNLOADER_MIDDLEWARES``, next to the download handler, so
    it sees bodies still compressed as their ``Content-Encoding`` says, and every
    redirect and retried response before other middlewares act on them. Records
    are written on one writer thread; the response waits for its records, so the
    pointers are in ``request.meta`` when the spider sees it:

    - ``warc_pointer``: the response record holding the payload (for a revisit,
      the original record the revisit refers to);
    - ``warc_revisit_pointer``: the revisit record of this fetch, when it was one;
    - ``warc_date``: the WARC-Date of this fetch's record.
    """

    def __init__(self, crawler: Crawler, config: WarcCaptureSettings) -> None:
        self.crawler = crawler
        self.config = config
        self.store: WarcStore | None = None
        self.pool: ThreadPool | None = None
        self._received: weakref.WeakKeyDictionary[Request, int] = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        middleware = cls(crawler, WarcCaptureSettings.from_settings(crawler.settings))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        if middleware.config.max_payload_size:
            crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    # -- lifecycle

    def crawl_id(self) -> str:
        """Names the crawl in warcinfo: the stem of its article records file, when there is one."""
        records = self.crawler.stats.get_value("jsonl/path") if self.crawler.stats else None
        if records:
            return Path(records).stem
        return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{os.getpid()}"

    def warcinfo(self) -> dict[str, str]:
        settings = self.crawler.settings
        spider = self.crawler.spider
        start_urls = " ".join(getattr(spider, "start_urls", []) or [])
        return {
            "software": f"archiver/{archiver.__version__} (Scrapy/{scrapy.__version__}; "
            f"warcio/{dist_version('warcio')}; Twisted/{dist_version('twisted')}; "
            f"Python/{platform.python_version()})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": self.config.job or f"{getattr(spider, 'name', '')} {start_urls}".strip(),
            "crawl": self.crawl_id(),
            "operator": settings.get("ARCHIVER_CONTACT") or "",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "hostname": platform.node(),
            "description": RECONSTRUCTION_NOTE,
        }

    def spider_opened(self) -> None:
        config = self.config
        recovered = recover_open_files(config.directory)
        for path in recovered:
            logger.warning("Recovered WARC file left open by an earlier crawl: %s", path)
        digests = load_object(config.digest_index).from_archive(config.archive_root, self.crawler.settings) if config.dedup else None
        if digests is not None and recovered:
            forget_lost_payloads(digests, config.archive_root, recovered)
        space_rule = SpaceRule.from_settings(self.crawler.settings)
        writer = RotatingWarcWriter(
            config.directory,
            before_new_file=partial(self._check_space, space_rule) if space_rule else None,
            archive_root=config.archive_root,
            prefix=config.prefix,
            max_size=config.max_size,
            gzip_level=config.gzip_level,
            gzip_engine=config.gzip_engine,
            store_compressed=config.store_compressed,
            warcinfo=self.warcinfo(),
            # Each file is indexed as it closes, from the lines made as it was written (not read back).
            index_lines=LiveIndex() if config.index else None,
            after_close=self._index_closed if config.index else None,
        )
        self.index_entries = 0
        self.store = WarcStore(writer, digests, dedup_min_size=config.dedup_min_size)
        # One thread: records of one file must be written in order, never interleaved.
        self.pool = ThreadPool(minthreads=1, maxthreads=1, name="warc-writer")
        self.pool.start()

    async def spider_closed(self) -> None:
        if self.store is None or self.pool is None:
            return
        store = self.store
        try:
            await self._in_writer_thread(self._finish, store)
        finally:
            self.pool.stop()
            self.store = self.pool = None
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("warc/files", len(store.writer.files_written))

    def _finish(self, store: WarcStore) -> None:
        """Close the last file and index what this crawl (and any recovered file) added."""
        try:
            store.close()
        except OSError as error:  # the file stays .open: the next crawl recovers and indexes it
            logger.error("Could not close %s (%s); the next crawl into this archive recovers it",
                         self.config.directory, error.strerror or error)
        if self.config.index:
            self._index(None, store.writer.index_lines)  # files recovered at the start, and any left
            self.crawler.stats.set_value("warc/index_entries_added", self.index_entries)  # type: ignore[union-attr]

    def _index_closed(self, path: Path) -> None:
        """A file this crawl has just closed (writer thread, inside the write that filled it: whatever
        happens here, that write has succeeded)."""
        assert self.store is not None
        try:
            self._index([path], self.store.writer.index_lines)
        except Exception:  # noqa: BLE001 - a file without an index is indexed by the next crawl or verify
            logger.exception("CDXJ index of %s not written; `archiver cdx update` or the next crawl indexes it",
                             path.name)

    def _index(self, only: list[Path] | None, known: LiveIndex | None) -> None:
        try:
            self.index_entries += update_index(self.config.directory, only, known=known).entries_added
        except OSError as error:  # whole index files only (written aside, then renamed)
            logger.error("CDXJ index not updated (%s); `archiver verify --update-index` or the next crawl "
                         "indexes this crawl's files", error.strerror or error)

    def _check_space(self, rule: SpaceRule) -> None:
        """Before each new WARC file (writer thread): below the minimum, the crawl stops; this file still opens,
        for the records in flight."""
        shortfall = rule.check(self.config.directory)
        if shortfall is not None:
            reactor.callFromThread(stop_for_space, self.crawler, str(shortfall))

    # -- capture

    def bytes_received(self, data: bytes, request: Request) -> None:
        """Stop a download at ``WARC_MAX_PAYLOAD_SIZE``: the cut body is archived, marked as truncated."""
        limit = int(request.meta.get("warc_max_payload_size", self.config.max_payload_size))
        received = self._received.get(request, 0) + len(data)
        self._received[request] = received
        if limit and received > limit:
            request.meta["warc_truncated"] = "length"
            raise StopDownload(fail=False)

    async def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags or self.store is None:
            return response
        if "browser" in response.flags:  # the DOM: archive the exchanges the browser made instead
            await self._write_browser_capture(request, response)
            return response
        exchange = exchange_from_scrapy(request, response, store_credentials=self.config.store_credentials)
        self._warn_if_unreplayable(exchange)
        write: Callable[[Exchange], StoredFetch] = self.store.store
        refers_to = request.meta.get("warc_refers_to")
        if response.status == 304 and refers_to:  # a conditional refetch (archiver.middlewares.seen)
            write = partial(self.store.store_not_modified, refers_to=refers_to)
        stored = await self._write(write, exchange, response)
        if stored is None:  # not archived: the page goes no further (no record points at nothing)
            raise IgnoreRequest(f"not archived: {response.url}")
        self._annotate(request, exchange, stored)
        return response

    async def _write_browser_capture(self, request: Request, response: Response) -> None:
        capture = request.meta.pop("browser_capture", None)
        if capture is None or self.store is None:
            return
        written = await self._write(partial(write_capture, self.store), capture, response)
        if written is None:
            raise IgnoreRequest(f"not archived: {response.url}")
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("warc/records", written.records)
        stats.inc_value("warc/revisits", written.revisits)
        stats.inc_value("browser/exchanges", len(capture.exchanges))
        stats.set_value("warc/bytes", self.store.writer.bytes_written)
        main = capture.main_exchange
        if written.main is not None and main is not None:
            self._annotate(request, main, written.main)
        if capture.timed_out or (main is not None and main.truncated):
            request.meta["warc_truncated"] = "time" if capture.timed_out else main.truncated
        request.meta["browser_summary"] = browser_summary(capture, written)

    def _warn_if_unreplayable(self, exchange: Exchange) -> None:
        """Archived as received all the same; replay tools will not be able to decode it."""
        encoding = (exchange.header("Content-Encoding") or "").strip().lower()
        if encoding in UNREPLAYABLE_ENCODINGS:
            logger.warning("%s came with unreplayable content encoding %s (not offered in Accept-Encoding); "
                           "archived as received", exchange.url, encoding)
            self.crawler.stats.inc_value(f"warc/unreplayable_encoding/{encoding}")  # type: ignore[union-attr]

    async def _write(self, write: Callable[[Any], T], exchange: Any, response: Response) -> T | None:
        """The records written, or None when the write failed: then the file holds none of them (the writer
        cut it back), and the crawl stops rather than go on without an archive."""
        try:
            stored = await self._in_writer_thread(write, exchange)
        except Exception as error:
            self.crawler.stats.inc_value("warc/errors")  # type: ignore[union-attr]
            if is_out_of_space(error):  # expected on a full disk: one line, the crawl stops for space
                stop_for_space(self.crawler, out_of_space_text(f"writing WARC records of {response.url}", error,
                                                               self.config.directory))
                return None
            # Unexpected I/O failure (an I/O error, permissions): say so loudly and stop.
            logger.error("Could not write WARC records for %s", response.url, exc_info=True)
            engine = self.crawler.engine
            assert engine is not None
            # Not awaited: closing waits for the downloads in flight, this one included.
            deferred_from_coro(engine.close_spider_async(reason="warc_write_failed"))
            return None
        if isinstance(stored, StoredFetch):
            self._count(stored)
        return stored

    async def _in_writer_thread(self, function: Callable[..., T], *args: Any) -> T:
        assert self.pool is not None
        return await maybe_deferred_to_future(deferToThreadPool(reactor, self.pool, function, *args))

    @staticmethod
    def _annotate(request: Request, exchange: Exchange, stored: StoredFetch) -> None:
        request.meta["warc_pointer"] = stored.pointer
        request.meta["warc_date"] = exchange.warc_date
        if stored.revisit_pointer is not None:
            request.meta["warc_revisit_pointer"] = stored.revisit_pointer

    def _count(self, stored: StoredFetch) -> None:
        stats = self.crawler.stats
        assert stats is not None and self.store is not None
        stats.inc_value("warc/records", stored.records)
        if stored.is_revisit:
            stats.inc_value("warc/revisits")
        stats.set_value("warc/bytes", self.store.writer.bytes_written)
