"""``<meta>`` and ``<link>`` tags, read once into a lookup table."""

from __future__ import annotations

from html import unescape
from urllib.parse import urljoin

from archiver.extract.text import Element, clean



class MetaTags:
    """All ``<meta name|property|itemprop=... content=...>`` values of a page, by lower-case key."""

    def __init__(self, tree: Element) -> None:
        self.values: dict[str, list[str]] = {}
        for meta in tree.iter("meta"):
            key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
            content = clean(unescape(meta.get("content") or ""))  # some CMSs escape twice: "&amp;#8217;"
            if key and content:
                self.values.setdefault(key.strip().lower(), []).append(content)

    def first(self, *keys: str) -> str | None:
        for key in keys:
            values = self.values.get(key)
            if values:
                return values[0]
        return None

    def all(self, *keys: str) -> list[str]:
        return [value for key in keys for value in self.values.get(key, [])]


def link_href(tree: Element, rel: str, base_url: str) -> str | None:
    """The first ``<link rel=...>`` href, absolute."""
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if rel in rels and href:
            return urljoin(base_url, href)
    return None
