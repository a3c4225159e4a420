"""The article body from the DOM: prune page furniture, score containers, emit text blocks."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from archiver.extract.text import clean

# Removed before scoring: never article text.
DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "form",
    "button", "select", "textarea", "input", "nav", "footer", "aside", "figure", "figcaption", "audio",
    "video", "dialog", "menu", "header", "label", "map", "picture", "source",
}
# Class/id tokens of furniture: exact tokens ...
FURNITURE_TOKENS = {
    "ad", "ads", "advert", "advertisement", "banner", "bio", "breadcrumb", "breadcrumbs", "byline",
    "caption", "comments", "comment-list", "cookie", "credit", "dateline", "disclaimer", "footer",
    "menu", "meta", "modal", "nav", "navbar", "newsletter", "pagination", "popup", "print", "promo",
    "related", "share", "sharing", "sidebar", "skip-link", "social", "sponsored", "subscribe",
    "tags", "toolbar", "widget", "wp-caption", "wp-caption-text", "screen-reader-text", "sr-only",
    "visually-hidden", "entry-meta", "post-meta", "article-meta", "author", "author-info",
    "timestamp", "read-more", "more-stories", "most-popular", "trending", "paywall", "signup",
}
# ... and token prefixes.
FURNITURE_PREFIXES = (
    "share", "social", "related", "newsletter", "comment", "advert", "ad-", "ads-", "promo", "sponsor",
    "cookie", "consent", "subscribe", "subscription", "outbrain", "taboola", "sharedaddy",
    "jp-relatedposts", "breadcrumb", "author-", "sidebar", "widget", "recommend", "most-read", "popular",
    "nav-", "navigation", "menu-", "footer", "masthead", "site-header", "post-navigation", "tag-",
    "tags-", "wp-block-buttons", "addtoany", "a2a", "yarpp", "crp_related", "inline-related",
)
# ... and substrings anywhere in a token ("inline-promo", "article-newsletter-signup").
FURNITURE_SUBSTRINGS = ("promo", "newsletter", "related", "sharing", "share-", "advert", "sponsor", "subscri",
                        "cookie", "paywall", "outbrain", "taboola", "recirc", "interstitial")
POSITIVE = re.compile(r"article|body|content|entry|main|post|story|text|prose|rich-text|paragraph", re.I)
NEGATIVE = re.compile(r"comment|meta|footer|footnote|sidebar|widget|share|social|related|promo|"
                      r"sponsor|shopping|tags|teaser|card|list|nav|menu|header", re.I)
BLOCK_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "li", "dt", "dd", "blockquote", "tr", "td", "th",
    "div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody", "thead", "tfoot", "hr",
    "address", "details", "summary", "center",
}
LEAF_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd", "tr"}
_FURNITURE_TEXT = re.compile(
    r"^(?:advertisement|advertising|anuncio|publicidad|anzeige|read more|read next|see also|related|share|"
    r"share this|share on \w+|tweet|email|print|comments?|leave a (?:reply|comment)|sign up|subscribe|"
    r"follow us|click here|continue reading|more:|skip to content|back to top|loading|\d+ comments?)\b.{0,40}$",
    re.IGNORECASE,
)


def _tokens(element: HtmlElement) -> list[str]:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower().split()


def is_furniture(element: HtmlElement) -> bool:
    if element.tag in DROP_TAGS:
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if (element.get("role") or "").lower() in ("navigation", "complementary", "banner", "contentinfo", "dialog"):
        return True
    return any(t in FURNITURE_TOKENS or t.startswith(FURNITURE_PREFIXES)
               or any(part in t for part in FURNITURE_SUBSTRINGS) for t in _tokens(element))


def _paragraph_chars(element: HtmlElement) -> int:
    return sum(len(clean(p.text_content())) for p in element.iter("p"))


def prune(root: HtmlElement) -> None:
    """Remove furniture in place, but never a container holding most of the page's paragraphs."""
    total = _paragraph_chars(root) or 1
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag in ("html", "body"):
            continue
        if element.getparent() is None or not is_furniture(element):
            continue
        if element.tag not in DROP_TAGS and _paragraph_chars(element) > 0.4 * total:
            continue  # e.g. <div class="post-meta-wrapper entry-content">: too much text to be furniture
        element.drop_tree()


def drop_promo_boxes(anchors: list[HtmlElement], max_chars: int = 250) -> None:
    """Remove the small box around each link (e.g. "Leer en Español" with the Spanish title)."""
    for anchor in anchors:
        if anchor.getparent() is None:
            continue
        box = anchor
        for ancestor in anchor.iterancestors():
            if ancestor.tag in ("body", "html", "article", "main") or len(clean(ancestor.text_content())) > max_chars:
                break
            box = ancestor
        if box.getparent() is not None:
            box.drop_tree()


