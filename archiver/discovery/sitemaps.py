"""Sitemaps, sitemap indexes and Google News sitemaps, with the ``news:`` fields Scrapy's parser drops."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from archiver.discovery.xml import MAX_ENTRIES, child_text, iter_elements, local_name, parse_date


@dataclass
class SitemapEntry:
    """One ``<url>`` of a urlset or ``<sitemap>`` of an index."""

    url: str
    lastmod: datetime | None = None
    news: dict[str, Any] | None = None  # Google News fields, see news_fields()

    @property
    def date(self) -> datetime | None:
        """The best date for the age filter: the news publication date, else lastmod."""
        published = parse_date(self.news.get("publication_date")) if self.news else None
        return published or self.lastmod


@dataclass
class Sitemap:
    kind: str  # "urlset", "sitemapindex", or "" when the document is neither
    entries: list[SitemapEntry] = field(default_factory=list)
    truncated: bool = False  # more than max_entries entries: the rest were ignored

    @property
    def is_news(self) -> bool:
        return any(entry.news for entry in self.entries)


def parse_sitemap(body: bytes, base_url: str, max_entries: int = MAX_ENTRIES) -> Sitemap:
    """Entries of a sitemap or sitemap index, in document order (``body`` already gunzipped)."""
    sitemap = Sitemap(kind="")
    for root, element in iter_elements(body, {"url", "sitemap"}):
        if root not in ("urlset", "sitemapindex"):
            break
        sitemap.kind = root
        loc = child_text(element, "loc")
        if not loc:
            continue
        if len(sitemap.entries) >= max_entries:
            sitemap.truncated = True
            break
        sitemap.entries.append(SitemapEntry(
            url=urljoin(base_url, loc),
            lastmod=parse_date(child_text(element, "lastmod")),
            news=news_fields(element),
        ))
    if not sitemap.kind:
        sitemap.kind = _root_kind(body)
    return sitemap


def news_fields(url_element: etree._Element) -> dict[str, Any] | None:
    """The ``<news:news>`` block of a ``<url>``: publication name and language, date, title, keywords."""
    news = next((c for c in url_element if local_name(c) == "news"), None)
    if news is None:
        return None
    fields: dict[str, Any] = {
        "publication_name": child_text(news, "publication", "name"),
        "publication_language": child_text(news, "publication", "language"),
        "publication_date": child_text(news, "publication_date"),
        "title": child_text(news, "title"),
    }
    keywords = child_text(news, "keywords")
    if keywords:
        fields["keywords"] = [k.strip() for k in keywords.split(",") if k.strip()]
    return {k: v for k, v in fields.items() if v}


def robots_sitemap_urls(lines: Iterable[str], base_url: str) -> list[str]:
    """``Sitemap:`` URLs of a robots.txt, absolute, in order, without repeats."""
    urls = []
    for line in lines:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "sitemap" and value.strip():
            urls.append(urljoin(base_url, value.strip()))
    return list(dict.fromkeys(urls))


def _root_kind(body: bytes) -> str:
    for root, _ in iter_elements(body, set()):
        return root
    head = body[:2048].lower()
    return "urlset" if b"<urlset" in head else "sitemapindex" if b"<sitemapindex" in head else ""
