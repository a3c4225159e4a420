"""What an HTML page needs to render: pure functions over an lxml tree, shared by every capture mode.

``page_requisites(tree, url)`` lists stylesheets, scripts, images (``src``, ``srcset``,
``<picture><source>``, ``poster`` and the lazy-loading attributes sites use), icons, fonts
and images named by ``url()`` in ``<style>`` blocks and ``style=""`` attributes, and the
documents of ``<iframe>`` embeds, as absolute http(s) URLs in document order, each once.
``stylesheet_requisites(text, url)`` does the same for a fetched stylesheet (``@import``
and ``url()``). Nothing here fetches anything; archiver.capture.fetch does, for the crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from archiver.capture.css import css_references
from archiver.extract.text import Element

# Kinds of requisite; "stylesheet" ones are read for what they import and use in turn.
STYLESHEET, SCRIPT, IMAGE, FONT, ICON, FRAME, MEDIA = "stylesheet", "script", "image", "font", "icon", "frame", "media"
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf", ".eot")
# Attributes lazy-loading libraries (lazysizes, lozad, WordPress plugins, jQuery lazyload) keep the real image in.
LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-hi-res-src", "data-full-src",
            "data-fallback-src", "data-img-src", "data-url")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset", "data-original-set")
ICON_RELS = {"icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"}
PRELOAD_KINDS = {"style": STYLESHEET, "script": SCRIPT, "image": IMAGE, "font": FONT}
# A page past this many requisites is read no further (the crawl's per-page limit is lower).
MAX_PAGE_REQUISITES = 5000


@dataclass(frozen=True)
class Requisite:
    url: str  # absolute, fragment removed
    kind: str  # stylesheet, script, image, font, icon, frame, media


def absolute_url(value: str | None, base: str) -> str | None:
    """``value`` resolved against ``base``, when it is a fetchable http(s) URL; else None."""
    if not value:
        return None
    value = value.strip()
    if not value or value.startswith(("#", "data:", "javascript:", "blob:", "about:", "mailto:")):
        return None
    try:
        url = _join(base, value)
        parts = urlsplit(url)
    except ValueError:  # "http://[bad" and friends
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url.split("#", 1)[0]


def _join(base: str, value: str) -> str:
    """``urljoin``, with the common cases (absolute, root-relative) done without it: it is slow."""
    if "/." in value or "\\" in value:
        return urljoin(base, value)
    if value.startswith(("http://", "https://")):
        return value
    if value.startswith("//"):
        return base.split(":", 1)[0] + ":" + value
    if value.startswith("/"):
        scheme, _, rest = base.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}{value}"
    return urljoin(base, value)


def srcset_urls(value: str | None) -> list[str]:
    """The URLs of a ``srcset`` (``a.jpg 1x, b.jpg 2x`` / ``a.jpg 300w, ...``), in order."""
    if not value:
        return []
    found, position, size = [], 0, len(value)
    while position < size:
        while position < size and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < size and not value[position].isspace():
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptors, up to the next candidate
            depth = 0
            while position < size and (value[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[position], 0)
                position += 1
        if url:
            found.append(url)
    return found


def css_kind(url: str) -> str:
    """A ``url()`` in CSS: a font by its suffix, else an image (backgrounds, cursors, masks)."""
    return FONT if urlsplit(url).path.lower().endswith(FONT_SUFFIXES) else IMAGE


class _Collector:
    def __init__(self, base: str, limit: int) -> None:
        self.base = base
        self.limit = limit
        self.found: dict[str, Requisite] = {}

    def add(self, value: str | None, kind: str) -> None:
        url = absolute_url(value, self.base)
        if url and url not in self.found and len(self.found) < self.limit:
            self.found[url] = Requisite(url, kind)

    def add_css(self, text: str, base: str | None = None) -> None:
        references = css_references(text)
        saved, self.base = self.base, base or self.base
        for value in references.imports:
            self.add(value, STYLESHEET)
        for value in references.urls:
            url = absolute_url(value, self.base)
            if url:
                self.add(url, css_kind(url))
        self.base = saved


def _rels(element: Element) -> set[str]:
    return set((element.get("rel") or "").lower().split())


def _base_url(tree: Element, url: str) -> str:
    for base in tree.iterfind(".//base"):
        href = absolute_url(base.get("href"), url)
        if href:
            return href
    return url


# Elements that can name a requisite by their tag; any element can by style="" or background="".
_CANDIDATE_TAGS = frozenset({"link", "script", "style", "img", "source", "image", "video", "audio", "input", "iframe"})


def page_requisites(tree: Element, url: str, limit: int = MAX_PAGE_REQUISITES) -> list[Requisite]:
    """Everything the page at ``url`` needs to render, in document order, each URL once."""
    found = _Collector(_base_url(tree, url), limit)
    for element in tree.iter():
        tag = element.tag
        if tag not in _CANDIDATE_TAGS and element.get("style") is None and element.get("background") is None:
            continue
        if tag == "link":
            rels = _rels(element)
            if "stylesheet" in rels:
                found.add(element.get("href"), STYLESHEET)
            elif rels & ICON_RELS:
                found.add(element.get("href"), ICON)
            elif "preload" in rels and (element.get("as") or "").lower() in PRELOAD_KINDS:
                found.add(element.get("href"), PRELOAD_KINDS[element.get("as").lower()])
        elif tag == "script":
            found.add(element.get("src"), SCRIPT)
        elif tag == "style":
            found.add_css(element.text or "")
        elif tag in ("img", "source", "image"):
            _add_image(found, element)
        elif tag in ("video", "audio"):
            found.add(element.get("poster"), IMAGE)
        elif tag == "input" and (element.get("type") or "").lower() == "image":
            found.add(element.get("src"), IMAGE)
        elif tag == "iframe":
            found.add(element.get("src") or element.get("data-src"), FRAME)
        elif tag in ("body", "table", "td", "th") and element.get("background"):
            found.add(element.get("background"), IMAGE)
        style = element.get("style")
        if style and "url(" in style.lower():
            found.add_css(style)
    return list(found.found.values())


def _add_image(found: _Collector, element: Element) -> None:
    """``src``/``srcset`` and lazy-loading attributes of an ``<img>``, ``<picture><source>`` or SVG ``<image>``."""
    if element.tag == "source":
        parent = element.getparent()
        if parent is None or parent.tag != "picture":
            found.add(element.get("src"), MEDIA)  # <video><source>/<audio><source>: media itself
            return
    elif element.tag == "image":
        found.add(element.get("href") or element.get("{http://www.w3.org/1999/xlink}href"), IMAGE)
        return
    found.add(element.get("src"), IMAGE)
    for value in srcset_urls(element.get("srcset")):
        found.add(value, IMAGE)
    for name in LAZY_SRC:
        found.add(element.get(name), IMAGE)
    for name in LAZY_SRCSET:
        for value in srcset_urls(element.get(name)):
            found.add(value, IMAGE)


def stylesheet_requisites(text: str, url: str, limit: int = MAX_PAGE_REQUISITES) -> list[Requisite]:
    """What a fetched stylesheet at ``url`` imports and uses (fonts, images), resolved against ``url``."""
    found = _Collector(url, limit)
    found.add_css(text)
    found.found.pop(url.split("#", 1)[0], None)  # a sheet that imports itself
    return list(found.found.values())
