"""Untrusted XML (sitemaps, feeds): bounded gunzip, a safe streaming parse, dates."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from lxml import etree

# Google's limits for one sitemap file: 50 MB uncompressed, 50,000 URLs.
MAX_XML_SIZE = 50 * 1024**2
MAX_ENTRIES = 50_000
_CHUNK = 64 * 1024


class XmlTooLarge(ValueError):
    """A document (or its decompressed form) is larger than the limit allows."""


def gunzip_limited(data: bytes, max_size: int = MAX_XML_SIZE) -> bytes:
    """Decompress gzip ``data``, refusing to produce more than ``max_size`` bytes (gzip bombs)."""
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = io.BytesIO()
    chunk = decompressor.decompress(data, _CHUNK)
    while True:
        out.write(chunk)
        if out.tell() > max_size:
            raise XmlTooLarge(f"more than {max_size} bytes once decompressed")
        if decompressor.eof or not decompressor.unconsumed_tail:
            break
        chunk = decompressor.decompress(decompressor.unconsumed_tail, _CHUNK)
    return out.getvalue()


def xml_body(body: bytes, max_size: int = MAX_XML_SIZE) -> bytes:
    """The XML of a response body: gunzipped when it is a ``.xml.gz`` file, size-checked either way."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip_limited(body, max_size)
    if len(body) > max_size:
        raise XmlTooLarge(f"{len(body)} bytes, more than {max_size}")
    return body


def iter_elements(body: bytes, tags: set[str]) -> Iterator[tuple[str, etree._Element]]:
    """Yield ``(root local name, element)`` for each closed element named in ``tags``, streaming.

    Entities are never expanded, no DTD or network is loaded, and elements are
    freed once yielded, so a 50 MB sitemap does not become a 50 MB tree.
    """
    events = etree.iterparse(io.BytesIO(body), events=("start", "end"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False, recover=True,
                             remove_comments=True, remove_pis=True)
    root_name = ""
    try:
        for event, element in events:
            name = local_name(element)
            if event == "start":
                root_name = root_name or name
                continue
            if name in tags:
                yield root_name, element
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError:
        return  # recover=True still gives up on some garbage; what was read stands


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def child_text(element: etree._Element, *path: str) -> str | None:
    """Text of the first descendant reached by local names ``path`` (namespace-agnostic)."""
    current: etree._Element | None = element
    for name in path:
        current = next((c for c in current if local_name(c) == name), None) if current is not None else None
    if current is None or current.text is None:
        return None
    return current.text.strip() or None


def parse_date(text: str | None) -> datetime | None:
    """A W3C/ISO 8601 (sitemaps, Atom) or RFC 822 (RSS) date as an aware datetime; None if unreadable."""
    if not text:
        return None
    text = text.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed
