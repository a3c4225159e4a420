"""Decode and parse untrusted HTML into an lxml tree, defensively."""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from lxml import etree

from archiver.extract.text import Element

# Bound the work a hostile page can cause: lxml's own limits stay on (no huge_tree).
MAX_HTML_CHARS = 5 * 1024 * 1024
# Charset detection reads no more than this.
DETECT_BYTES = 64 * 1024

_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
# An XML declaration, or the start of one whose file was cut mid-token (up to the first ">").
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_TITLE_END = re.compile(r"</title\s*>", re.IGNORECASE)
_TITLE_START = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
# A <title> longer than this that holds markup was never closed (a file cut mid-token).
MAX_TITLE_CHARS = 500
# Plain lxml.etree elements: lxml.html's Python-level element classes cost twice the time per node.
# "<html .../>": the parser closes the document there and drops the whole page (a saved copy cut
# mid-token left the <html> tag ending in an image's "/>"). html, head and body are never empty.
_SELF_CLOSED_ROOT = re.compile(r"<(html|head|body)\b([^<>]*?)/\s*>", re.I)
MIN_REPAIRED_CHARS = 1000  # a page that parses to nothing is repaired from this size (smaller: it is empty)
_PARSER = etree.HTMLParser(
    recover=True, no_network=True, remove_pis=True, remove_comments=True, default_doctype=False
)


def _codec(name: str | None) -> str | None:
    if not name or not isinstance(name, str):
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'"))
    except (LookupError, ValueError):  # unknown name, or one with a NUL in it
        return None
    if not getattr(info, "_is_text_encoding", True):  # "hex", "base64", "zlib": not page charsets
        return None
    codec = info.name
    # Browsers read pages labelled latin-1/ascii as windows-1252 (WHATWG Encoding).
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    return all(len(char.encode(codec, errors="ignore")) <= 1 for char in "\u00e9\u00fc\u0436\u20ac\u3042")


def _utf8_despite(codec: str, data: bytes) -> bool:
    """True when a page labelled with a single-byte charset (windows-1252, iso-8859-*) is UTF-8 with
    letters beyond ASCII: read in the label's charset it would be mojibake ("KosovoÃ¢â‚¬â„¢s"). Text
    in a single-byte charset is almost never valid UTF-8 by chance (a lead byte needs its
    continuation bytes). Saved copies re-encoded to UTF-8 and servers with a default label do this."""
    if not _single_byte(codec) or data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:  # cut off mid-character at the end is still UTF-8
        return error.start >= len(data) - 4 and error.reason == "unexpected end of data"
    return True


def sniff_encoding(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (codec, source): BOM, then the HTTP header, then <meta charset>, then UTF-8.

    A single-byte label on bytes that are UTF-8 beyond ASCII gives way to UTF-8 (source "utf-8")."""
    codec, source, _ = _sniff(data, declared)
    return codec, source


def _sniff(data: bytes, declared: str | None) -> tuple[str, str, str | None]:
    """(codec, source, text): the text when telling the codec decoded the whole page (valid UTF-8),
    so that the page is not decoded twice."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, "bom", None
    codec = _codec(declared)
    if codec:
        return ("utf-8", "utf-8", None) if _utf8_despite(codec, data) else (codec, "http", None)
    match = _META_CHARSET.search(data[:4096])
    codec = _codec(match.group(1).decode("ascii", "ignore")) if match else None
    # A page that says utf-16 in a <meta> it could be read in ASCII is not utf-16.
    if codec and not codec.startswith("utf-16") and not codec.startswith("utf-32"):
        return ("utf-8", "utf-8", None) if _utf8_despite(codec, data) else (codec, "meta", None)
    try:
        return "utf-8", "detected", data.decode("utf-8")
    except UnicodeDecodeError as error:
        # Cut off mid-character at the end (a truncated download) is still UTF-8.
        if error.start >= len(data) - 4 and error.reason == "unexpected end of data":
            return "utf-8", "detected", None
    return _detect(data), "detected", None


_LATIN_CODECS = {"cp1250", "cp1252", "cp1254", "cp1257", "cp850", "cp437", "latin_1", "hp_roman8"}
_OTHER_SCRIPTS = {"iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_11", "mac_cyrillic", "mac_greek"}


def _detect(data: bytes) -> str:
    """Statistical detection (charset-normalizer) on the start of the page; windows-1252 if unsure."""
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data[:DETECT_BYTES]).best()
    except (LookupError, ValueError, RuntimeError):
        best = None
    codec = _codec(best.encoding) if best is not None else None
    # Latin-script single-byte guesses (cp1257 for French...) are unreliable on short text:
    # browsers fall back to windows-1252 there, and so do we. Other scripts are trusted.
    if not codec or codec in _LATIN_CODECS or codec.startswith(("iso8859_", "mac_")) and codec not in _OTHER_SCRIPTS:
        return "cp1252"
    return codec


