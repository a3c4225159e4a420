"""Small text and tree helpers shared by the extractors (plain lxml.etree elements)."""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import _Element as Element

__all__ = ["Element", "clean", "drop_tree", "first", "node_text", "text_content", "word_count"]

# White space to collapse: everything \s matches but U+3000, the ideographic space CJK text uses on purpose.
_SPACE = re.compile(r"[^\S\u3000]+")
_STRING = etree.XPath("string()", smart_strings=False)


def clean(text: str | None) -> str:
    """Collapse white space (incl. non-breaking spaces) and strip."""
    if not text:
        return ""
    if "\u200b" in text:
        text = text.replace("\u200b", "")
    if "\u3000" in text:
        return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()
    return " ".join(text.split())  # str.split's white space is the regex's \s, in C


def text_content(element: Element) -> str:
    """All text under an element, in document order (``lxml.html``'s ``text_content()``)."""
    # A childless element's text is its own: read without an XPath call (most links and labels).
    return _STRING(element) if len(element) else element.text or ""


def node_text(element: Element) -> str:
    return clean(text_content(element))


def drop_tree(element: Element) -> None:
    """Remove an element and its children, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def first(*values: str | None) -> str | None:
    for value in values:
        if value:
            return value
    return None


# Scripts written without spaces between words: Chinese and Japanese (a word is about two characters)
# and Thai (about six). Text measures count their characters, not the runs between spaces.
_CJK_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_THAI_CHARS = re.compile(r"[\u0e00-\u0e7f]")
_WORDS = re.compile(r"\w+")
CJK_CHARS_PER_WORD, THAI_CHARS_PER_WORD = 2, 6


# Chinese, Japanese and Korean characters each say about as much as three Latin letters.
_DENSE_CHARS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def text_weight(text: str) -> int:
    """Length in Latin-script characters: CJK characters count three."""
    if not text:
        return 0
    return len(text) if text.isascii() else len(text) + 2 * len(_DENSE_CHARS.findall(text))


def word_count(text: str) -> int:
    """Words in ``text`` in any script: runs between spaces, and for Chinese, Japanese and Thai a word
    per few characters ("字号：大 中 小" is 3 words, not 4; a Chinese headline is about a dozen, not 1)."""
    if not text:
        return 0
    if text.isascii():
        return len(_WORDS.findall(text))
    cjk, thai = len(_CJK_CHARS.findall(text)), len(_THAI_CHARS.findall(text))
    if not cjk and not thai:
        return len(_WORDS.findall(text))
    spaced = len(_WORDS.findall(_THAI_CHARS.sub(" ", _CJK_CHARS.sub(" ", text))))
    return spaced + -(-cjk // CJK_CHARS_PER_WORD) + -(-thai // THAI_CHARS_PER_WORD)
