"""Headline reconciled from JSON-LD, OpenGraph, ``<h1>`` and ``<title>``."""

from __future__ import annotations

import re

from archiver.extract.text import Element, clean, node_text


_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)$")
_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\-:·•»]\s+")


def strip_site_name(title: str, site_names: list[str]) -> str:
    """Remove a site-name suffix or prefix ("Headline | Example Post")."""
    separators = list(_SEPARATORS.finditer(title))
    if not separators:
        return title
    head, tail = title[: separators[-1].start()], title[separators[-1].end():]
    first, rest = title[: separators[0].start()], title[separators[0].end():]
    names = {clean(name).lower() for name in site_names if name}
    if clean(tail).lower() in names:
        return clean(head)
    if clean(first).lower() in names:
        return clean(rest)
    # An unknown short suffix after a long headline is a site name too.
    if len(tail) <= 25 and len(head) > 2 * len(tail) and len(separators) == 1:
        return clean(head)
    return title


def h1_text(tree: Element) -> str | None:
    """The page's headline ``<h1>``: the one the ``<title>`` repeats, else the longest (not the logo's)."""
    texts = [t for t in (node_text(h1) for h1 in tree.iter("h1")) if t]
    if len(texts) <= 1:
        return texts[0] if texts else None
    title = clean(tree.findtext(".//title")).lower()
    in_title = [t for t in texts if len(t) > 3 and t.lower() in title]
    return max(in_title or texts, key=len)


def choose_headline(jsonld: str | None, og: str | None, h1: str | None, title: str | None,
                    site_names: list[str]) -> tuple[str | None, str]:
    """(headline, provenance); the ``<h1>`` wins when it agrees with a structured title."""
    jsonld = strip_site_name(clean(jsonld), site_names) if jsonld else None
    og = strip_site_name(og, site_names) if og else None
    title = strip_site_name(title, site_names) if title else None
    for candidate, source in ((jsonld, "jsonld"), (og, "meta")):
        if candidate:
            if h1 and clean(h1).lower() == clean(candidate).lower():
                return h1, source
            # A structured headline cut short ("Storm hits coast, leaving...") gives way to the full <h1>.
            stem = _ELLIPSIS.sub("", candidate)
            if h1 and stem != candidate and clean(h1).lower().startswith(stem.lower()):
                return h1, "dom"
            return clean(candidate), source
    if h1:
        return h1, "dom"
    if title:
        return title, "dom"
    return None, ""
