"""The headline the story starts under, for pages whose ``<title>`` names only the site.

A page whose <title> is its site's or section's name ("Local Sports Wire", "The Hindu News Update
Service") shows that name in its banner, and the story's own headline right above the story: a
prominent line (a heading, a bold or large line, a line its markup names a title) whose words the
story repeats. The banner's words are not the story's.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from lxml import etree

from archiver.extract.blocks import HEADING_TAGS, INLINE_TAGS, PageBlocks
from archiver.extract.headline import (MAX_HEADLINE_CHARS, SKIPPED_TAGS, class_and_id, deck_below,
                                       heading_over, is_dateline, spells_host, squeezed, words)
from archiver.extract.text import Element, clean, node_text, word_count

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
    names = class_and_id(element)
    if _HEADLINE_MARK.search(names) and not _NOT_HEADLINE_MARK.search(names):
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
            alone = members[0] if len(members) == 1 and squeezed(node_text(members[0])) == squeezed(text) else None
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
            elif child.tag in SKIPPED_TAGS:
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
    text = squeezed(node_text(element))
    return any(_prominent(e) for e in element.iter(element.tag, *_PROMINENT_INLINE) if squeezed(node_text(e)) == text)


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


def _line_over_byline(page: PageBlocks, index: int, first: int, page_url: str) -> str | None:
    """A block of one plain line right above the story's byline ("by Tim Cashmere - January 16"),
    which is right above the story: a headline styled by CSS alone."""
    if index >= first:
        return None
    lines = _lines(page.elements[index])
    if len(lines) != 1 or _links_elsewhere(page.elements[index], page_url):
        return None
    # the blocks down to the story (its first "paragraph" may be the byline itself)
    between = [i for i in range(index + page.size[index], first + 1) if page.chars[i] and not page.removed[i]]
    texts = [node_text(page.elements[i]) for i in between]
    if between and between[-1] == first and not is_dateline(page.elements[first], texts[-1]):
        between, texts = between[:-1], texts[:-1]
    if not between or len(between) > 2:
        return None
    if not all(is_dateline(page.elements[i], t) for i, t in zip(between, texts)) or not any(
            _BY.match(t) for t in texts):
        return None
    return lines[0][0]


_BY = re.compile(r"\s*by\s", re.I)


def _marked_headline_above(page: PageBlocks, index: int, page_url: str) -> tuple[str, int] | None:
    """The line right above the block at ``index`` (a date between passed over) when its markup names
    it the headline (``<div class="article_headline">``): the line found is its deck. A pun the story
    does not repeat ("Slammer for Rammer") heads a deck the story is about."""
    for j in range(index - 1, max(index - MAX_STEPS_ABOVE_STORY, 0) - 1, -1):
        if j + page.size[j] > index or page.removed[j] or not page.chars[j] or page.tags[j] in INLINE_TAGS:
            continue  # a block holding this one, or one without text of its own
        element = page.elements[j]
        line = _headline_line(element, page_url)
        names = class_and_id(element)
        if line and _HEADLINE_MARK.search(names) and not _NOT_HEADLINE_MARK.search(names) \
                and 1 <= word_count(line) <= MAX_STORY_HEADLINE_WORDS:
            return line, j
        return None
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
        line = _headline_line(element, page_url) or _line_over_byline(page, i, first, page_url)
        if line and 2 <= word_count(line) <= MAX_STORY_HEADLINE_WORDS and len(line) <= MAX_HEADLINE_CHARS \
                and not line.isupper() and not is_dateline(element, line) \
                and not (line.endswith(".") and word_count(line) > 6) \
                and len(topic_words(line)) >= 2 and on_topic_share(line, story_words) >= MIN_ON_TOPIC_SHARE:
            marked = _marked_headline_above(page, i, page_url)
            if marked:
                return marked
            upper = heading_over(element) if element.tag in HEADING_TAGS else None
            if upper is None:
                return line, i
            # the headline starts at the higher heading: its block is the one returned
            above = next((j for j in range(i - 1, max(i - MAX_STEPS_ABOVE_STORY, 0) - 1, -1)
                          if page.elements[j] is upper), i)
            return f"{node_text(upper)}\n{line}", above
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
        squeezed(line.lower()) in squeezed(title.lower()) and squeezed(line) != squeezed(title))


def is_deck_of(page: PageBlocks, line: str, line_index: int, heading_index: int, scope: Element | None) -> bool:
    """True when ``line`` (of the block at ``line_index``) is the deck right under the heading at
    ``heading_index``.

    A heading line is not asked: story_headline already joins a lower heading to the higher one
    right over it, and a section-name <h1> over the story's <h2> is a banner over a headline.
    """
    if heading_index < 0 or page.tags[line_index] in HEADING_TAGS:
        return False
    deck = deck_below(page.elements[heading_index], scope)
    return deck is not None and clean(deck) == clean(line)
