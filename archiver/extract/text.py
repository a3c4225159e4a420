"""Small text helpers shared by the extractors."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Collapse white space (incl. non-breaking spaces) and strip."""
    if not text:
        return ""
    return _SPACE.sub(" ", text.replace("\u00a0", " ").replace("\u200b", "")).strip()


def node_text(element: HtmlElement) -> str:
    return clean(element.text_content())


def first(*values: str | None) -> str | None:
    for value in values:
        if value:
            return value
    return None
