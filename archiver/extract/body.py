"""The article body from the DOM: drop furniture, find the element holding the story, emit its text.

Strategy: one scan sums paragraph text per element (``blocks.scan``); furniture is removed unless it
holds much of the page's text; ``container.choose`` picks the element holding the story among the
densest paragraph clusters and their ancestors (fitted weights); the chosen element's blocks are
emitted in reading order, minus boilerplate.
"""

from __future__ import annotations

import re

from archiver.extract import container
from archiver.extract.blocks import INLINE_TAGS, PageBlocks, remove_element, remove_furniture
from archiver.extract.boilerplate import is_boilerplate, is_link_block
from archiver.extract.model import Feature, LinearModel, load_model, ramp
from archiver.extract.text import Element, clean, drop_tree, node_text, text_content, text_weight, word_count

LEAF_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "dd", "tr"})


def _emit(element: Element, out: list[tuple[str, int]]) -> None:
    """Append (text, link characters) for each text block under ``element``, in reading order."""
    tag = element.tag
    if tag == "tr" and _is_layout_row(element):
        for cell in element:  # a page laid out in a table: each cell is a column of blocks
            if isinstance(cell.tag, str):
                _emit(cell, out)
        return
    if tag in LEAF_BLOCKS or (tag in ("li", "blockquote", "td", "th", "dd")
                              and not any(isinstance(c.tag, str) and c.tag not in INLINE_TAGS
                                          and (c.tag != "br" or tag in ("td", "th"))
                                          for c in element.iterdescendants())):
        if tag == "tr":
            cells = [node_text(cell) for cell in element if cell.tag in ("td", "th")]
            out.append((" | ".join(cell for cell in cells if cell), 0))
        else:
            links: list[int] = [0]
            _flush([_inline_text(element, links)], links, out)
        return
    buffer = [element.text or ""]
    links = [0]
    for child in element:
        child_tag = child.tag
        if not isinstance(child_tag, str):
            buffer.append(child.tail or "")
            continue
        if child_tag not in INLINE_TAGS:
            _flush(buffer, links, out)
            buffer, links = [], [0]
            _emit(child, out)
        elif child_tag == "br" and buffer and (buffer[-1].endswith("\n") or not buffer[-1].strip()
                                               and len(buffer) > 1 and buffer[-2].endswith("\n")):
            _flush(buffer, links, out)  # <br><br>: a paragraph break
            buffer, links = [], [0]
        else:
            buffer.append("\n" if child_tag == "br" else _inline_text(child, links))
        buffer.append(child.tail or "")
    _flush(buffer, links, out)


def _is_layout_row(row: Element) -> bool:
    """A table row that lays out a page (long cells, line breaks), not a row of data."""
    return any(isinstance(cell.tag, str) and (cell.find("br") is not None or len(text_content(cell)) > 200)
               for cell in row)


def _flush(buffer: list[str], links: list[int], out: list[tuple[str, int]]) -> None:
    text = "\n".join(line for line in map(clean, "".join(buffer).split("\n")) if line)
    if text:
        out.append((text, links[0]))


def _inline_text(element: Element, links: list[int], in_link: bool = False) -> str:
    """Text of an inline element in order, ``<br>`` as a line break; link text counted in ``links``."""
    counts = element.tag == "a" and not in_link
    parts = [element.text or ""]
    for child in element:
        if child.tag == "br":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_inline_text(child, links, in_link or counts))
        parts.append(child.tail or "")
    text = "".join(parts)
    if counts:
        links[0] += len(text.strip())
    return text


def extract_dom_body(page: PageBlocks, headline: str | None = None, headline_index: int = -1,
                     trace: dict | None = None) -> tuple[str, Element | None]:
    """Body text of a scanned page (furniture is removed from the tree); paragraphs joined by blank lines."""
    removed = remove_furniture(page)
    chosen = container.choose(page, headline_index, trace)
    scope = page.elements[chosen] if chosen is not None else None
    for element in page.junk + removed:
        if element.getparent() is not None:
            drop_tree(element)
    if scope is None:
        return "", None
    if trace is not None:  # every candidate's blocks and text, for fitting the choice and the links kept
        trace["body-blocks"] = [_blocks(page.elements[i]) for i, _ in trace["body-container"]]
        trace["body-texts"] = [_text(blocks, headline) for blocks in trace["body-blocks"]]
        trace["body-headline"] = headline
    blocks = _blocks(scope)
    kept = story_links(blocks, LINKS)
    page.story_links = [blocks[n][0] for n in sorted(kept)]
    page.story_teasers = count_teasers(blocks)
    # Link density of the story's prose: blocks that are all links (a list of links) are not prose.
    prose = [(len(text), links) for text, links in blocks if text and links <= 0.7 * len(text)]
    text_chars = sum(length for length, _ in prose)
    page.story_link_share = sum(links for _, links in prose) / text_chars if text_chars else 0.0
    return _text(blocks, headline, kept=kept), scope


