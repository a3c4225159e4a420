"""Headline reconciled from JSON-LD, OpenGraph, the heading the page shows and ``<title>``."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from lxml import etree

from archiver.extract.blocks import HEADING_TAGS, INLINE_TAGS, PageBlocks
from archiver.extract.text import Element, clean, node_text


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
        if not 3 <= len(found) <= 25 or len(text) > MAX_HEADLINE_CHARS or text.isupper():
            continue
        if _DATE_OR_BYLINE.search(text) or sum(w in title_words for w in found) >= 0.5 * len(found):
            continue
        if text.endswith(".") and len(found) > 6:
            continue  # a sentence (a lead paragraph, a caption), not a headline
        if element.find(".//a") is not None or any(a.tag == "a" for a in element.iterancestors()):
            continue
        upper = heading_over(element)
        return f"{upper}\n{text}" if upper else text
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


def h1_text(tree: Element) -> str | None:
    """The page's headline ``<h1>``: the one the ``<title>`` repeats, else the longest (not the logo's)."""
    texts = [t for t in (node_text(h1) for h1 in tree.iter("h1")) if t]
    if len(texts) <= 1:
        return texts[0] if texts else None
    title = clean(tree.findtext(".//title")).lower()
    in_title = [t for t in texts if len(t) > 3 and t.lower() in title]
    return max(in_title or texts, key=len)


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
_DATELINE_CLASS = re.compile(r"date|byline|author|posted|time|updated", re.I)
_BYLINE = re.compile(r"^\s*(?:by|posted|updated|published|last updated)\b", re.I)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}\b|\b\d{{1,2}}:\d\d\b"
                   r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.I)
_SKIPPED_TAGS = frozenset({"br", "hr", "img", "script", "style", "noscript", "iframe"})
MAX_DECK_CHARS = 400
MAX_DECK_WORDS = 60


def _marks(element: Element) -> str:
    return f"{element.get('class', '')} {element.get('id', '')}"


def _is_dateline(element: Element, text: str) -> bool:
    return bool(_DATELINE_CLASS.search(_marks(element))) or len(text) < 80 and bool(
        _BYLINE.search(text) or _DATE.search(text))


def _squeezed(text: str) -> str:
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
            if not isinstance(sibling.tag, str) or sibling.tag in _SKIPPED_TAGS:
                continue
            text = node_text(sibling)
            if not text:
                continue
            if _is_dateline(sibling, text) and passed < 2:
                passed += 1
                continue
            heading = sibling.tag in HEADING_TAGS and sibling.tag != headline.tag
            # The header block's own container holds the headline and this line and nothing else.
            alone = not passed and len(words(text)) >= 4 and _squeezed(node_text(sibling.getparent())) == _squeezed(node_text(element) + text)
            # A sentence between the headline and a story that starts elsewhere introduces it.
            lead_in = (sibling.tag == "p" and len(words(text)) >= 6 and _outside(sibling, scope)
                       and _story_follows(sibling, scope))
            if not (heading or alone or lead_in or _DECK_CLASS.search(_marks(sibling))):
                return None
            if sibling.find(".//a") is not None or len(text) > MAX_DECK_CHARS:
                return None
            return text if 2 <= len(words(text)) <= MAX_DECK_WORDS else None
        parent = element.getparent()
        if parent is None or passed or _squeezed(node_text(parent)) != _squeezed(node_text(headline)):
            return None  # the headline shares its container: its lines end there
        element = parent
    return None


def is_description(line: str, description: str | None) -> bool:
    """True when the page's description (meta, og) repeats the line: the page calls it a summary."""
    line, description = clean(line).lower(), clean(description).lower()
    return bool(description) and (line in description or description in line)


def heading_over(deck: Element) -> str | None:
    """The higher heading right above a heading (``<h1>`` over ``<h2>``): the headline whose deck it is."""
    element = deck
    for _ in range(2):
        above = next((e for e in element.itersiblings(preceding=True)
                      if isinstance(e.tag, str) and e.tag not in _SKIPPED_TAGS and node_text(e)), None)
        if above is not None:
            head = above if above.tag in HEADING_TAGS else next(
                (h for h in above.iter(*HEADING_TAGS) if _squeezed(node_text(h)) == _squeezed(node_text(above))), None)
            if (head is None or deck.tag not in HEADING_TAGS or head.tag >= deck.tag
                    or head.find(".//a") is not None or not 1 <= len(words(node_text(head))) <= 25):
                return None
            return node_text(head)
        parent = element.getparent()
        if parent is None or _squeezed(node_text(parent)) != _squeezed(node_text(deck)):
            return None
        element = parent
    return None


