"""Headline reconciled from JSON-LD, OpenGraph, the heading the page shows and ``<title>``."""

from __future__ import annotations

import re

from archiver.extract.blocks import HEADING_TAGS, INLINE_TAGS, PageBlocks
from archiver.extract.boilerplate import is_widget_line
from archiver.extract.text import Element, clean, node_text, word_count


_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)$")
_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\-:·•»]\s+")


_DOMAIN_END = re.compile(r"\.(?:com|net|org|co|uk|au|ca|in|za|tv|info|biz)(?:\.[a-z]{2})?$")


def spells_host(part: str, host: str) -> bool:
    """True when a title part is the site's name as its host spells it ("newsobserver.com",
    "News & Observer" on www.newsobserver.com, "The Times Leader" on timesleader.com)."""
    key = _DOMAIN_END.sub("", clean(part).lower().removeprefix("www."))
    letters = re.sub(r"[^a-z0-9]", "", key.removeprefix("the "))
    host_letters = re.sub(r"[^a-z0-9]", "", (host or "").lower().removeprefix("www."))
    return len(letters) >= 4 and letters in host_letters


def strip_host_parts(text: str, host: str) -> str:
    """Remove leading and trailing parts ("Site | Headline", "Headline - site.com") that name the host."""
    if not host:
        return text
    parts = _SEPARATORS.split(text)
    while len(parts) > 1 and spells_host(parts[0], host):
        parts = parts[1:]
    while len(parts) > 1 and spells_host(parts[-1], host):
        parts = parts[:-1]
    if len(parts) == len(_SEPARATORS.split(text)):
        return text
    return text[text.find(parts[0]): text.rfind(parts[-1]) + len(parts[-1])]


def strip_site_name(title: str, site_names: list[str]) -> str:
    """Remove a site-name suffix or prefix ("Headline | Example Post")."""
    separators = list(_SEPARATORS.finditer(title))
    if not separators:
        return title
    head, tail = title[: separators[-1].start()], title[separators[-1].end():]
    first, rest = title[: separators[0].start()], title[separators[0].end():]
    names = {clean(name).lower() for name in site_names if name}
    if clean(tail).lower() in names:
        return clean(head)
    if clean(first).lower() in names:
        return clean(rest)
    # An unknown short suffix after a long headline is a site name too.
    if len(tail) <= 25 and len(head) > 2 * len(tail) and len(separators) == 1:
        return clean(head)
    return title


_WORD = re.compile(r"\w+")
# Scripts written without spaces between words (Chinese, Japanese, Thai): a headline is matched
# by being in the title as it is.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# A shown headline is a block of at most this much text, most of whose words the titles repeat.
MAX_HEADLINE_CHARS = 300
MIN_TITLE_SHARE = 0.75
MIN_MATCHED_WORDS = 3


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


_LINE_TAGS = frozenset({"b", "strong", "font", "big"})  # headlines of layouts without headings


def shown_headline(page: PageBlocks, titles: list[str]) -> tuple[str | None, int, bool]:
    """(text, element index, linked) of the heading the page shows above its story, or (None, -1, False).

    It is the block whose words the ``<title>`` (or og:title, JSON-LD headline) repeats: most of
    its words are title words, and it has the most title words of all such blocks (the site's logo
    matches only the site-name part of a title). Headings (``<h1>``..``<h6>``) win ties over bold
    lines and table cells of older layouts; earlier wins over later.
    """
    title_words = {w for title in titles if title for w in words(title)}
    lowered = [clean(title).lower() for title in titles if title]
    if not lowered:
        return None, -1, False
    best, best_score, best_index = None, 0.0, -1
    tags, chars, elements, removed = page.tags, page.chars, page.elements, page.removed
    # Blocks with a little text of their own, and bold lines (a few per page of thousands of elements).
    candidates = sorted([i for i, own in enumerate(chars) if 0 < own <= MAX_HEADLINE_CHARS]
                        + [i for i, tag in enumerate(tags) if tag in _LINE_TAGS])
    for i in candidates:
        tag = tags[i]
        if removed[i]:
            continue
        own = chars[i]
        heading = tag in HEADING_TAGS
        if tag in _LINE_TAGS:
            own = MAX_HEADLINE_CHARS  # inline: its text is counted in its block's
        elif not own or own > MAX_HEADLINE_CHARS or tag in INLINE_TAGS:
            continue
        elif not heading and page.links[i]:
            continue  # a linked line outside a heading is navigation or a teaser
        element = elements[i]
        start = element.text
        if tag in _LINE_TAGS and not (start and start.strip()):
            continue  # <font><b>Headline</b></font>: the innermost bold element holds the text
        if start and start.strip():
            lead = _WORD.search(start.lower())
            if lead is None or lead.group() not in title_words and not (
                    _UNSPACED.search(lead.group()) and any(lead.group() in t for t in lowered)):
                continue  # a headline the titles repeat starts with one of their words
        text = node_text(element)
        if not text or len(text) > 1.5 * own + 20:
            continue  # mostly the text of child blocks, not its own
        found = words(text)
        matched = sum(1 for w in found if w in title_words)
        if len(text) >= 8 and _UNSPACED.search(text) and any(text.lower() in title for title in lowered):
            matched = max(matched, len(found), 3)  # in the title as it is (scripts written without spaces)
        elif matched < MIN_TITLE_SHARE * len(found) or matched < MIN_MATCHED_WORDS and (
                matched < 2 or matched < 0.8 * len(title_words)):
            continue  # two words match only a title that is hardly more (not "Sports Wire" of a site's title)
        score = matched + (1.5 if heading else 0)
        if score > best_score:
            best, best_score, best_index = text, score, i
    if best is None:
        return None, -1, False
    element = elements[best_index]
    linked = element.find(".//a") is not None or any(a.tag == "a" for a in element.iterancestors())
    return best, best_index, linked


