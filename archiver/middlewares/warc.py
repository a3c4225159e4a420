"""Downloader middleware that archives every HTTP exchange as it came off the wire."""

from __future__ import annotations

import logging
import platform
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import scrapy
from importlib.metadata import version as dist_version
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

import archiver
from archiver.items import WarcPointer
from archiver.warc.records import Exchange, build_revisit_records
from archiver.warc.writer import RotatingWarcWriter, recover_open_files

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Request headers that carry credentials: kept out of the archive unless asked for.
CREDENTIAL_HEADERS = {b"cookie", b"authorization", b"proxy-authorization"}


def _headers_list(headers: scrapy.http.headers.Headers, skip: set[bytes] = frozenset()) -> list[tuple[str, str]]:
    """Every header value, repeated ones included, decoded losslessly as Latin-1."""
    pairs = []
    for name, values in headers.items():
        if name.lower() in skip:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


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
        truncated="disconnect" if "dataloss" in response.flags else None,
    )


def write_revisit(writer: RotatingWarcWriter, exchange: Exchange, refers_to: dict[str, str]) -> WarcPointer:
    """Write a 304 as a server-not-modified revisit of the capture ``refers_to`` names; return its pointer."""
    return writer.write_records(build_revisit_records(writer.builder, exchange, **refers_to))[0]


class WarcCaptureMiddleware:
    """Writes a request and a response record for every response the downloader gets.

    Sits at 950 in ``DOWNLOADER_MIDDLEWARES``, next to the download handler, so
    it sees bodies still compressed as their ``Content-Encoding`` says, and every
    redirect and retried response before other middlewares act on them. Records
    are written on one writer thread; the response waits for its record so the
    pointer (``request.meta["warc_pointer"]``) is known when the spider sees it.
    """

    def __init__(
        self,
        crawler: Crawler,
        directory: Path,
        archive_root: Path,
        *,
        prefix: str,
        max_size: int,
        gzip_level: int,
        store_credentials: bool,
    ) -> None:
        self.crawler = crawler
        self.directory = directory
        self.archive_root = archive_root
        self.prefix = prefix
        self.max_size = max_size
        self.gzip_level = gzip_level
        self.store_credentials = store_credentials
        self.writer: RotatingWarcWriter | None = None
        self.pool: ThreadPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured
        archive_root = Path(settings.get("ARCHIVE_DIR"))
        middleware = cls(
            crawler,
            archive_root / settings.get("WARC_SUBDIR"),
            archive_root,
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            gzip_level=settings.getint("WARC_GZIP_LEVEL"),
            store_credentials=settings.getbool("WARC_STORE_CREDENTIALS"),
        )
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def warcinfo(self) -> dict[str, str]:
        settings = self.crawler.settings
        spider = self.crawler.spider
        return {
            "software": f"archiver/{archiver.__version__} (Scrapy/{scrapy.__version__}; "
            f"warcio/{dist_version('warcio')}; Python/{platform.python_version()})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": getattr(spider, "name", "") or "",
            "operator": settings.get("ARCHIVER_CONTACT") or "",
            "http-header-user-agent": settings.get("USER_AGENT") or "",
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "description": "HTTP headers as reconstructed by Scrapy (header case normalised, "
            "Transfer-Encoding dropped after de-chunking); bodies as received, content encoding kept.",
            "python": sys.version.split()[0],
        }

    def spider_opened(self) -> None:
        for path in recover_open_files(self.directory):
            logger.warning("Recovered WARC file left open by an earlier crawl: %s", path)
        self.writer = RotatingWarcWriter(
            self.directory,
            archive_root=self.archive_root,
            prefix=self.prefix,
            max_size=self.max_size,
            gzip_level=self.gzip_level,
            warcinfo=self.warcinfo(),
        )
        # One thread: records of one file must be written in order, never interleaved.
        self.pool = ThreadPool(minthreads=1, maxthreads=1, name="warc-writer")
        self.pool.start()

    def spider_closed(self) -> None:
        if self.pool is not None:
            self.pool.stop()  # waits for queued writes
        if self.writer is not None:
            self.writer.close()
            stats = self.crawler.stats
            assert stats is not None
            stats.set_value("warc/files", len(self.writer.files_written))

    async def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags or self.writer is None or self.pool is None:
            return response
        exchange = exchange_from_scrapy(request, response, store_credentials=self.store_credentials)
        stats = self.crawler.stats
        assert stats is not None
        write = self.writer.write_exchange
        refers_to = request.meta.get("warc_refers_to")
        if response.status == 304 and refers_to:  # a revisit's 304 (archiver.middlewares.seen)
            write = partial(write_revisit, self.writer, refers_to=refers_to)
        try:
            deferred = deferToThreadPool(reactor, self.pool, write, exchange)
            pointer = await maybe_deferred_to_future(deferred)
        except Exception:
            # Unexpected I/O failure (disk full, permissions): say so loudly and stop,
            # rather than crawl on without an archive.
            logger.error("Could not write WARC records for %s", response.url, exc_info=True)
            stats.inc_value("warc/errors")
            self.crawler.engine.close_spider(self.crawler.spider, "warc_write_failed")  # type: ignore[union-attr]
            return response
        request.meta["warc_pointer"] = pointer
        request.meta["warc_date"] = exchange.warc_date
        stats.inc_value("warc/records", 2)
        stats.set_value("warc/bytes", self.writer.bytes_written)
        return response
