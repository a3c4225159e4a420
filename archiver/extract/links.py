"""Canonical URL, translations and images: the page's links to itself and its other versions."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from archiver.extract.blocks import PageBlocks
from archiver.extract.language import primary_language
from archiver.extract.text import Element, clean, text_content

from archiver.record.items import Translation

# Language names as sites write them on "read this in ..." links.
LANGUAGE_NAMES = {
    "english": "en", "inglés": "en", "ingles": "en", "anglais": "en", "englisch": "en",
    "español": "es", "espanol": "es", "spanish": "es", "espagnol": "es", "spanisch": "es",
    "français": "fr", "francais": "fr", "french": "fr", "francés": "fr",
    "deutsch": "de", "german": "de", "alemán": "de", "allemand": "de",
    "português": "pt", "portugues": "pt", "portuguese": "pt",
    "italiano": "it", "italian": "it", "中文": "zh", "chinese": "zh", "日本語": "ja", "japanese": "ja",
    "русский": "ru", "russian": "ru", "العربية": "ar", "arabic": "ar", "한국어": "ko", "korean": "ko",
}
_READ_IN = re.compile(
    r"^\[?\s*(?:read\s+(?:this\s+)?(?:story\s+|article\s+)?in|leer\s+(?:en|este artículo en)|lire\s+en|"
    r"auf|lesen\s+sie\s+auf|ler\s+em|leggi\s+in|versión\s+en|version\s+en|en)?\s*"
    r"(?P<lang>[^\s\]\[]+)\s*(?:lesen|version|versión)?\s*\]?$",
    re.IGNORECASE,
)




def _is_section_root(url: str) -> bool:
    """``/es/`` or ``/de``: a language switcher's target, not a translated article."""
    return len([part for part in urlsplit(url).path.split("/") if part]) <= 1


def translations(
    tree: Element, page: PageBlocks, base_url: str, own_language: str | None, own_url: str
) -> tuple[list[Translation], list[Element]]:
    """hreflang alternates and in-page "read in <language>" links, one per language and URL.

    The in-page anchors come from the scan of the page; they are also returned, so the body can
    leave out the promo boxes around them.
    """
    found: list[Translation] = []
    anchors: list[Element] = []
    seen: set[tuple[str, str]] = set()

    def add(language: str | None, href: str | None, anchor: Element | None = None) -> None:
        if not language or not href or language == own_language:
            return
        url = urljoin(base_url, href.strip())
        if url.rstrip("/") == own_url.rstrip("/"):
            return
        if anchor is not None:
            if _is_section_root(url):
                return
            anchors.append(anchor)
        if (language, url) in seen:
            return
        seen.add((language, url))
        found.append(Translation(language=language, url=url))

    head = tree.find("head")
    for link in head.iter("link") if head is not None else ():
        if "alternate" in (link.get("rel") or "").lower().split() and link.get("hreflang"):
            if link.get("hreflang", "").lower() != "x-default":
                add(primary_language(link.get("hreflang")), link.get("href"))
    for anchor, hreflang in page.hreflangs:
        if anchor.tag == "a":
            add(primary_language(hreflang), anchor.get("href"), anchor)
    # Most pages name no language in any link: one search over all link text skips the loop.
    link_text = " ".join(text_content(a) for a in page.anchors).lower()
    if not any(name in link_text for name in LANGUAGE_NAMES):
        return found, anchors
    for anchor in page.anchors:
        if anchor.get("hreflang"):
            continue
        href = anchor.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        raw = text_content(anchor)
        if len(raw) > 200:
            continue
        text = clean(raw)
        if not text or len(text) > 40:
            continue
        match = _READ_IN.match(text)
        if match:
            add(LANGUAGE_NAMES.get(match.group("lang").lower()), href, anchor)
    return found, anchors
