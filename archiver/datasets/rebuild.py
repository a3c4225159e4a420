"""Rebuild, from an archived response, the Scrapy ``Response`` the spider saw during the crawl.

The crawl's downloader made the response class from the headers, URL and body
(``responsetypes.from_args``), then ``HttpCompressionMiddleware`` undid the content
encoding and chose the class again from the decoded body. Doing the same steps with
the same Scrapy code gives the spider's response back, so the page and the
extraction decision match the crawl's.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Headers, HtmlResponse, Request, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils._compression import _DecompressionMaxSizeExceeded

from archiver import settings as archiver_settings
from archiver.datasets.warc_responses import ArchivedResponse

MAX_SIZE = archiver_settings.DOWNLOAD_MAXSIZE


class NotAPage(Exception):
    """The spider would not have extracted from this response; the message is the reason (a stat key)."""


def scrapy_headers(pairs: Iterable[tuple[str, str]]) -> Headers:
    """Headers as Scrapy holds them: repeated names grouped, values as bytes (Latin-1, as archived)."""
    grouped: dict[str, list[bytes]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value.encode("latin-1", "replace"))
    return Headers(grouped)


def may_be_html(url: str, header_pairs: Iterable[tuple[str, str]]) -> bool:
    """Whether a response could reach extraction, judged before its body is read.

    When the headers (or the URL's extension) settle the type, the body never changes it.
    """
    cls = responsetypes.from_args(headers=scrapy_headers(header_pairs), url=url)
    return cls is Response or issubclass(cls, HtmlResponse)


def rebuild_response(archived: ArchivedResponse) -> Response:
    """The decoded response, as the spider's callback received it (``meta`` holds the WARC pointer and date)."""
    headers = scrapy_headers(archived.headers)
    request = Request(archived.url, meta={"warc_pointer": archived.pointer, "warc_date": archived.warc_date})
    cls = responsetypes.from_args(headers=headers, url=archived.url, body=archived.body)
    response = cls(url=archived.url, status=archived.status, headers=headers, body=archived.body,
                   flags=["dataloss"] if archived.truncated else [], request=request, protocol=archived.protocol)
    return _decode(response)


def _decode(response: Response) -> Response:
    """``HttpCompressionMiddleware.process_response`` without a crawler (same helpers, same order)."""
    content_encoding = response.headers.getlist("Content-Encoding")
    if not content_encoding:
        return response
    # Static helpers of Scrapy's middleware; Scrapy is pinned to 2.19.x in pyproject.toml.
    to_decode, to_keep = HttpCompressionMiddleware._split_encodings(content_encoding)
    body = response.body
    try:
        for encoding in to_decode:
            body = HttpCompressionMiddleware._decode(body, encoding, MAX_SIZE)
    except _DecompressionMaxSizeExceeded:
        raise NotAPage("too-large") from None
    except Exception:  # a corrupt body: the crawl's middleware would have failed on it too
        raise NotAPage("undecodable") from None
    response.headers["Content-Encoding"] = to_keep
    cls = responsetypes.from_args(headers=response.headers, url=response.url, body=body)
    kwargs = {"encoding": None} if issubclass(cls, TextResponse) else {}
    response = response.replace(cls=cls, body=body, **kwargs)
    if not to_keep:
        del response.headers["Content-Encoding"]
    return response
