"""What a page is (article, listing, other), and whether its story sits behind a paywall."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from archiver.extract.jsonld import JsonLd
from archiver.extract.meta import MetaTags

# A page that declares itself an article is one from this much body; an undeclared page needs
# a date, more body and several paragraphs.
MIN_DECLARED_ARTICLE_CHARS = 150
MIN_UNDECLARED_ARTICLE_CHARS = 500
# An undeclared page with this many teasers (linked headings, <article> cards) is a listing.
MIN_LISTING_TEASERS = 4
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage", "website", "blog"}
# Paths of section, tag, author, search and archive pages.
_LISTING_PATH = re.compile(
    r"^/(?:[\w-]+/)*(?:tags?|category|categories|topics?|authors?|autor|section|sections|search|archives?|"
    r"page|seccion|secciones|etiqueta|etiquetas|thema|themen|schlagwort|kategorie)(?:/[\w%.+-]*)?/?$"
    r"|/page/\d+/?$",
    re.IGNORECASE,
)
_LOCKED_TIERS = {"locked", "premium", "subscriber", "subscribers"}


def is_listing_url(url: str) -> bool:
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return False
    return path == "/" or bool(_LISTING_PATH.search(path))


def page_kind(body: str, published: str | None, jsonld: JsonLd, meta: MetaTags, teasers: int, url: str) -> str:
    """``article``, ``listing`` (section, tag, author, home pages) or ``other``."""
    og_type = (meta.first("og:type") or "").lower()
    declared = jsonld.is_article or og_type == "article"
    declared_listing = bool(jsonld.page_types & LISTING_TYPES) and not jsonld.is_article
    paragraphs = body.count("\n\n") + 1 if body else 0
    if declared and not is_listing_url(url) and len(body) >= MIN_DECLARED_ARTICLE_CHARS:
        return "article"
    if declared_listing or is_listing_url(url) or teasers >= MIN_LISTING_TEASERS:
        return "listing"
    if published and len(body) >= MIN_UNDECLARED_ARTICLE_CHARS and paragraphs >= 3:
        return "article"
    return "listing" if paragraphs and not declared else "other"


def paywall(marked: bool, jsonld: JsonLd, meta: MetaTags) -> tuple[bool, str]:
    """(paywalled, source): JSON-LD ``isAccessibleForFree: false``, a locked content tier, paywall markup."""
    if jsonld.is_accessible_for_free() is False:
        return True, "jsonld"
    if (meta.first("article:content_tier") or "").lower() in _LOCKED_TIERS:
        return True, "meta"
    if marked:
        return True, "dom"
    return False, ""