# -- The headline the story starts under. A page whose <title> names only its site ("Local Sports Wire",
# "The Hindu News Update Service") shows that name in its banner, and the story's own headline right
# above the story: a prominent line (a heading, a bold or large line, a line its markup names a title)
# whose words the story repeats. The banner's words are not the story's.
_HEADLINE_MARK = re.compile(r"head(?!er)|title", re.I)
_NOT_HEADLINE_MARK = re.compile(r"sub-?(?:head|title)|masthead|page-?title|section", re.I)
_PROMINENT_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)|font-size\s*:\s*(?:1[4-9]|[2-9]\d)\s*(?:px|pt)",
                              re.I)
_PROMINENT_INLINE = frozenset({"b", "strong", "big", "font", "span"})
_FILLER = frozenset(
    "the and for with from that this was were are has have had its his her their our your not but into over "
    "after about than says said will would could can who what when where how why new more".split())
MAX_STORY_HEADLINE_WORDS = 25
MIN_ON_TOPIC_SHARE = 0.5
# The headline is looked for in the blocks right above the story's first paragraph (and in that
# paragraph's first lines): this many elements, and this much text passed over.
MAX_STEPS_ABOVE_STORY = 100
MAX_CHARS_ABOVE_STORY = 600
MAX_LINKS_TO_STORY = 400  # link text between a headline and its story: share and section links, not a menu
STORY_LEAD_CHARS = 1500  # the story's opening, which a headline is about
MIN_TITLE_TOPIC_SHARE = 0.25  # a <title> the story repeats less of names the site
MAX_SITE_NAME_WORDS = 3  # topic words of a site's name ("Press TV", "Asharq Alawsat Newspaper")
MIN_LEAD_CHARS = 100  # the story's first paragraph (not a note above it: "View the archive for ...")


def topic_words(text: str) -> list[str]:
    """The words of a text that say what it is about: no short words, fillers or numbers."""
    return [w for w in words(text) if len(w) >= 3 and w not in _FILLER and not w.isdigit()]


def on_topic_share(line: str, story_words: set[str]) -> float:
    """Share of a line's topic words that the story repeats (0.0 for a line without any)."""
    found = topic_words(line)
    return sum(w in story_words for w in found) / len(found) if found else 0.0


def _prominent(element: Element) -> bool:
    """A heading, or a line its markup makes stand out: bold, large, or named a title or headline."""
    tag = element.tag
    if tag in HEADING_TAGS or tag in ("b", "strong", "big"):
        return True
    marks = _marks(element)
    if _HEADLINE_MARK.search(marks) and not _NOT_HEADLINE_MARK.search(marks):
        return True
    if _PROMINENT_STYLE.search(element.get("style", "")):
        return True
    size = element.get("size", "").strip() if tag == "font" else ""
    return size.startswith("+") or size.isdigit() and int(size) >= 3


def _holds_lines(element: Element) -> bool:
    """An inline element around blocks or around several lines (text, ``<br>``, text; not one line
    after a stray ``<br>``). One pass over its subtree in document order."""
    text_before = broken = False
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if not isinstance(node.tag, str):
            text = node.tail if event == "end" and node is not element else None
        elif event == "start":
            if node is not element and node.tag not in INLINE_TAGS:
                return True
            if node.tag == "br":
                broken = text_before
            text = node.text
        else:
            text = node.tail if node is not element else None
        if text and text.strip():
            if broken:
                return True
            text_before = True
    return False


def _lines(block: Element) -> list[tuple[str, Element | None]]:
    """A block's own lines, split at ``<br>`` and child blocks: (text, the inline element that is the
    whole line, or None). Inline wrappers of several lines (``<font>`` around paragraphs) are looked into."""
    lines: list[tuple[str, Element | None]] = []
    parts: list[str] = []
    members: list[Element] = []

    def flush() -> None:
        text = clean("".join(parts))
        if text:
            alone = members[0] if len(members) == 1 and _squeezed(node_text(members[0])) == _squeezed(text) else None
            lines.append((text, alone))
        parts.clear()
        members.clear()

    def walk(element: Element) -> None:
        parts.append(element.text or "")
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "br" or child.tag not in INLINE_TAGS:
                flush()
            elif child.tag in _SKIPPED_TAGS:
                pass
            elif _holds_lines(child):
                walk(child)
            else:
                text = node_text(child)
                parts.append(text)
                if text:
                    members.append(child)
            parts.append(child.tail or "")

    walk(block)
    flush()
    return lines


def _innermost_prominent(element: Element) -> bool:
    """The element, or an inline element holding all its text (<font><b>Headline</b></font>), stands out."""
    text = _squeezed(node_text(element))
    return any(_prominent(e) for e in element.iter(element.tag, *_PROMINENT_INLINE) if _squeezed(node_text(e)) == text)


