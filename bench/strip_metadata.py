"""Remove every metadata signal a page carries about itself, to see what page kind does without them.

Gone: ``og:*``, ``article:*`` and ``twitter:*`` meta tags, JSON-LD scripts, microdata attributes
(``itemscope``, ``itemtype``, ``itemprop``), ``rel=author``; ``<article>`` becomes ``<div>`` and
``<time>`` becomes ``<span>`` (their text stays: a reader still sees the date). Used by
``bench/pagekind.py`` (the aeb-stripped set) and by the tests (on their own fixture pages).
"""

from __future__ import annotations

import lxml.html

_META_PREFIXES = ("og:", "article:", "twitter:")


def strip_metadata(html: str) -> str:
    tree = lxml.html.document_fromstring(html)
    for meta in list(tree.iter("meta")):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key.startswith(_META_PREFIXES):
            meta.drop_tree()
    for script in list(tree.iter("script")):
        if "ld+json" in (script.get("type") or "").lower():
            script.drop_tree()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in ("itemscope", "itemtype", "itemprop", "itemid", "itemref"):
            element.attrib.pop(name, None)
        rel = (element.get("rel") or "").lower().split()
        if "author" in rel:
            element.attrib.pop("rel")
        if element.tag == "article":
            element.tag = "div"
        elif element.tag == "time":
            element.tag = "span"
            element.attrib.pop("datetime", None)
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