_DATE_OR_BYLINE = re.compile(r"\b(?:1[89]|20)\d\d\b|\d{1,2}:\d\d|^\s*(?:by|posted|updated|published)\b", re.I)
_ABOVE_TAGS = frozenset({"h1", "h2", "h3", "h4", "div", "span", "p", "td", "font", "b", "strong", "big"})


def heading_above(page: PageBlocks, scope_index: int, title_words: set[str], max_steps: int = 300) -> str | None:
    """The line nearest above the story's first paragraph that reads as a headline.

    Used when no heading matches the page's titles (a ``<title>`` that names only the site): a heading,
    bold line or short block of 3 to 25 words, not a link, not a date or byline, not in capitals
    (a section label), and not the site or section names the ``<title>`` holds.
    """
    end = scope_index + page.size[scope_index]
    first = next((i for i in range(scope_index, end) if page.chars[i] and not page.removed[i]
                  and page.is_paragraph(i)), -1)
    if first < 0:
        return None
    for i in range(first - 1, max(first - max_steps, 0) - 1, -1):
        tag = page.tags[i]
        if page.removed[i] or tag not in _ABOVE_TAGS or tag not in _LINE_TAGS and page.links[i]:
            continue
        if tag not in _LINE_TAGS and tag not in HEADING_TAGS and not 15 <= page.chars[i] <= MAX_HEADLINE_CHARS:
            continue
        element = page.elements[i]
        text = node_text(element)
        found = words(text)
        count = word_count(text)
        if not 3 <= count <= 25 or len(text) > MAX_HEADLINE_CHARS or text.isupper():
            continue
        if _DATE_OR_BYLINE.search(text) or sum(w in title_words for w in found) >= 0.5 * len(found):
            continue
        if text.endswith(".") and count > 6:
            continue  # a sentence (a lead paragraph, a caption), not a headline
        if element.find(".//a") is not None or any(a.tag == "a" for a in element.iterancestors()):
            continue
        upper = heading_over(element)
        return f"{node_text(upper)}\n{text}" if upper is not None else text
    return None


def title_headline(title: str, site_names: list[str]) -> str:
    """The headline part of a ``<title>``: without site names and section prefixes (its longest part)."""
    title = clean(title)
    parts = [clean(p) for p in _SEPARATORS.split(title) if clean(p)]
    if len(parts) <= 1:
        return title
    names = {clean(name).lower() for name in site_names if name}
    kept = [p for p in parts if p.lower() not in names] or parts
    return max(kept, key=lambda p: len(words(p)))


def longest_h1(page: PageBlocks) -> tuple[str | None, int]:
    """(text, element index) of the page's longest ``<h1>`` (not the logo's), or (None, -1): the
    headline of a page without a ``<title>`` to match headings against."""
    found = [(text, i) for i, tag in enumerate(page.tags) if tag == "h1" and (text := node_text(page.elements[i]))]
    return max(found, key=lambda item: len(item[0])) if found else (None, -1)


def choose_headline(jsonld: str | None, og: str | None, h1: str | None, title: str | None,
                    site_names: list[str], host: str = "") -> tuple[str | None, str]:
    """(headline, provenance); the ``<h1>`` wins when it agrees with a structured title."""
    jsonld, og, h1, title = (strip_host_parts(clean(t), host) if t else t for t in (jsonld, og, h1, title))
    jsonld = strip_site_name(clean(jsonld), site_names) if jsonld else None
    og = strip_site_name(og, site_names) if og else None
    title = strip_site_name(title, site_names) if title else None
    for candidate, source in ((jsonld, "jsonld"), (og, "meta")):
        if candidate:
            if h1 and clean(h1).lower() == clean(candidate).lower():
                return h1, source
            # A structured headline cut short ("Storm hits coast, leaving...") gives way to the full <h1>.
            stem = _ELLIPSIS.sub("", candidate)
            if h1 and stem != candidate and clean(h1).lower().startswith(stem.lower()):
                return h1, "dom"
            return clean(candidate), source
    if h1:
        return h1, "dom"
    if title:
        return title_headline(title, site_names), "dom"
    return None, ""