def _blocks(element: Element) -> list[tuple[str, int]]:
    blocks: list[tuple[str, int]] = []
    _emit(element, blocks)
    return blocks


def _text(blocks: list[tuple[str, int]], headline: str | None, links: LinearModel | None = None,
          kept: set[int] | None = None) -> str:
    """The body's text: the blocks in order minus boilerplate, the headline and the link blocks the
    weights (``links``, or the fitted ones) do not keep (``kept``: their positions, when known)."""
    headline_key = clean(headline).lower() if headline else None
    paragraphs: list[str] = []
    if kept is None:
        kept = story_links(blocks, links or LINKS)
    for n, (text, link_chars) in enumerate(blocks):
        if headline_key and text.lower() == headline_key:
            continue
        if is_boilerplate(text) or link_chars and n not in kept and is_link_block(text, link_chars):
            continue
        if paragraphs and paragraphs[-1] == text:
            continue
        paragraphs.append(text)
    return "\n\n".join(cut_at_comments(paragraphs))


# Blocks that are mostly links (a list of things the story names, a box of other stories' headlines, a
# line of navigation) are kept or dropped by fitted weights ("body-links") over these features.
LINK_FEATURES: tuple[Feature, ...] = (
    Feature("between-prose", "the story's prose both precedes and follows the block"),
    Feature("after-prose", "the block follows the story's last paragraph"),
    Feature("before-prose", "the block precedes the story's first paragraph"),
    Feature("run", "link blocks in the block's run of them: 0 for one, 1 from eight"),
    Feature("alone", "the only link block of its run (a line: Article continues, Next post, a button)"),
    Feature("item-words", "words an item of the run: 0 up to two, 1 from twelve (a name, or a headline)"),
    Feature("run-share", "the run's text over the story's prose, 1 at most"),
    Feature("link-share", "link text over the block's text"),
    Feature("long", "200 characters or more (a CJK character counts three)"),
    Feature("introduced", "the block before the run ends with a colon (the story introduces its list)"),
    Feature("labelled", "the block before the run is a short line (a box's label: Related, Also read)"),
    Feature("heading-before", "the block before the run is a short line without a colon (a section's heading)"),
    Feature("lead-word", "starts with read, see, more, also, related, watch, listen, click, view or follow"),
    Feature("page-links", "text of all link blocks over all the candidate's text (a page of links)"),
)
LINKS: LinearModel = load_model("body-links", LINK_FEATURES)
STORY_PROSE_CHARS = 80
_LEAD_WORD = re.compile(r"^(?:read|see|more|also|related|watch|listen|click|view|follow)\b", re.IGNORECASE)
_LABEL_LIKE = re.compile(r"^(?:related|more|also|read|see|recommended|popular|latest|trending|you may|further)",
                         re.IGNORECASE)


def _is_prose(text: str, link_chars: int) -> bool:
    # Lengths in Latin-script characters, so a Chinese paragraph is prose at a third of the characters.
    return text_weight(text) >= STORY_PROSE_CHARS and link_chars < 0.3 * len(text)


