"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: item links with their dates, parsed without entity expansion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree

from archiver.discovery.xml import MAX_ENTRIES, child_text, iter_elements, local_name, parse_date

# The date an item was published, most specific first, per feed dialect.
DATE_FIELDS = ("pubdate", "published", "date", "issued", "created", "updated", "modified")


@dataclass
class FeedEntry:
    url: str
    published: datetime | None = None
    title: str | None = None


def parse_feed(body: bytes, base_url: str, max_entries: int = MAX_ENTRIES) -> list[FeedEntry]:
    """Items of a feed in document order, one per link."""
    entries: dict[str, FeedEntry] = {}
    for _, element in iter_elements(body, {"item", "entry"}):
        href = _entry_link(element)
        if not href:
            continue
        url = urljoin(base_url, href)
        if url not in entries:
            entries[url] = FeedEntry(url=url, published=_entry_date(element), title=child_text(element, "title"))
        if len(entries) >= max_entries:
            break
    return list(entries.values())


def feed_links(body: bytes, base_url: str) -> list[str]:
    """Links of the items of a feed, in document order."""
    return [entry.url for entry in parse_feed(body, base_url)]


def _entry_link(element: etree._Element) -> str | None:
    if local_name(element) == "item":  # RSS: <link>text</link>, else a permalink <guid>
        link = child_text(element, "link")
        if link:
            return link
        guid = next((c for c in element if local_name(c) == "guid"), None)
        if guid is not None and guid.get("isPermaLink", "true") == "true" and (guid.text or "").strip():
            return (guid.text or "").strip()
        return None
    for child in element:  # Atom: <link rel="alternate" href=...>
        if local_name(child) == "link" and child.get("rel", "alternate") == "alternate" and child.get("href"):
            return child.get("href").strip()
    return None


def _entry_date(element: etree._Element) -> datetime | None:
    children = {local_name(c): c for c in reversed(element)}
    for name in DATE_FIELDS:
        child = children.get(name)
        if child is not None:
            date = parse_date(child.text)
            if date:
                return date
    return None