def decode_html(data: bytes | str, declared: str | None = None) -> str:
    """Decode page bytes to text; undecodable bytes become U+FFFD, never an error."""
    if isinstance(data, str):
        return data[:MAX_HTML_CHARS]
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return ""
    data = bytes(data[: 4 * MAX_HTML_CHARS])  # no more bytes than the characters kept can take
    codec, _, text = _sniff(data, declared)
    if text is None:
        try:
            text = data.decode(codec, errors="replace")
        except (LookupError, UnicodeError):  # a codec Python knows by name but cannot decode with ("undefined")
            text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def close_title(text: str) -> str:
    """Close a ``<title>`` left open (a saved copy cut mid-token), which swallows the whole page.

    The parser reads a title's content as text up to ``</title>``: without one nearby, the page's
    body ends up in ``<head>``. The title is closed at its first markup instead.
    """
    match = _TITLE_START.search(text, 0, DETECT_BYTES)
    if match is None:
        return text
    start = match.end()
    window = text[start:start + MAX_TITLE_CHARS]
    if _TITLE_END.search(window):
        return text
    # Closed at its first markup, else at its first line break after some text.
    cut = window.find("<")
    if cut < 0:
        line = re.search(r"\S[^\n]*\n", window)
        if line is None:
            return text
        cut = line.end()
    return text[:start + cut] + "</title>" + text[start + cut:]


def reopen_body(text: str) -> str:
    """The page without the ``</body>`` and ``</html>`` end tags when markup follows them.

    A template that closes the document after its header and prints the story after ``</html>``
    shows the story in every browser (HTML5 reads what follows those end tags into the body), but
    libxml2 drops all of it. Without the end tags it reads the page as a browser does.
    """
    end = _DOCUMENT_END.search(text)
    if end is None or "<" not in text[end.end():end.end() + EARLY_END_CHARS] \
            or len(text) - end.end() < EARLY_END_CHARS:
        return text
    return _DOCUMENT_END.sub("", text)


_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.I)
EARLY_END_CHARS = 512  # markup after the end tags worth reading again: more than a tracking pixel


def _parse(text: str) -> Element | None:
    if not text.strip():
        return None
    try:
        return etree.fromstring(text, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _empty(root: Element | None) -> bool:
    body = root.find("body") if root is not None else None
    return body is None or len(body) == 0 and not (body.text or "").strip()


def _unswallowed(root: Element, text: str) -> Element:
    """The page again, without a ``<script>`` in its head that swallowed its body.

    A saved copy cut and pasted mid-token can leave a script's start tag with an open quote
    (``<script src="/te.backgroundColor='yellow';``): the parser then reads the rest of the head
    and the whole story as that script's code, up to the next ``</script>``. Such a script holds a
    ``</head>`` and a ``<body>`` tag, which no script's code does. The page is parsed again without
    the head's scripts up to where that code starts, and kept when its body has more text.
    """
    for script in root.iterfind("head/script"):
        code = script.text or ""
        if not _BODY_TAG.search(code) or not _HEAD_END.search(code):
            continue
        start = text.find(code[:200])
        # from the head's first script: the broken tag may be an earlier one than the script found
        first = _SCRIPT_TAG.search(text, 0, start) if start > 0 else None
        repaired = _parse(text[:first.start()] + text[start:]) if first else None
        if repaired is None or _text_chars(repaired) <= _text_chars(root):
            return root
        return repaired
    return root


_BODY_TAG = re.compile(r"<body\b", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_SCRIPT_TAG = re.compile(r"<script\b", re.I)


def _text_chars(root: Element) -> int:
    body = root.find("body")
    return sum(len(t.strip()) for t in body.itertext()) if body is not None else 0


def parse_html(data: bytes | str, declared_encoding: str | None = None) -> Element:
    """Parse a page; always returns an ``<html>`` root with a ``<body>``, empty for unparseable input."""
    text = decode_html(data, declared_encoding)[:MAX_HTML_CHARS]
    if "\x00" in text:  # a search is cheaper than a replace that finds nothing
        text = text.replace("\x00", "")
    text = reopen_body(close_title(_XML_DECLARATION.sub("", text, count=1)))
    root = _parse(text)
    if _empty(root) and len(text) > MIN_REPAIRED_CHARS:
        # Nothing came out of a page of some size: a self-closed root tag may have ended it at once.
        head = text[:DETECT_BYTES]
        repaired = _SELF_CLOSED_ROOT.sub(r"<\1\2>", head, count=3)
        if repaired != head:
            root = _parse(repaired + text[DETECT_BYTES:])
    if root is not None:
        root = _unswallowed(root, text)
    if root is None or root.tag != "html":
        root = etree.fromstring("<html><head></head><body></body></html>", parser=_PARSER)
    if root.find("body") is None:
        etree.SubElement(root, "body")
    return root