def link_features(blocks: list[tuple[str, int]]) -> dict[int, dict[str, float]]:
    """Position in ``blocks`` -> feature values, for each block that is mostly links and no other boilerplate."""
    found: dict[int, dict[str, float]] = {}
    runs: list[list[int]] = []
    previous = -2
    for n, (text, link_chars) in enumerate(blocks):
        if link_chars and is_link_block(text, link_chars) and not is_boilerplate(text):
            if n == previous + 1 and runs:
                runs[-1].append(n)
            else:
                runs.append([n])
            previous = n
    if not runs:
        return found
    prose = [n for n, (text, links) in enumerate(blocks) if _is_prose(text, links)]
    prose_chars = sum(len(blocks[n][0]) for n in prose) or 1
    first, last = (prose[0], prose[-1]) if prose else (len(blocks), -1)
    all_chars = sum(len(text) for text, _ in blocks) or 1
    page_links = sum(len(blocks[n][0]) for run in runs for n in run) / all_chars
    for run in runs:
        texts = [blocks[n][0] for n in run]
        before = blocks[run[0] - 1][0] if run[0] else ""
        shared = {
            "run": ramp(len(run), 1, 8),
            "alone": float(len(run) == 1),
            "item-words": ramp(sum(word_count(t) for t in texts) / len(run), 2, 12),
            "run-share": min(sum(len(t) for t in texts) / prose_chars, 1.0),
            "introduced": float(before.rstrip().endswith((":", "\uff1a"))),
            "labelled": float(0 < len(before) < 60 and not before.rstrip().endswith((":", "\uff1a"))
                              and _LABEL_LIKE.match(before) is not None),
            "heading-before": float(0 < len(before) < 60 and not before.rstrip().endswith((":", "\uff1a"))),
            "page-links": page_links,
        }
        for n in run:
            text, link_chars = blocks[n]
            found[n] = {**shared,
                        "between-prose": float(first < n < last),
                        "after-prose": float(n > last),
                        "before-prose": float(n < first),
                        "link-share": min(link_chars / len(text), 1.0),
                        "long": float(text_weight(text) >= 200),
                        "lead-word": float(_LEAD_WORD.match(text) is not None)}
    return found


def story_links(blocks: list[tuple[str, int]], model: LinearModel) -> set[int]:
    """Positions of the link blocks the weights keep as the story's text."""
    return {n for n, values in link_features(blocks).items() if model.logit(values) > 0}


# A reader comment signs off with its author and time: "Posted by Jane on January 10, 2008 5:15 PM".
_COMMENT_SIGNATURE = re.compile(r"^(?:posted|submitted|written|comment(?:ed)?) (?:by|on) .{1,80}"
                                r"(?:\b(?:19|20)\d\d\b|\d{1,2}:\d\d)", re.IGNORECASE | re.MULTILINE)
MIN_SIGNED_COMMENTS = 3
STORY_HEAD = 3  # paragraphs


def cut_at_comments(paragraphs: list[str]) -> list[str]:
    """The story without the reader comments that follow it in the same box (old blogs and papers)."""
    # "Posted by <author> on <date>" in the first paragraphs is the story's own byline.
    signed = [i for i, text in enumerate(paragraphs) if i >= STORY_HEAD and _COMMENT_SIGNATURE.search(text)]
    if len(signed) < MIN_SIGNED_COMMENTS:
        return paragraphs
    return paragraphs[: signed[0]]


# A teaser's headline link has this many words; its summary at most this many characters.
MIN_TEASER_WORDS = 3
MAX_SUMMARY_CHARS = 600


def count_teasers(blocks: list[tuple[str, int]]) -> int:
    """Teasers among a story's blocks: a headline link followed by a summary of plain text.

    Either one block that starts with the link ("<a>Headline</a><br>Summary", an archive's list
    item, a table layout's cell) or a block that is all link followed by a plain one (a linked
    heading, then its summary). A box of related links after a story has no summaries between them.
    """
    count, previous_was_link = 0, False
    for text, link_chars in blocks:
        length = len(text)
        if not length:
            continue
        share = link_chars / length
        if share > 0.7:
            previous_was_link = len(text.split()) >= MIN_TEASER_WORDS
            continue
        if previous_was_link and link_chars and length < 80:
            continue  # "Posted on <date> by <author>" between a teaser's headline and its summary
        if previous_was_link and link_chars < 0.1 * length and length <= MAX_SUMMARY_CHARS:
            count += 1
        elif 0.1 <= share <= 0.7 and link_chars >= 20 and "\n" in text:
            # The headline link on its own line above the summary; a layout without blocks puts
            # a whole list of them in one cell, a line each.
            count += 1 if length <= MAX_SUMMARY_CHARS else text.count("\n") // 2
        previous_was_link = False
    return count


def remove_promo_boxes(page: PageBlocks, anchors: list[Element], max_chars: int = 250) -> None:
    """Remove the small box around each link (e.g. "Leer en Español" with the Spanish title)."""
    for anchor in anchors:
        box = anchor
        for ancestor in anchor.iterancestors():
            if ancestor.tag in ("body", "html", "article", "main") or len(node_text(ancestor)) > max_chars:
                break
            box = ancestor
        remove_element(page, box)
