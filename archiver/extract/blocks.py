"""One pass over the page: text blocks, their link text, and furniture, summed per element.

A *block* is an element that is not inline (``<p>``, ``<div>``, ``<li>``, ...): it owns the text of
its inline descendants. Each block's text is *good* (a paragraph: long enough, few links) or *bad*
(navigation, link lists, labels). Sums per element let the body extractor pick the element that
holds the article's paragraphs and little else, and let pruning keep furniture-named wrappers
that actually hold the story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from archiver.extract.authors import (
    BY_PREFIXES,
    BYLINE_LABELS,
    CJK_CREDIT,
    LOWER_BY,
    LOWER_BY_CHARS,
    is_by_sentence,
)
from archiver.extract.furniture import (BYLINE, CAPTION, DATED, FURNITURE, FURNITURE_TAGS, JUNK_TAGS, MARKS,
                                        PAYWALL, POSTS, SKIPPABLE, element_flags, is_comments)
from archiver.extract.text import Element, text_content

# A link to a user's profile: forums and comment threads link each post's author.
PROFILE_LINK = re.compile(r"/(?:users?|members?|u|profiles?|people|memberlist\.php|member\.php)(?:/|\?|\.php)|"
                          r"[?&](?:u|uid|userid|user_id|showuser)=\d", re.IGNORECASE)

INLINE_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "del", "ins", "strike",
    "tt", "big", "nobr", "img", "br", "acronym", "ruby", "rt", "rp",
})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTED_TAGS = frozenset({"li", "pre", "code"})
# A block is a paragraph (good text) from this many characters, with at most this share of link text.
MIN_PARAGRAPH_CHARS = 40
MAX_PARAGRAPH_LINK_SHARE = 0.35
# Furniture that holds this share of the page's good text is not furniture (a <form> around the page).
PROTECTED_SHARE = 0.4
# The scan reads no more elements than this (a typical story page has 1,000-5,000): the rest of a
# huge page is ignored, so time and memory stay bounded whatever comes in.
MAX_ELEMENTS = 50_000
_COMMAS = (",", "\uff0c", "\u3001", "\u060c")


@dataclass
class PageBlocks:
    """Per-element figures of one page, indexed by document (pre-)order."""

    elements: list[Element] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    chars: list[int] = field(default_factory=list)  # own text (blocks only)
    links: list[int] = field(default_factory=list)  # own link text (blocks only)
    commas: list[int] = field(default_factory=list)
    size: list[int] = field(default_factory=list)  # elements in the subtree
    total: list[int] = field(default_factory=list)  # subtree text
    total_links: list[int] = field(default_factory=list)
    good: list[int] = field(default_factory=list)  # subtree paragraph text
    bad: list[int] = field(default_factory=list)  # subtree link and short-block text
    articles: list[int] = field(default_factory=list)  # <article> elements in the subtree
    captions: list[Element] = field(default_factory=list)  # caption candidates, document order
    dated: list[Element] = field(default_factory=list)  # elements named like a date or byline box
    bylines: list[Element] = field(default_factory=list)  # elements named like a byline or author
    byline_at: list[int] = field(default_factory=list)  # their indices (as by_line_at for by_lines)
    by_line_at: list[int] = field(default_factory=list)
    byline_labels: list[int] = field(default_factory=list)  # lines saying only "Written by", "Author" ...
    profile_links: int = 0  # links to user profiles (/user/, /members/ ...): a thread's posters
    # Elements by the attributes the metadata fallbacks read: (element, value) in document order.
    itemprops: list[tuple[Element, str]] = field(default_factory=list)
    rels: list[tuple[Element, str]] = field(default_factory=list)
    hreflangs: list[tuple[Element, str]] = field(default_factory=list)
    anchors: list[Element] = field(default_factory=list)  # every <a href> walked
    author_marks: list[Element] = field(default_factory=list)  # rel=author, itemprop=author
    by_lines: list[Element] = field(default_factory=list)  # text starting "By ", "Por ", "Von "...
    paywall_marked: bool = False  # an element named like a paywall or a subscriber-only box
    posts: int = 0  # elements named like a post, reply, comment or message (a thread's)
    itemtypes: list[str] = field(default_factory=list)  # microdata types (schema.org URLs)
    teasers: int = 0  # linked headings or <article> cards, whichever is more
    teaser_headings: list[int] = field(default_factory=list)  # indices of linked h2-h4
    headings: list[int] = field(default_factory=list)  # indices of h1-h6, in document order
    listed: list[int] = field(default_factory=list)  # indices of <li>, <pre> and <code>
    story_teasers: int = 0  # teasers (a headline link and its summary) among the story's blocks
    story_link_share: float = 0.0  # link text / text of the story's blocks
    story_links: list[str] = field(default_factory=list)  # the blocks of links the body keeps (a list it gives)
    junk: list[Element] = field(default_factory=list)  # not walked (inline pop-ups, small furniture): dropped
    furniture: list[int] = field(default_factory=list)  # walked furniture, removed unless it holds the story
    removed: bytearray = field(default_factory=bytearray)  # 1 for each element removed from the body

    def is_paragraph(self, i: int) -> bool:
        chars = self.chars[i]
        return (chars >= MIN_PARAGRAPH_CHARS and self.links[i] <= MAX_PARAGRAPH_LINK_SHARE * chars
                and self.tags[i] not in HEADING_TAGS)

    def ancestors(self, i: int):
        i = self.parents[i]
        while i >= 0:
            yield i
            i = self.parents[i]


# Block furniture holding less than this share of the page's text is dropped without a walk.
SKIP_SHARE = 0.15
_BY_LINE_TAGS = frozenset({"p", "div", "span", "address", "li"})
CJK_CREDIT_CHARS = 100  # a credit line (day, source, reporter); a longer text is a paragraph that names one
_READ_ATTRIBUTES = frozenset({"hidden", "aria-hidden", "role", "style", "itemprop", "itemtype", "rel", "hreflang"})
# Tags element_flags must see even without attributes.
_FLAGGED_TAGS = FURNITURE_TAGS | {"figcaption"}


def _commas(text: str) -> int:
    if text.isascii():
        return text.count(",")
    return sum(text.count(c) for c in _COMMAS)


def scan(root: Element) -> PageBlocks:
    """Walk the tree once; sum text, link text and commas per block, then per subtree.

    Script-like elements (JUNK_TAGS) are stripped from the tree first (in C; their tails stay).
    """
    page = PageBlocks()
    elements, tags, parents = page.elements, page.tags, page.parents
    chars, links, commas = page.chars, page.links, page.commas
    junk, furniture, captions = page.junk, page.furniture, page.captions
    etree.strip_elements(root, *JUNK_TAGS, with_tail=False)
    page_chars = 0  # the page's text length, measured (in C) when first needed
    # One frame per open element: (its index or -1 if not kept, owner block, inside a link).
    frames: list[tuple[int, int, bool]] = []
    owner, linked = -1, False
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        if event == "end":
            frames.pop()
            if frames:
                _, owner, linked = frames[-1]
                tail = element.tail
                if tail:
                    tail = tail.strip()
                    if tail:
                        n = len(tail)
                        chars[owner] += n
                        commas[owner] += _commas(tail)
                        if linked:
                            links[owner] += n
            continue
        tag = element.tag
        if not isinstance(tag, str) or tag in JUNK_TAGS:  # scripts; entities or PIs the parser kept
            if isinstance(tag, str):
                junk.append(element)
            walker.skip_subtree()
            frames.append((-1, owner, linked))
            continue
        items = element.items()
        if items:
            cls = ident = attributes = None
            for key, value in items:  # one C call for all attributes; usually one to three
                if key == "class":
                    cls = value
                elif key == "id":
                    ident = value
                elif key in _READ_ATTRIBUTES:
                    if attributes is None:
                        attributes = {}
                    attributes[key] = value
                    if key == "itemprop":
                        page.itemprops.append((element, value))
                    elif key == "rel":
                        page.rels.append((element, value))
                    if key in ("itemprop", "rel") and "author" in value.lower().split():
                        page.author_marks.append(element)
                    elif key == "hreflang":
                        page.hreflangs.append((element, value))
                    elif key == "itemtype":
                        page.itemtypes.append(value)
                elif key == "href" and tag == "a":
                    page.anchors.append(element)
                    if ("user" in value or "member" in value or "profile" in value or "/u/" in value
                            or "people" in value) and PROFILE_LINK.search(value):
                        page.profile_links += 1
            flags = element_flags(tag, cls, ident, attributes)
            if tag == "figure" and flags & FURNITURE and _holds_data(element):
                flags &= ~(FURNITURE | SKIPPABLE)
        else:
            flags = element_flags(tag, None, None, None) if tag in _FLAGGED_TAGS else 0
            if tag == "figure" and _holds_data(element):
                flags &= ~(FURNITURE | SKIPPABLE)
        if flags & MARKS:
            if flags & CAPTION:
                captions.append(element)
            if flags & (DATED | BYLINE):
                page.dated.append(element)
            if flags & BYLINE:
                page.bylines.append(element)
                page.byline_at.append(len(elements))
            if flags & PAYWALL:
                page.paywall_marked = True
        if flags & POSTS:
            page.posts += 1
        if flags & FURNITURE and (tag in INLINE_TAGS or flags & SKIPPABLE and not flags & MARKS):
            # Inline pop-ups, icons and labels are never the story's text (their tails are). Small
            # navigation-like furniture (menus, footers, share bars, related links) is not walked at
            # all; the rest is, for its captions and bylines and in case it holds the story.
            small = tag in INLINE_TAGS
            if not small:
                page_chars = page_chars or len(text_content(root)) or 1
                small = len(text_content(element)) < SKIP_SHARE * page_chars and not holds_quote(element)
            if small:
                junk.append(element)
                walker.skip_subtree()
                frames.append((-1, owner, linked))
                continue
        index = len(elements)
        if index >= MAX_ELEMENTS:
            break
        elements.append(element)
        tags.append(tag)
        if tag in HEADING_TAGS:
            page.headings.append(index)
        elif tag in _LISTED_TAGS:
            page.listed.append(index)
        parents.append(frames[-1][0] if frames else -1)
        chars.append(0)
        links.append(0)
        commas.append(0)
        if tag not in INLINE_TAGS:
            owner = index
            if flags & FURNITURE:  # walked furniture: removed later unless it holds the story
                furniture.append(index)
        elif tag == "a":
            linked = True
        frames.append((index, owner, linked))
        text = element.text
        if text:
            text = text.strip()
            if text:
                n = len(text)
                label = n <= 16 and text.rstrip(": ").lower() in BYLINE_LABELS
                # "By Jane Doe", or a lone "By" before its link; "Written by" alone labels the next line
                if tag in _BY_LINE_TAGS and (text.startswith(BY_PREFIXES) and not label
                                             or text + " " in BY_PREFIXES and " " not in text
                                             or n <= LOWER_BY_CHARS and text.startswith(LOWER_BY)
                                             or n <= CJK_CREDIT_CHARS and not text.isascii() and CJK_CREDIT.search(text)
                                             ) and not is_by_sentence(text):
                    page.by_lines.append(element)
                    page.by_line_at.append(index)
                elif label:
                    page.byline_labels.append(index)
                chars[owner] += n
                commas[owner] += _commas(text)
                if linked:
                    links[owner] += n
    _sum_subtrees(page)
    page.teasers = max(_linked_headings(page), page.articles[0] if page.articles else 0)
    return page


def _linked_headings(page: PageBlocks) -> int:
    headings = set()
    tags, parents = page.tags, page.parents
    for i, tag in enumerate(tags):
        if tag == "a":
            j = parents[i]
            for _ in range(3):
                if j < 0:
                    break
                if tags[j] in ("h2", "h3", "h4"):
                    headings.add(j)
                    break
                j = parents[j]
    page.teaser_headings = sorted(headings)
    return len(headings)


def interleaved_teasers(page: PageBlocks, index: int) -> int:
    """Linked headings (or ``<article>`` cards) under ``index`` that a paragraph follows before the next one.

    A list of teasers alternates headlines and summaries; a story's box of related links is a run
    of headlines with no paragraph between them, and counts once at most.
    """
    end = index + page.size[index]
    tags, removed = page.tags, page.removed
    marks = set(i for i in page.teaser_headings if index < i < end)
    cards = [i for i in range(index + 1, end) if tags[i] == "article"]
    if len(cards) > len(marks):
        marks = set(cards)
    if not marks:
        return 0
    count, open_heading = 0, False
    for i in range(min(marks), end):
        if i in marks:
            open_heading = True
        elif open_heading and page.chars[i] and not removed[i] and page.is_paragraph(i):
            count += 1
            open_heading = False
    return count


def _sum_subtrees(page: PageBlocks) -> None:
    count = len(page.elements)
    size = [1] * count
    total = list(page.chars)
    total_links = list(page.links)
    good = [0] * count
    bad = [0] * count
    articles = [1 if tag == "article" else 0 for tag in page.tags]
    for i in range(count):
        chars = page.chars[i]
        if not chars:
            continue
        if page.tags[i] in HEADING_TAGS:
            if page.links[i] > 0.5 * chars:
                bad[i] = chars  # a teaser's linked headline
        elif page.is_paragraph(i):
            good[i] = chars - page.links[i]
            bad[i] = page.links[i]
        else:
            bad[i] = chars
    parents = page.parents
    for i in range(count - 1, 0, -1):
        p = parents[i]
        size[p] += size[i]
        total[p] += total[i]
        total_links[p] += total_links[i]
        good[p] += good[i]
        bad[p] += bad[i]
        articles[p] += articles[i]
    page.articles = articles
    page.size, page.total, page.total_links, page.good, page.bad = size, total, total_links, good, bad
    page.removed = bytearray(count)


def _holds_data(figure: Element) -> bool:
    """A figure of a table or code listing is the story's (a caption holder is not)."""
    return figure.find(".//table") is not None or figure.find(".//pre") is not None


