"""JSON-LD ``articleBody``: used for the body only when it is the whole story, not a teaser."""

from __future__ import annotations

import re

from archiver.extract.text import clean

# A teaser ends in an ellipsis or a "read more" marker.
_TEASER_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\]|read more|continue reading|leer más|weiterlesen)\W*$",
                         re.IGNORECASE)
_MARKUP = re.compile(r"<[a-zA-Z/][^>]{0,200}>")
_BLOCK_BREAK = re.compile(r"</?(?:p|div|h[1-6]|li|blockquote|br)\b[^>]*>", re.IGNORECASE)
# A structured body shorter than this share of the DOM body is a summary, whatever its ending.
MIN_SHARE_OF_DOM = 0.8
MIN_CHARS = 200


def structured_paragraphs(text: str) -> str:
    """Paragraphs of an ``articleBody`` (plain text, or HTML some CMSs put there), blank-line separated."""
    if _MARKUP.search(text):
        text = _MARKUP.sub("", _BLOCK_BREAK.sub("\n", text))
    lines = (clean(line) for line in text.replace("\r", "\n").split("\n"))
    return "\n\n".join(line for line in lines if line)


def complete_structured_body(text: str | None, dom_body: str) -> str:
    """The ``articleBody`` as paragraphs if it looks complete; "" for a teaser or nothing."""
    if not text or not isinstance(text, str):
        return ""
    body = structured_paragraphs(text)
    if len(body) < MIN_CHARS or _TEASER_END.search(body):
        return ""
    if dom_body and len(body) < MIN_SHARE_OF_DOM * len(dom_body):
        return ""
    return body
