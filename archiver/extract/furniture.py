"""What is never article text: script-like elements, and page furniture named by tag, role or class."""

from __future__ import annotations

import re

from archiver.extract.text import Element

# Never text a reader sees as the article: removed outright, wherever they are.
JUNK_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "button",
    "select", "textarea", "input", "audio", "video", "map", "picture", "source", "head", "title", "meta",
    "link", "base", "option", "datalist", "math",
})
# Furniture by tag: dropped unless it holds most of the page's text (some sites wrap the whole
# page in a <form>, or the story in a <header>).
FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "header", "form", "menu", "dialog", "figure", "figcaption",
                            "label", "fieldset", "address"})
FURNITURE_ROLES = frozenset({"navigation", "complementary", "banner", "contentinfo", "dialog", "search", "menu",
                             "menubar", "toolbar", "alert", "alertdialog", "tablist"})

# Class/id tokens of furniture, as one regex over the lower-cased "class id" string:
# whole tokens ...
_TOKENS = (
    "ad", "ads", "advert", "advertisement", "banner", "bio", "breadcrumb", "breadcrumbs", "byline",
    "caption", "comments", "comment-list", "cookie", "credit", "credits", "dateline", "disclaimer", "footer",
    "menu", "meta", "modal", "nav", "navbar", "newsletter", "pagination", "popup", "print", "promo",
    "related", "share", "sharing", "sidebar", "skip-link", "social", "sponsored", "subscribe",
    "tags", "toolbar", "widget", "wp-caption", "wp-caption-text", "screen-reader-text", "sr-only",
    "visually-hidden", "visuallyhidden", "entry-meta", "post-meta", "article-meta", "author", "author-info",
    "timestamp", "read-more", "more-stories", "most-popular", "trending", "paywall", "signup", "hidden",
    "hide", "toc", "rating", "login", "masthead", "topbar", "top-bar", "header", "jump-link",
    "video", "gallery", "slideshow", "carousel", "image", "photo", "media", "tooltip",
    "recirculation", "outbrain", "taboola", "rollover", "hovercard", "popover", "byline-wrapper", "kicker", "eyebrow", "overline",
)
# ... token prefixes ...
_PREFIXES = (
    "share", "social", "related", "newsletter", "advert", "ad-", "ads-", "ad_", "promo", "sponsor",
    "cookie", "consent", "subscribe", "subscription", "sharedaddy", "jp-relatedposts", "breadcrumb",
    "author-", "sidebar", "widget", "recommend", "most-read", "mostread", "popular", "nav-", "navigation",
    "menu-", "footer", "masthead", "site-header", "post-navigation", "tags-", "wp-block-buttons",
    "addtoany", "a2a", "yarpp", "crp_related", "inline-related", "byline", "dateline", "caption",
    "photo-credit", "image-credit", "toolbar", "signup", "sign-up", "skip", "breaking-news-bar", "ticker",
    "read-next", "readmore", "read-more", "more-from", "more-on", "also-read", "see-also",
    "visually-hidden", "sr-", "screenreader", "tooltip", "rollover", "hovercard", "popover", "modal", "overlay", "popup", "pop-up",
    "tag-list", "taglist", "tags_", "article-tags", "post-tags", "entry-tags", "keywords",
    "video-player", "vjs-", "jw-", "gallery-", "slideshow", "lightbox", "pagination",
    "print-", "rating", "author_", "about-author", "post-author", "entry-author", "article-author",
    "article-meta", "post-meta", "entry-meta", "entry-footer", "post-footer", "article-footer",
    "story-footer", "article-header", "post-header", "entry-header", "page-header", "story-header",
)
# ... and substrings anywhere in a token ("inline-promo", "article-newsletter-signup").
_SUBSTRINGS = (
    "promo", "newsletter", "related", "sharing", "share-", "-share", "advert", "sponsor", "subscri",
    "cookie", "paywall", "outbrain", "taboola", "recirc", "interstitial", "social",
    "breadcrumb", "byline", "signup", "widget", "disclaimer", "recommend", "trending", "banner", "caption",
    "-tags", "_tags", "badge",
    "imagecredit", "photocredit",
)
_TOKEN_SET = frozenset(_TOKENS)
# Page builders call every box a widget (Elementor, HubSpot, Beaver Builder, SiteOrigin): their box
# tokens say nothing of what the box holds; the box's other tokens and its tag still do.
_BUILDER_BOXES = ("elementor-widget", "elementor-element", "hs_cos_wrapper", "widget-span", "widget-type-",
                  "fl-widget", "fl-module", "so-widget", "panel-widget", "et_pb_")