def holds_quote(element: Element) -> bool:
    """An embedded post or quotation (a tweet in a "widget" box) is the story's, whatever the box is called;
    a reader's comment quoting another is still a comment."""
    return (element.tag not in ("nav", "footer", "form") and element.find(".//blockquote") is not None
            and not is_comments(element))


def remove_element(page: PageBlocks, element: Element) -> bool:
    """Mark one walked element (and its subtree) removed, as if it were furniture; False if not walked."""
    try:
        index = page.elements.index(element)
    except ValueError:
        return False
    if not page.removed[index]:
        _remove(page, index)
        page.junk.append(element)
    return True


def _remove(page: PageBlocks, i: int) -> None:
    end = i + page.size[i]
    page.removed[i:end] = b"\x01" * (end - i)
    for a in page.ancestors(i):
        page.total[a] -= page.total[i]
        page.total_links[a] -= page.total_links[i]
        page.good[a] -= page.good[i]
        page.bad[a] -= page.bad[i]
        page.articles[a] -= page.articles[i]


def remove_furniture(page: PageBlocks) -> list[Element]:
    """Mark furniture as removed (outermost first) unless it holds much of the page's good text.

    Returns the removed elements; the caller detaches them once it is done reading the tree.
    """
    if not page.elements:
        return []
    page_good = page.good[0] or 1
    removed: list[Element] = []
    for i in page.furniture:
        if page.removed[i]:
            continue
        element = page.elements[i]
        if page.good[i] > PROTECTED_SHARE * page_good and not is_comments(element) or holds_quote(element):
            continue
        _remove(page, i)
        removed.append(page.elements[i])
    return removed