def _link_density(element: HtmlElement, text_length: int) -> float:
    if not text_length:
        return 0.0
    links = sum(len(clean(a.text_content())) for a in element.iter("a"))
    return min(1.0, links / text_length)


def _class_weight(element: HtmlElement) -> int:
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    weight = 0
    if POSITIVE.search(names):
        weight += 25
    if NEGATIVE.search(names):
        weight -= 25
    if element.tag in ("article", "main"):
        weight += 20
    return weight


def best_container(root: HtmlElement) -> HtmlElement | None:
    """The element whose paragraphs make up the article (readability-style scoring)."""
    scores: dict[HtmlElement, float] = {}
    for para in root.iter("p", "pre", "blockquote", "td", "li"):
        text = clean(para.text_content())
        if len(text) < 25:
            continue
        score = 1 + text.count(",") + text.count("\u3001") + min(len(text) / 100, 3)
        if para.tag == "li":
            score *= 0.5
        parent = para.getparent()
        for level, divisor in ((parent, 1), (parent.getparent() if parent is not None else None, 2),
                               (None, 3)):
            if level is None:
                break
            if level not in scores:
                scores[level] = _class_weight(level)
            scores[level] += score / divisor
        grand = parent.getparent() if parent is not None else None
        great = grand.getparent() if grand is not None else None
        if great is not None:
            scores.setdefault(great, _class_weight(great))
            scores[great] += score / 3
    if not scores:
        return None
    ranked = []
    for element, score in scores.items():
        length = len(clean(element.text_content()))
        ranked.append((score * (1 - _link_density(element, length)), element))
    ranked.sort(key=lambda pair: pair[0], reverse=True)
    return ranked[0][1]


def _emit(element: HtmlElement, out: list[tuple[str, HtmlElement]]) -> None:
    """Append (text, element) for each text block under ``element``, in reading order."""
    if element.tag in LEAF_BLOCKS or (element.tag in ("li", "blockquote", "td", "th")
                                      and not any(c.tag in BLOCK_TAGS for c in element.iterdescendants())):
        text = _text_with_breaks(element)
        if text:
            out.append((text, element))
        return
    buffer = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):
            buffer.append(child.tail or "")
            continue
        if child.tag in BLOCK_TAGS:
            _flush(buffer, element, out)
            buffer = []
            _emit(child, out)
        elif child.tag == "br" and buffer and buffer[-1].endswith("\n"):
            _flush(buffer, element, out)
            buffer = []
        else:
            buffer.append("\n" if child.tag == "br" else _inline_text(child))
        buffer.append(child.tail or "")
    _flush(buffer, element, out)


def _flush(buffer: list[str], element: HtmlElement, out: list[tuple[str, HtmlElement]]) -> None:
    text = "\n".join(clean(line) for line in "".join(buffer).split("\n") if clean(line))
    if text:
        out.append((text, element))


def _inline_text(element: HtmlElement) -> str:
    """Text of an element in order, ``<br>`` as a line break."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "br":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _text_with_breaks(element: HtmlElement) -> str:
    if element.tag == "tr":
        cells = [clean(cell.text_content()) for cell in element if cell.tag in ("td", "th")]
        return " | ".join(cell for cell in cells if cell)
    return "\n".join(clean(line) for line in _inline_text(element).split("\n") if clean(line))


def keep_block(text: str, element: HtmlElement) -> bool:
    if _FURNITURE_TEXT.match(text):
        return False
    link_text = sum(len(clean(a.text_content())) for a in element.iter("a"))
    # Mostly a link: "Read more: <headline>", "[Read in Spanish]", a related-story teaser.
    if link_text and link_text >= 0.6 * len(text) and len(text) < 200:
        return False
    return True


def extract_dom_body(root: HtmlElement, headline: str | None = None) -> tuple[str, HtmlElement | None]:
    """Body text of an already pruned tree; paragraphs joined by blank lines."""
    container = best_container(root)
    if container is None:
        return "", None
    # Readability's trick: the best container's parent often holds the rest of the story.
    scope = container
    parent = container.getparent()
    if parent is not None and container.tag not in ("article", "main") and parent.tag not in ("body", "html"):
        own = _paragraph_chars(container)
        if own and _paragraph_chars(parent) > 1.3 * own and _link_density(parent, len(clean(parent.text_content()))) < 0.25:
            scope = parent
    blocks: list[tuple[str, HtmlElement]] = []
    _emit(scope, blocks)
    headline_key = clean(headline).lower() if headline else None
    paragraphs: list[str] = []
    for text, element in blocks:
        if headline_key and text.lower() == headline_key:
            continue
        if not keep_block(text, element):
            continue
        if paragraphs and paragraphs[-1] == text:
            continue
        paragraphs.append(text)
    return "\n\n".join(paragraphs), scope