def _alternation(words) -> str:
    """A regular expression for any of the words, factored by their common starts ("ad(?:-|s-|_|vert)"):
    it matches where "|".join(words) does, in a few steps per position instead of one per word (each
    class token a page shows for the first time is searched with these)."""
    words = sorted(set(words))
    if len(words) == 1:
        return re.escape(words[0])
    if not words[0]:  # one word is a start of the others
        return f"(?:{_alternation(words[1:])})?"
    tails: dict[str, list[str]] = {}
    for word in words:
        tails.setdefault(word[0], []).append(word[1:])
    branches = [re.escape(first) + _alternation(rest) for first, rest in tails.items()]
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


# token.startswith(_PREFIXES) tries only the prefixes of the token's first letter (a hundred otherwise)
_PREFIXES_BY_FIRST: dict[str, tuple[str, ...]] = {}
for _prefix in _PREFIXES:
    _PREFIXES_BY_FIRST[_prefix[:1]] = _PREFIXES_BY_FIRST.get(_prefix[:1], ()) + (_prefix,)
_SUBSTRING_NAMES = re.compile(_alternation(_SUBSTRINGS) + r"|comment(?!ary)")  # not commentary
# Names of the article's own container: never furniture, whatever else the class says
# (WordPress writes "tag-<slug>" and "category-<slug>" on every <article>).
_CONTENT_NAMES = re.compile(
    r"(?:^|[_-])(?:article|story|entry|post|blog|news|main|page|td-post|field-name)[_-]{1,2}"
    r"(?:body|content|text|main|entry|inner|copy)(?:$|[_-])|^(?:articlebody|storybody|postbody|"
    r"entry-content|post-content|article-content|rich-text|richtext|prose|body-copy|story-content)$"
)
_COMMENTS = re.compile(r"comment(?!ary)|disqus|respond|replies|forum")
INLINE_FURNITURE_TAGS = frozenset({"a", "span", "i", "img"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


def class_string(element: Element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower()


# Flags of an element, from its class/id string (cached: pages repeat the same few strings).
# DATED and BYLINE mark where dates and author names are written out, for the metadata fallbacks.
CONTENT, FURNITURE, CAPTION, PAYWALL, DATED, BYLINE, SKIPPABLE, POSTS = 1, 2, 4, 8, 16, 32, 64, 128
# Caption class words: English, and the Spanish/German/French/Italian ones sites use.
_CAPTION_WORDS = ("caption", "cutline", "pie-foto", "pie_foto", "piefoto", "pie-de-foto", "bildunterschrift",
                  "bildtext", "legende", "légende", "didascalia", "leyenda")
CAPTION_NAMES = "|".join(_CAPTION_WORDS)
_PAYWALL_WORDS = ("paywall", "regwall", "subscriber-only", "subscribers-only", "premium-content", "metered-content")
_DATE_WORDS = ("date", "time", "posted", "published", "updated", "meta", "fecha", "datum", "dateline", "zeit", "hora")
_BYLINE_WORDS = ("byline", "author", "firma", "autor", "auteur", "signature", "verfasser", "writer", "reporter")
# Navigation-like furniture, never around a caption, byline or date of the story: when small, the
# scan drops it without walking it (photo boxes, headers and meta lines are always walked).
_SKIPPABLE_WORDS = ("nav", "menu", "footer", "sidebar", "related", "comment", "social", "share", "sharing",
                    "newsletter", "advert", "promo", "widget", "breadcrumb", "cookie", "consent", "popup", "modal",
                    "subscribe", "pagination", "outbrain", "taboola", "recommend", "trending", "most-read",
                    "mostread", "popular", "sponsor", "banner", "signup", "toolbar", "skip")
# Posts of a thread: a forum's messages and replies, a page's comments (page kind counts them).
_POST_WORDS = ("reply", "replies", "comment", "message", "answer", "forum", "thread", "topic", "discussion", "bbp-")
SKIPPABLE_TAGS = frozenset({"nav", "footer", "aside", "menu", "form", "dialog"})
_WORD_FLAGS = tuple((re.compile(_alternation(words)), flags) for words, flags in (
    (_CAPTION_WORDS, CAPTION | FURNITURE), (_PAYWALL_WORDS, PAYWALL | FURNITURE), (_DATE_WORDS, DATED),
    (_BYLINE_WORDS, BYLINE), (_SKIPPABLE_WORDS, SKIPPABLE), (_POST_WORDS, POSTS)))
MARKS = CAPTION | PAYWALL | DATED | BYLINE
# Caches: class/id strings repeat within a page, single tokens ("clearfix", "wp-caption") across sites.
_CLASS_CACHE: dict[str, int] = {}
_TOKEN_CACHE: dict[str, int] = {}
_CACHE_SIZE = 50_000


def token_flags(token: str) -> int:
    """Flags of one lower-case class or id token."""
    flags = _TOKEN_CACHE.get(token)
    if flags is None:
        if len(_TOKEN_CACHE) >= _CACHE_SIZE:
            _TOKEN_CACHE.clear()
        flags = CONTENT if _CONTENT_NAMES.search(token) else 0
        if token.startswith(_BUILDER_BOXES):
            flags |= 0  # a page builder's box: "widget" there names any box, the story's too
        elif (token in _TOKEN_SET or token.startswith(_PREFIXES_BY_FIRST.get(token[:1], ()))
              or _SUBSTRING_NAMES.search(token)):
            flags |= FURNITURE
        for pattern, word_flags in _WORD_FLAGS:
            if pattern.search(token):
                flags |= word_flags
        _TOKEN_CACHE[token] = flags
    return flags


def classify_names(names: str) -> int:
    """Flags of a "class id" string: the union of its tokens', content winning over furniture."""
    flags = _CLASS_CACHE.get(names)
    if flags is None:
        if len(_CLASS_CACHE) >= _CACHE_SIZE:
            _CLASS_CACHE.clear()
        flags = 0
        for token in names.lower().split():
            flags |= token_flags(token)
        if flags & CONTENT:
            flags &= ~FURNITURE  # "entry-content" wins over "tag-share" on the same element
        _CLASS_CACHE[names] = flags
    return flags


def is_content_container(element: Element, names: str | None = None) -> bool:
    """An element that names itself the article body (``itemprop=articleBody``, ``entry-content``)."""
    if (element.get("itemprop") or "").lower() == "articlebody":
        return True
    return bool(classify_names(names if names is not None else class_string(element)) & CONTENT)


def element_flags(tag: str, cls: str | None, ident: str | None, attributes: dict[str, str] | None) -> int:
    """FURNITURE (by tag, ARIA role, hiding, or class/id tokens) and the CAPTION, PAYWALL, DATED, BYLINE marks.

    ``attributes``: the element's ``hidden``, ``aria-hidden``, ``role``, ``style`` and ``itemprop``, if any.
    """
    flags = marks = 0
    if cls is not None or ident is not None:
        flags = classify_names(f"{cls or ''} {ident or ''}")
        marks = flags & (MARKS | POSTS)
    if tag == "figcaption":
        marks |= CAPTION
    if tag in FURNITURE_TAGS:
        return FURNITURE | marks | (SKIPPABLE if tag in SKIPPABLE_TAGS else flags & SKIPPABLE)
    if attributes and _hidden_or_landmark(attributes):
        return FURNITURE | marks | SKIPPABLE
    if (not flags & FURNITURE or tag in ("article", "main", "body", "html", "blockquote")
            or attributes and (attributes.get("itemprop") or "").lower() == "articlebody"):
        return marks
    # An embedded post (tweet, Instagram) quoted by the story is content, unlike an icon or a link.
    if tag not in INLINE_FURNITURE_TAGS and "embed" in f"{cls} {ident}".lower():
        return marks
    return FURNITURE | marks | flags & SKIPPABLE


def _hidden_or_landmark(attributes: dict[str, str]) -> bool:
    if "hidden" in attributes or attributes.get("aria-hidden") == "true":
        return True
    if (attributes.get("role") or "").lower() in FURNITURE_ROLES:
        return True
    return bool(_HIDDEN_STYLE.search((attributes.get("style") or "").lower()))


def is_comments(element: Element) -> bool:
    """A reader comments section: removed even when it holds more text than the story."""
    return bool(_COMMENTS.search(class_string(element)))
