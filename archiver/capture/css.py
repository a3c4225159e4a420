"""References in CSS text: ``@import`` targets and every ``url()``, bounded for hostile stylesheets."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A stylesheet past this many characters is read no further (real ones are well under 1 MB).
MAX_CSS_CHARS = 2 * 1024 * 1024
# References kept from one stylesheet or style block; the crawl's per-page limit applies on top.
MAX_CSS_REFERENCES = 1000

_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
# @import url("a.css") screen;  @import 'a.css';  @import url(a.css);
# Each alternative starts with a non-space and stops at the first character that could begin the next
# reference, so a hostile sheet ("url(" a million times, runs of spaces, no closing quote) is read in
# linear time: no two quantifiers can trade the same characters.
_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*(?:"([^"]*)"\s*|'([^']*)'\s*|([^)\s"'(]+)\s*)?\)|"([^"]*)"|'([^']*)')""", re.I)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"\s*|'([^']*)'\s*|([^)\s"'(]+)\s*)?\)""", re.I)
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)


@dataclass(frozen=True)
class CssReferences:
    """What one piece of CSS refers to, raw (not yet resolved against a base URL), in order, no repeats."""

    imports: list[str]  # stylesheets it @imports
    urls: list[str]  # fonts, background images, cursors... (every other url())


def _unescape(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return match.group(2) if match.group(2) not in "\r\n" else ""

    return _ESCAPE.sub(replace, value).strip()


def css_references(text: str, limit: int = MAX_CSS_REFERENCES) -> CssReferences:
    """``@import`` targets and ``url()`` values of a stylesheet, a ``<style>`` block or a ``style=""``."""
    text = _COMMENT.sub(" ", text[:MAX_CSS_CHARS])
    imports: dict[str, None] = {}
    import_spans: list[tuple[int, int]] = []
    for match in _IMPORT.finditer(text):
        if len(imports) >= limit:
            break
        value = _unescape(next((group for group in match.groups() if group is not None), ""))
        if value:
            imports[value] = None
        import_spans.append(match.span())
    urls: dict[str, None] = {}
    inside_import = iter(import_spans)
    span = next(inside_import, None)
    for match in _URL.finditer(text):
        while span is not None and span[1] <= match.start():
            span = next(inside_import, None)
        if span is not None and span[0] <= match.start() < span[1]:
            continue  # the url() of an @import: already an import
        if len(imports) + len(urls) >= limit:
            break
        value = _unescape(next((group for group in match.groups() if group is not None), ""))
        if value and value not in imports:
            urls[value] = None
    return CssReferences(list(imports), list(urls))
