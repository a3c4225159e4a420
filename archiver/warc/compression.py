"""Gzip members for WARC records: fast deflate (ISA-L), and stored blocks for payloads already compressed.

Every record is still one gzip member any gzip reader (warcio, pywb, ``zcat``) reads;
only the deflate encoder and its effort change. Measured on bench/warc_write.py,
zlib level 6 spends ~85% of the writer's time compressing; ISA-L level 1 deflates
HTML several times faster for a few per cent more output, and a JPEG, a WOFF2 font
or a gzip-encoded body does not shrink at all, so it goes into stored blocks.
"""

from __future__ import annotations

import zlib
from types import ModuleType
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord

try:  # python-isal: ISA-L's deflate, zlib's API
    from isal import isal_zlib
except ImportError:  # pragma: no cover - a dependency; kept optional for odd platforms
    isal_zlib = None

ENGINES = ("isal", "zlib")
GZIP_WBITS = zlib.MAX_WBITS | 16
STORED = 0  # zlib level 0: deflate stored blocks, the payload bytes as they are

# Content-Encodings and media types whose bytes deflate cannot shrink.
COMPRESSED_ENCODINGS = {"gzip", "x-gzip", "deflate", "br", "zstd", "compress", "x-compress"}
COMPRESSED_TYPES = {
    "image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/jxl",
    "font/woff", "font/woff2", "application/font-woff", "application/font-woff2",
    "application/zip", "application/gzip", "application/x-gzip", "application/zstd", "application/x-bzip2",
    "application/x-xz", "application/x-7z-compressed", "application/vnd.rar", "application/wacz",
}
COMPRESSED_TYPE_PREFIXES = ("video/", "audio/")


def engine_module(engine: str) -> ModuleType:
    """The deflate module for ``WARC_GZIP_ENGINE``: ``isal`` (levels 0-3) or ``zlib`` (0-9)."""
    if engine == "isal":
        if isal_zlib is None:  # pragma: no cover
            return zlib
        return isal_zlib
    if engine == "zlib":
        return zlib
    raise ValueError(f"WARC_GZIP_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")


def is_precompressed(content_type: str | None, content_encoding: str | None) -> bool:
    """Whether a payload is compressed already (by its Content-Encoding, or its media type)."""
    if content_encoding and content_encoding.strip().lower() not in ("", "identity"):
        return content_encoding.split(",")[-1].strip().lower() in COMPRESSED_ENCODINGS
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media in COMPRESSED_TYPES or media.startswith(COMPRESSED_TYPE_PREFIXES)


def record_is_precompressed(record: ArcWarcRecord) -> bool:
    """For a response record, its HTTP headers decide; for a resource record, its Content-Type."""
    if record.rec_type == "revisit":
        return False  # headers only: nothing to store
    if record.http_headers is not None and record.rec_type in ("response", "resource"):
        headers = record.http_headers
        return is_precompressed(headers.get_header("Content-Type"), headers.get_header("Content-Encoding"))
    if record.rec_type == "resource":
        return is_precompressed(record.content_type, None)
    return False


class GzipMemberStream:
    """A file wrapper that turns each warcio record into one gzip member.

    warcio calls ``flush()`` exactly once at the end of every record, so a flush
    ends the member. (warcio's own wrapper hard-codes zlib level 9.) ``store_next()``
    makes the next member deflate's stored blocks: its bytes are copied, not searched.
    """

    def __init__(self, raw: BinaryIO, level: int = 1, engine: str = "isal") -> None:
        self.raw = raw
        self.level = level
        self.deflate = engine_module(engine)
        self._compressor: zlib._Compress | None = None
        self._store = False

    def store_next(self) -> None:
        self._store = True

    def write(self, data: bytes) -> int:
        if self._compressor is None:
            if self._store:
                self._compressor = zlib.compressobj(STORED, zlib.DEFLATED, GZIP_WBITS)
            else:
                self._compressor = self.deflate.compressobj(self.level, self.deflate.DEFLATED, GZIP_WBITS)
        self.raw.write(self._compressor.compress(data))
        return len(data)

    def discard(self) -> None:
        """Forget the member being made (its write failed; the file is cut back before it)."""
        self._compressor = None
        self._store = False

    def flush(self) -> None:
        if self._compressor is not None:
            self.raw.write(self._compressor.flush())
            self._compressor = None
        self._store = False
        self.raw.flush()