# A deck (standfirst, subheading) is the line a page shows right under its headline, in the same
# header block: a lower heading, or a line its markup names a deck. Dates and bylines may sit between.
_DECK_CLASS = re.compile(r"deck|\bdek\b|sub-?hea?d|sub-?title|standfirst|strap|intro|summary|\bsell\b", re.I)
_DATELINE_CLASS = re.compile(r"date|by-?line|byln|author|posted|time|updated", re.I)
_BYLINE = re.compile(r"^\s*(?:by|posted|updated|published|last updated)\b", re.I)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}\b|\b\d{{1,2}}:\d\d\b"
                   r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.I)
SKIPPED_TAGS = frozenset({"br", "hr", "img", "script", "style", "noscript", "iframe"})
MAX_DECK_CHARS = 400
MAX_DECK_WORDS = 60


def class_and_id(element: Element) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}"


def is_dateline(element: Element, text: str) -> bool:
    return bool(_DATELINE_CLASS.search(class_and_id(element))) or len(text) < 80 and bool(
        _BYLINE.search(text) or _DATE.search(text))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _outside(element: Element, scope: Element | None) -> bool:
    """True when the element is neither in the story's container nor holds it."""
    if scope is None or element is scope:
        return False
    return not any(a is scope for a in element.iterancestors()) and not any(d is scope for d in element.iter())


def _story_follows(element: Element, scope: Element | None) -> bool:
    """True when the next element with text after this one is, or holds, the story's container."""
    for sibling in element.itersiblings():
        if isinstance(sibling.tag, str) and node_text(sibling):
            return not _outside(sibling, scope)
    return False


def deck_below(headline: Element, scope: Element | None = None) -> str | None:
    """The deck the page shows right under its headline element, or None.

    The headline's next lines in its own container (or, when the headline is alone in its container,
    the container's next lines): empty elements, a date and a byline are passed over; the first line
    with text is the deck when it is a lower heading (``<h2>``..``<h6>``, not the headline's own tag),
    its class names a deck ("deck", "subhead", "standfirst", "intro", ...), it is the only other line
    of the headline's container (four words at least), or it is one paragraph standing between the
    headline and the story's container (``scope``); and it has 2 to 60 words and holds no link.
    Anything else (the story's first paragraph, a toolbar) ends the search.
    """
    element = headline
    for _ in range(2):
        passed = 0
        for sibling in element.itersiblings():
            if not isinstance(sibling.tag, str) or sibling.tag in SKIPPED_TAGS:
                continue
            text = node_text(sibling)
            if not text:
                continue
            if is_dateline(sibling, text) and passed < 2:
                passed += 1
                continue
            heading = sibling.tag in HEADING_TAGS and sibling.tag != headline.tag
            # The header block's own container holds the headline and this line and nothing else.
            # (A container that is the story's own holds the headline and the story's one paragraph.)
            count = word_count(text)
            alone = (not passed and count >= 4 and sibling is not scope and sibling.getparent() is not scope
                     and squeezed(node_text(sibling.getparent())) == squeezed(node_text(element) + text))
            # A sentence between the headline and a story that starts elsewhere introduces it.
            lead_in = (sibling.tag == "p" and count >= 6 and _outside(sibling, scope)
                       and _story_follows(sibling, scope))
            if not (heading or alone or lead_in or _DECK_CLASS.search(class_and_id(sibling))):
                return None
            if sibling.find(".//a") is not None or len(text) > MAX_DECK_CHARS:
                return None
            if is_widget_line(text):
                return None  # "字号：大 中 小", "Text size: A A A": the page's tools, not a deck
            return text if 2 <= count <= MAX_DECK_WORDS else None
        parent = element.getparent()
        if parent is None or passed or squeezed(node_text(parent)) != squeezed(node_text(headline)):
            return None  # the headline shares its container: its lines end there
        element = parent
    return None


def is_description(line: str, description: str | None) -> bool:
    """True when the page's description (meta, og) repeats the line: the page calls it a summary."""
    line, description = clean(line).lower(), clean(description).lower()
    return bool(description) and (line in description or description in line)


def heading_over(deck: Element) -> Element | None:
    """The higher heading right above a heading (``<h1>`` over ``<h2>``): the headline whose deck it is."""
    element = deck
    for _ in range(2):
        above = next((e for e in element.itersiblings(preceding=True)
                      if isinstance(e.tag, str) and e.tag not in SKIPPED_TAGS and node_text(e)), None)
        if above is not None:
            head = above if above.tag in HEADING_TAGS else next(
                (h for h in above.iter(*HEADING_TAGS) if squeezed(node_text(h)) == squeezed(node_text(above))), None)
            if (head is None or deck.tag not in HEADING_TAGS or head.tag >= deck.tag
                    or head.find(".//a") is not None or not 1 <= word_count(node_text(head)) <= 25):
                return None
            return head
        parent = element.getparent()
        if parent is None or squeezed(node_text(parent)) != squeezed(node_text(deck)):
            return None
        element = parent
    return None