def _links_elsewhere(holder: Element, page_url: str) -> bool:
    """True when the line is, holds or sits in a link to another page (a teaser, navigation); a
    headline linking to its own page (a permalink) is no link away."""
    links = [holder] if holder.tag == "a" else [*holder.iter("a"), *(a for a in holder.iterancestors() if a.tag == "a")]
    here = urldefrag(page_url)[0]
    for link in links:
        try:
            if urldefrag(urljoin(page_url, link.get("href", "")))[0] != here:
                return True
        except ValueError:  # a malformed href leads nowhere known
            return True
    return False


def _headline_line(element: Element, page_url: str) -> str | None:
    """The first line of a block that stands out as a headline, or None."""
    own_block = _prominent(element)
    for index, (text, alone) in enumerate(_lines(element)):
        if own_block and index == 0 or alone is not None and _innermost_prominent(alone):
            if _links_elsewhere(alone if alone is not None else element, page_url):
                continue
            return text
    return None


def story_starts(page: PageBlocks, scope_index: int) -> list[int]:
    """Indices of the story's first paragraph in its container and of its first paragraph of some
    length (the same when the story opens with a long one): where to look above for its headline."""
    end = scope_index + page.size[scope_index]
    paragraphs = [i for i in range(scope_index, end)
                  if page.chars[i] and not page.removed[i] and page.is_paragraph(i)]
    if not paragraphs:
        return []
    lead = next((i for i in paragraphs if page.chars[i] >= MIN_LEAD_CHARS), paragraphs[0])
    return [paragraphs[0]] if lead == paragraphs[0] else [paragraphs[0], lead]


def story_headline(page: PageBlocks, first: int, story_words: set[str], page_url: str) -> tuple[str | None, int]:
    """The prominent line nearest above the story's first paragraph ``first`` (or opening it) that the
    story is about, with the heading above it when it is a deck; or None.

    A line of 2 to 25 words, not a link to another page, a date, a byline or a label in capitals, half
    of whose topic words (two at least) the story repeats: a banner, a weather box or a section name is
    not about it.
    Returns (text, index of its block), or (None, -1).
    """
    # The story's container may open with its headline (before its first paragraph), else it is above.
    opening = range(first + 1, first + page.size[first])
    opening = opening[:next((k for k, i in enumerate(opening) if page.is_paragraph(i)), len(opening))]
    passed = 0
    for i in [*opening, *range(first, max(first - MAX_STEPS_ABOVE_STORY, 0) - 1, -1)]:
        tag = page.tags[i]
        if page.removed[i] and tag != "h1" or tag in INLINE_TAGS or not page.chars[i]:
            continue
        element = page.elements[i]
        line = _headline_line(element, page_url)
        if line and 2 <= len(words(line)) <= MAX_STORY_HEADLINE_WORDS and len(line) <= MAX_HEADLINE_CHARS \
                and not line.isupper() and not _is_dateline(element, line) \
                and not (line.endswith(".") and len(words(line)) > 6) \
                and len(topic_words(line)) >= 2 and on_topic_share(line, story_words) >= MIN_ON_TOPIC_SHARE:
            upper = heading_over(element) if element.tag in HEADING_TAGS else None
            return (f"{upper}\n{line}" if upper else line), i
        if i < first:
            passed += page.chars[i]
            if passed > MAX_CHARS_ABOVE_STORY:
                break
    return None, -1


def is_banner(page: PageBlocks, index: int, text: str, first: int, story_words: set[str]) -> bool:
    """True when a heading the titles repeat is the site's banner, not the story's headline: none of
    its topic words is in the story, or a whole navigation (links) stands between it and the story."""
    if not topic_words(text) or on_topic_share(text, story_words) == 0.0:
        return True
    return 0 <= index < first and sum(page.links[index + 1:first]) > MAX_LINKS_TO_STORY


def names_site(title: str, line: str, story_words: set[str], host: str = "") -> bool:
    """True when a ``<title>``'s headline names the site rather than the story the line heads: it spells
    the host, the story hardly repeats its words, or the line is in the title with a site or section
    name around it."""
    named = topic_words(title)
    if len(named) <= MAX_SITE_NAME_WORDS and not set(named) & set(topic_words(line)):
        return True  # a short title that shares no word with the story's headline line: a name
    return spells_host(title, host) or on_topic_share(title, story_words) < MIN_TITLE_TOPIC_SHARE or (
        _squeezed(line.lower()) in _squeezed(title.lower()) and _squeezed(line) != _squeezed(title))

