"""Author names from JSON-LD, meta tags, ``rel=author`` links and bylines, cleaned."""

from __future__ import annotations

import re

from lxml import etree
from archiver.extract.text import Element, clean, node_text, text_content


_BY_PREFIX = re.compile(r"^\s*(?:written\s+by|posted\s+by|reported\s+by|story\s+by|words\s+by|by|por|von|par|di|door)\b[:\s]*",
                        re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\by\b|\bund\b|\bet\b|\be\b|&|\|)\s*", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+")
_ROLE_WORDS = re.compile(
    r"\b(?:staff|writer|reporter|correspondent|editor|contributor|columnist|senior|chief|"
    r"bureau|desk|team|newsroom|agency|agencies|redacción|redaccion|staff writer|photographer|"
    r"updated|published|min read|hours? ago|follow)\b",
    re.IGNORECASE,
)
_PLACEHOLDERS = {"staff", "admin", "administrator", "editor", "editorial", "redacción", "redaccion",
                 "news desk", "web desk", "newsroom", "guest", "anonymous", "unknown"}
_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "organisation"}

# Byline elements, most explicit first: microdata/rel, then byline and author class names.
BYLINE_XPATHS = [
    etree.XPath("//*[@itemprop='author' or @rel='author']"),
    etree.XPath("//*[@class][contains(@class, 'byline') or contains(@class, 'author')"
                " or contains(@class, 'Byline') or contains(@class, 'Author')]"),
]
_NOT_BYLINE = re.compile(r"author-(?:bio|box|info|avatar|description|title|about)|authors-list|about-author|"
                         r"comment", re.IGNORECASE)


def clean_author(name: str) -> str | None:
    """One person's name, without "By", roles, e-mails or dates; ``None`` if nothing is left."""
    name = _EMAIL.sub("", clean(name))
    name = _BY_PREFIX.sub("", name)
    name = re.split(r"\s[|\u2013\u2014-]\s|\s\(|\d", name)[0]
    name = name.strip(" ,.;:|·-\u2013\u2014")
    if not name or name.lower() in _PLACEHOLDERS or _ROLE_WORDS.search(name):
        return None
    words = name.split()
    if not 1 <= len(words) <= 5 or len(name) > 60:
        return None
    if name.isupper() or name.islower():
        name = name.title()
    return name


def split_authors(text: str) -> list[str]:
    """ "By A, B and C" -> [A, B, C]; roles after a comma ("A, Staff Writer") are dropped."""
    text = _BY_PREFIX.sub("", clean(text))
    text = re.split(r"\s\|\s|\s[\u2013\u2014]\s", text)[0]
    names = []
    for part in _SPLIT.split(text):
        name = clean_author(part)
        if name and name not in names:
            names.append(name)
    return names


def authors_from_jsonld(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Split JSON-LD ``author`` entries into (people, organisations)."""
    people, organisations = [], []
    for name, kinds in pairs:
        if set(kinds.split(",")) & _ORG_TYPES:
            organisations.append(clean(name))
            continue
        for person in split_authors(name):
            if person not in people:
                people.append(person)
    return people, organisations


def authors_from_dom(tree: Element) -> list[str]:
    """Names in byline elements and ``rel=author`` links, in page order."""
    names: list[str] = []
    candidates = [e for xpath in BYLINE_XPATHS for e in xpath(tree)]
    for element in candidates[:24]:
        if element.tag in ("meta", "link", "script", "style", "body", "html", "article", "main"):
            continue
        if _NOT_BYLINE.search(element.get("class") or ""):
            continue
        anchors = [a for a in element.iter("a") if node_text(a)]
        texts = [text_content(a) for a in anchors] if anchors else [text_content(element)]
        for text in texts:
            if len(clean(text)) > 120:
                continue
            for name in split_authors(text):
                if name not in names:
                    names.append(name)
        if names:
            break
    return names
