"""Record fields other than body and captions, each from its most structured source first.

Every function returns ``(value, source)`` with ``source`` one of ``jsonld``, ``meta``, ``dom``,
``url``, ``detected`` (or ``(None, "")``): the record keeps it as the field's provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from archiver.extract import authors as _authors
from archiver.extract import dates as _dates
from archiver.extract.blocks import PageBlocks
from archiver.extract.headline import choose_headline
from archiver.extract.jsonld import JsonLd
from archiver.extract.language import primary_language
from archiver.extract.meta import MetaTags, link_href
from archiver.extract.text import Element, clean, node_text

Sourced = tuple  # (value, source)
_TITLE_SEPARATOR = re.compile(r"\s+[|\u2013\u2014\-:·•»]\s+")
# rel="category tag" (WordPress) names the section; rel="tag" alone a tag.


@dataclass
class Sources:
    """The parsed page and its structured data, shared by the field functions."""

    tree: Element
    url: str
    jsonld: JsonLd
    meta: MetaTags
    page: PageBlocks | None  # the scan of <body>: date, byline and caption candidates
    title: str = ""  # the <title>, read before the scan (which drops a <title> misplaced in <body>)


def absolute(base: str, href: object) -> str | None:
    if not isinstance(href, str) or not href.strip() or href.strip().startswith(("data:", "javascript:")):
        return None
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def canonical_url(src: Sources) -> Sourced:
    canonical = link_href(src.tree, "canonical", src.url)
    if canonical:
        return canonical, "meta"
    if src.meta.first("og:url"):
        return absolute(src.url, src.meta.first("og:url")), "meta"
    return absolute(src.url, src.jsonld.text("url")), "jsonld"


def publisher(src: Sources) -> Sourced:
    names = src.jsonld.names("publisher")
    if names:
        return clean(names[0][0]), "jsonld"
    _, organisations = _authors.authors_from_jsonld(src.jsonld.names("author"))
    if organisations:
        return organisations[0], "jsonld"
    return None, ""


def site_name(src: Sources, publisher_name: str | None, h1: str | None) -> Sourced:
    if src.meta.first("og:site_name", "application-name", "al:ios:app_name"):
        return src.meta.first("og:site_name", "application-name", "al:ios:app_name"), "meta"
    if publisher_name:
        return publisher_name, "jsonld"
    # "<headline> | <site>": what the <title> adds to the page's <h1> is the site name.
    title = clean(src.title)
    if h1 and title and title != h1:
        for part in (title.replace(h1, "", 1), title):
            pieces = [p for p in _TITLE_SEPARATOR.split(part) if clean(p)]
            if part != title and len(pieces) == 1 and len(pieces[0]) <= 40:
                return clean(pieces[0]), "dom"
    return None, ""


def headline(src: Sources, site_names: list[str], h1: str | None) -> Sourced:
    return choose_headline(
        src.jsonld.text("headline") or src.jsonld.text("name") or src.jsonld.text("alternativeHeadline"),
        src.meta.first("og:title", "twitter:title", "dc.title", "sailthru.title", "parsely-title"),
        h1,
        clean(src.title) or None,
        site_names,
        host_of(src.url),
    )


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a malformed URL names no host
        return ""


def modified(src: Sources) -> Sourced:
    value = _dates.normalize_date(src.jsonld.text("dateModified"))
    if value:
        return value, "jsonld"
    value = _dates.normalize_date(src.meta.first(*_dates.MODIFIED_META))
    if value:
        return value, "meta"
    value = _dates.time_element_date(src.tree, modified=True) or _dates.byline_date(src.page.dated, modified=True)
    return (value, "dom") if value else (None, "")


def declared_language(src: Sources) -> Sourced:
    """``html[lang]``, then ``og:locale`` / Content-Language, then JSON-LD ``inLanguage``."""
    value = primary_language(src.tree.get("lang") or src.tree.get("xml:lang"))
    if value:
        return value, "dom"
    value = primary_language(src.meta.first("og:locale", "content-language", "language", "dc.language"))
    if value:
        return value, "meta"
    value = primary_language(src.jsonld.text("inLanguage"))
    return (value, "jsonld") if value else (None, "")


def section(src: Sources) -> Sourced:
    value = src.jsonld.text("articleSection")
    if value:
        return clean(value), "jsonld"
    value = src.meta.first("article:section", "section", "parsely-section", "category", "sailthru.section")
    if value:
        return value, "meta"
    for element in (e for e, v in src.page.itemprops if v.lower() == "articlesection"):
        text = node_text(element) or clean(element.get("content"))
        if text and len(text) <= 60:
            return text, "dom"
    for anchor, rel in src.page.rels:
        if anchor.tag == "a" and "category" in rel.lower().split():
            text = node_text(anchor)
            if text and len(text) <= 60:
                return text, "dom"
    return None, ""


def tags(src: Sources) -> Sourced:
    value = keywords(src.jsonld.get("keywords"))
    if value:
        return value, "jsonld"
    value = dedupe(src.meta.all("article:tag") or split_keywords(src.meta.first("news_keywords", "keywords")))
    if value:
        return value, "meta"
    found = []
    for anchor, rel in src.page.rels:
        rels = rel.lower().split()
        if anchor.tag == "a" and "tag" in rels and "category" not in rels:
            text = node_text(anchor)
            if text and len(text) <= 60:
                found.append(text)
    return (dedupe(found), "dom") if found else ([], "")


def description(src: Sources) -> Sourced:
    value = src.meta.first("og:description", "description", "twitter:description", "dc.description")
    if value:
        return value, "meta"
    value = src.jsonld.text("description")
    return (clean(value), "jsonld") if value else (None, "")


def lead_image(src: Sources) -> Sourced:
    value = absolute(src.url, src.meta.first("og:image", "og:image:url", "og:image:secure_url", "twitter:image"))
    if value:
        return value, "meta"
    value = absolute(src.url, jsonld_image(src.jsonld.get("image") or src.jsonld.get("thumbnailUrl")))
    return (value, "jsonld") if value else (None, "")


def jsonld_image(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def split_keywords(value: str | None) -> list[str]:
    return [clean(k) for k in re.split(r"[,;]", value or "") if clean(k)]


def keywords(value: object) -> list[str]:
    if isinstance(value, str):
        return dedupe(split_keywords(value))
    if isinstance(value, list):
        return dedupe([clean(k) for k in value if isinstance(k, str) and clean(k)])
    return []


def dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))

