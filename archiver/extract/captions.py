"""Figure captions with their credits and image URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from archiver.extract.furniture import CAPTION_NAMES
from archiver.extract.text import Element, clean, node_text

from archiver.record.items import Caption

# A caption element: <figcaption>, WordPress wp-caption-text, CMS caption classes.
_CAPTION_CLASS = re.compile(CAPTION_NAMES, re.IGNORECASE)
_IMAGE_TAGS = ("img", "amp-img")
_CREDIT_CLASS = re.compile(r"credit|copyright|byline|source|attribution", re.IGNORECASE)
# Credits at the end of a caption, most explicit first.
_CREDIT_PATTERNS = [
    re.compile(r"\s*[(（](?:(?:photo|foto|image|imagen|picture|bild|credit|crédito|撮影)s?(?:\s+credit)?"
               r"(?:\s+(?:by|de|von|por))?)?[:：・]?\s*(?P<c>[^()（）]{1,60})[)）]\s*\.?$", re.IGNORECASE),
    re.compile(r"\s*[\-\u2013\u2014|/]?\s*\b(?:photo(?:graph)?|foto(?:grafía)?|image|imagen|picture|bild|"
               r"credit|crédito|source|fuente|quelle|illustration|video)s?\s*(?:by|de|von)?\s*:\s*(?P<c>.{2,80}?)\s*\.?$",
               re.IGNORECASE),
    re.compile(r"\s*[\-\u2013\u2014|]?\s*(?:©|\(c\)|copyright)\s*(?P<c>.{2,80}?)\s*\.?$", re.IGNORECASE),
    # "... border crossing. REUTERS/Jane Doe", "EFE/Juan Pérez": an agency, a slash, a name.
    re.compile(r"(?<=[.!?”\"])\s+(?P<c>[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+)?\s?/\s?[A-Z][\w .'’-]{1,60}?)\s*\.?$"),
]


_COURTESY = re.compile(r"^(?:courtesy(?:\s+of)?|cortes[ií]a(?:\s+de)?|avec l'aimable autorisation de|"
                       r"mit freundlicher genehmigung (?:von|der|des))\s+", re.IGNORECASE)


# "Photo:", "Photos by", "Image credit:", "Photograph by", "撮影・" before the name.
_CREDIT_LABEL = re.compile(
    r"^(?:(?:photo(?:graph)?s?|fotos?|images?|imagen|pictures?|bild|video|illustration)\s*)?"
    r"(?:credits?|crédito|source|fuente|quelle)?\s*(?:(?:by|de|von|por)\s+|[:：・]\s*)|^(?:©|撮影|摄影|图片来源|ภาพ|تصوير)\s*[:：・]?\s*",
    re.IGNORECASE)
# "新华社摄", "记者 李明 摄": Chinese writes "photographed" after the name.
_CREDIT_SUFFIX = re.compile(r"\s*(?<=\S)摄$")
_NOT_CREDIT = re.compile(r"^(?:published|updated|posted)\b|^\W*$", re.IGNORECASE)
MAX_CREDIT_CHARS = 100


def clean_credit(credit: str) -> str | None:
    """The name part of a credit; None for a date or a sentence in a credit's place."""
    credit = _COURTESY.sub("", _CREDIT_LABEL.sub("", clean(credit).strip(" ([（"))).strip(" .;,()[]（）")
    credit = _CREDIT_SUFFIX.sub("", credit)
    if not credit or len(credit) > MAX_CREDIT_CHARS or _NOT_CREDIT.search(credit):
        return None
    return credit


def split_credit(text: str) -> tuple[str, str | None]:
    """Split "Caption text. (EFE)" into ("Caption text.", "EFE")."""
    text = clean(text)
    for pattern in _CREDIT_PATTERNS:
        match = pattern.search(text)
        if match and match.start() > 0:
            credit = match.group("c").strip(" .;,")
            caption = text[: match.start()].strip()
            if credit and caption:
                return caption, credit
    return text, None


def image_url(img: Element | None, base_url: str) -> str | None:
    """The real image URL: lazy-loading attributes and the largest ``srcset`` candidate first."""
    if img is None:
        return None
    for attribute in ("data-src", "data-lazy-src", "data-original", "data-url", "data-srcset", "srcset", "src"):
        value = (img.get(attribute) or "").strip()
        if not value or value.startswith("data:"):
            continue
        if "srcset" in attribute:
            value = _largest_srcset(value)
            if not value:
                continue
        return urljoin(base_url, value)
    return None


def _largest_srcset(srcset: str) -> str | None:
    best, best_size = None, -1.0
    for candidate in srcset.split(","):
        parts = candidate.strip().split()
        if not parts:
            continue
        size = 0.0
        if len(parts) > 1 and parts[1][:-1].replace(".", "", 1).isdigit():
            size = float(parts[1][:-1])
        if size > best_size:
            best, best_size = parts[0], size
    return best


def _is_caption(element: Element) -> bool:
    if element.tag == "figcaption":
        return True
    if element.tag in ("figure", "img", "html", "body") or not _CAPTION_CLASS.search(element.get("class") or ""):
        return False
    # "wp-caption" and friends wrap the image too: the caption is the text inside.
    return next(element.iter("img", "amp-img", "picture", "figure", "video"), None) is None


def _container(caption: Element) -> Element:
    """The figure-like element holding the caption and its image."""
    node = caption.getparent()
    for _ in range(3):
        if node is None:
            break
        if node.tag == "figure" or next(node.iter(*_IMAGE_TAGS), None) is not None:
            return node
        node = node.getparent()
    return caption.getparent() if caption.getparent() is not None else caption


def caption_elements(candidates: Iterable[Element]) -> list[Element]:
    """Caption elements among candidates (document order), outermost only."""
    found: list[Element] = []
    for element in candidates:
        if not _is_caption(element):
            continue
        if found and any(parent in found for parent in element.iterancestors()):
            continue
        found.append(element)
    return found


def extract_captions(candidates: Iterable[Element], base_url: str) -> list[Caption]:
    """Every figure caption among ``candidates`` (``<figcaption>``, caption classes), in order, credit split off."""
    captions: list[Caption] = []
    for element in caption_elements(candidates):
        credit_node = next((e for e in element.iter() if e is not element and isinstance(e.tag, str)
                            and _CREDIT_CLASS.search(e.get("class") or "")), None)
        container = _container(element)
        if credit_node is None:
            credit_node = next((e for e in container.iter() if isinstance(e.tag, str) and e is not element
                                and _CREDIT_CLASS.search(e.get("class") or "")
                                and element not in e.iterancestors()), None)
        credit = node_text(credit_node) if credit_node is not None else None
        inner = next((e for e in element.iterdescendants() if isinstance(e.tag, str)
                      and _CAPTION_CLASS.search(e.get("class") or "") and not _CREDIT_CLASS.search(e.get("class") or "")),
                     None)
        text = node_text(inner if inner is not None else element)
        if credit and credit_node is not None and element in credit_node.iterancestors():
            text = clean(text.replace(credit, ""))
        if credit:
            credit = split_credit("x " + credit)[1] or _CREDIT_LABEL.sub("", credit)
        else:
            text, credit = split_credit(text)
        if credit:
            credit = clean_credit(credit)
        if not text:
            continue
        img = next(container.iter(*_IMAGE_TAGS), None)
        captions.append(Caption(text=text, credit=credit or None, image_url=image_url(img, base_url),
                                alt=clean(img.get("alt")) or None if img is not None else None))
    return captions
