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
# The page node's own type: a "WebSite" node describes the site (Yoast puts one on every page), not the page.
LISTING_TYPES = {"collectionpage", "searchresultspage", "profilepage"}
# An undeclared, undated page is an article from this much body and paragraphs, at a story-like URL.
MIN_UNDATED_ARTICLE_CHARS = 1500
MIN_UNDATED_PARAGRAPHS = 4
# Paths of section, tag, author, search and archive pages.
_LISTING_PATH = re.compile(
    r"^/(?:[\w-]+/)*(?:tags?|category|categories|topics?|authors?|autor|autores|search|buscar|suche|"
    r"seccion|secciones|etiqueta|etiquetas|thema|themen|schlagwort|kategorie)(?:/[\w%.+-]*)?/?$"
    r"|/page/\d+/?$",
    re.IGNORECASE,
)
# CJK scripts say in one character what alphabets say in about three.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LOCKED_TIERS = {"locked", "premium", "subscriber", "subscribers"}


def is_listing_url(url: str) -> bool:
    try:
        path = urlsplit(url).path or "/"
    except ValueError:
        return False
    return path == "/" or bool(_LISTING_PATH.search(path))


_SLUG = re.compile(r"[\w%]+(?:[-_][\w%]+){2,}|\d{4,}|\.s?html?$|\.php$|\.aspx?$")


def is_article_url(url: str) -> bool:
    """A path that ends in a slug ("floods-cut-rail-link"), an id or a page file, unlike "/culture/"."""
    try:
        parts = [p for p in urlsplit(url).path.split("/") if p]
    except ValueError:
        return False
    return bool(parts) and bool(_SLUG.search(parts[-1]))


def text_weight(text: str) -> int:
    """Length in Latin-script characters: CJK characters count three."""
    return len(text) + 2 * len(_CJK.findall(text)) if text else 0


def page_kind(body: str, published: str | None, jsonld: JsonLd, meta: MetaTags, teasers: int, url: str,
              has_byline: bool = False) -> str:
    """``article``, ``listing`` (section, tag, author, home pages) or ``other``.

    Declared articles need a little body; undeclared ones a date and either a byline or a longer,
    several-paragraph body; many teasers, a listing type or a tag/section/author URL make a listing.
    """
    og_type = (meta.first("og:type") or "").lower()
    declared = jsonld.is_article or og_type == "article"
    declared_listing = bool(jsonld.page_types & LISTING_TYPES) and not jsonld.is_article
    weight = text_weight(body)
    paragraphs = body.count("\n\n") + 1 if body else 0
    if declared_listing or is_listing_url(url) and (teasers or paragraphs):
        return "listing"  # (an empty page at a listing URL says too little: "other", below)
    if declared and weight >= MIN_DECLARED_ARTICLE_CHARS:
        return "article"
    if teasers >= MIN_LISTING_TEASERS:
        return "listing"
    if published and (weight >= MIN_UNDECLARED_ARTICLE_CHARS and paragraphs >= 3
                      or has_byline and weight >= MIN_DECLARED_ARTICLE_CHARS and is_article_url(url)):
        return "article"
    if weight >= MIN_UNDATED_ARTICLE_CHARS and paragraphs >= MIN_UNDATED_PARAGRAPHS and is_article_url(url):
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
