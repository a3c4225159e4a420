"""Which element holds the story: candidates from readability-style scores, chosen by fitted weights.

Readability's score (paragraph text and commas credited to the paragraph's container and, less, to
its ancestors, with class names counted) ranks the containers; the story is then one of the best few
or one of their ancestors: a story split into sections, boxes of a page builder or columns of a
layout is held by an ancestor of its best paragraph cluster. Each candidate is described by named
features measured on the scan (the share of the page's prose it holds, what it adds over the
cluster, link density, class names, headings, cards) and ``body-container`` weights, fitted by
``bench/crossval.py`` on labelled pages, pick one.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from archiver.extract.blocks import HEADING_TAGS, PageBlocks
from archiver.extract.furniture import class_string, is_content_container
from archiver.extract.model import Feature, LinearModel, load_model, ramp

POSITIVE = re.compile(r"article|body|content|entry|main|post|story|text|prose|rich-text|paragraph", re.I)
NEGATIVE = re.compile(r"comment|meta|footer|footnote|sidebar|widget|share|social|related|promo|teaser|"
                      r"sponsor|shopping|tags|card|list|nav|menu|header|hidden|combx|rail", re.I)
# The same without IGNORECASE, for class and id strings (lower-cased) in ASCII: there both find the same
# words (the patterns are lower-case), the plain ones several times faster.
_POSITIVE_LOWER, _NEGATIVE_LOWER = re.compile(POSITIVE.pattern), re.compile(NEGATIVE.pattern)
PARAGRAPH_TAGS = frozenset({"p", "li", "pre", "blockquote", "td", "th", "dd", "dt"})
CLASS_WEIGHT_CONTENT = 5.0  # a paragraph's score: one of about 300 characters with a few commas
SEEDS = 4  # best-scoring containers whose ancestors are candidates too
MAX_CLIMB = 12
# The classic climb: an ancestor must add this many paragraph characters per character of other text.
GROW_RATIO = 3.0
MIN_GROWTH = 200  # characters: a smaller addition is a dateline or a copyright line, not half a story

FEATURES: tuple[Feature, ...] = (
    Feature("prose-share", "share of the page's paragraph text the candidate holds"),
    Feature("prose-share-sq", "the same, squared (the last few percent matter less)"),
    Feature("junk-share", "short and link text over all the candidate's block text"),
    Feature("link-density", "link text over all the candidate's text"),
    Feature("added-prose", "paragraph text added over the seed it climbed from, over the candidate's"),
    Feature("added-junk", "short and link text added over the seed, per character of paragraph text added"),
    Feature("climbed", "steps up from the seed: 0, then 1/4 a step up to 1"),
    Feature("seed-score", "the seed's readability score over the best seed's"),
    Feature("top-seed", "the seed is the best-scoring container"),
    Feature("content-name", "named the article body (itemprop=articleBody, entry-content, ...)"),
    Feature("positive-name", "class or id with article, content, post, story, text ..."),
    Feature("negative-name", "class or id with comment, sidebar, related, widget, nav ..."),
    Feature("article-tag", "an <article> or <main>"),
    Feature("cards", "holds more than one <article> (a list of cards)"),
    Feature("headings", "headings per 1,000 characters of text: 0 up to 0.5, 1 from 4"),
    Feature("holds-headline", "holds the heading the page's titles repeat"),
    Feature("beyond-article", "climbed past an <article> or <main> holding the seed (the page's word for the story's end)"),
    Feature("beyond-content", "climbed past an element named the article body holding the seed"),
    Feature("beyond-content-prose", "share of the candidate's prose outside the element named the article "
            "body it climbed past and other seeds named so (what the page marks as not its story)"),
    Feature("added-links", "link density of the text added over the seed"),
    Feature("other-clusters", "share of the candidate's prose in other seeds (a second cluster: comments, a teaser)"),
    Feature("negative-clusters", "share of the candidate's prose in other seeds named comment, related, sidebar ..."),
    Feature("climb-rule", "the classic climb's pick: from the best seed, ancestors adding 3 characters of "
            "paragraph text per character of other text, 200 at least, up to an <article> or <main>"),
    Feature("whole-page", "holds nearly all the page's text (90 %)"),
)
MODEL: LinearModel = load_model("body-container", FEATURES)


def name_flags(element) -> tuple[bool, bool, bool]:
    """(named the article body, a positive name, a negative name) of an element's class and id."""
    names = class_string(element)
    positive, negative = (_POSITIVE_LOWER, _NEGATIVE_LOWER) if names.isascii() else (POSITIVE, NEGATIVE)
    return is_content_container(element, names), bool(positive.search(names)), bool(negative.search(names))


def class_weight(flags: tuple[bool, bool, bool], tag: str) -> int:
    content, positive, negative = flags
    weight = 50 if content else 25 if positive else 0
    if negative:
        weight -= 25
    if tag in ("article", "main"):
        weight += 20
    return weight


def readability_scores(page: PageBlocks, names: dict[int, tuple[bool, bool, bool]]) -> dict[int, float]:
    """Element index -> readability-style score of the paragraphs it holds (class names counted);
    ``names`` receives the name flags of every element scored."""
    scores: dict[int, float] = {}
    weights: dict[int, int] = {}
    parents = page.parents
    for i, chars in enumerate(page.chars):
        if chars < 25 or page.removed[i] or page.tags[i] in HEADING_TAGS:
            continue
        links = page.links[i]
        if links > 0.5 * chars:
            continue
        score = (1 + page.commas[i] + min(chars / 100, 3)) * (1 - links / chars)
        tag = page.tags[i]
        if tag == "li":
            score *= 0.5
        # A paragraph scores for its container; a <div> with its own text also for itself.
        level, divisor = (parents[i], 1) if tag in PARAGRAPH_TAGS else (i, 1)
        while level >= 0 and divisor <= 3:
            if level not in scores:
                flags = names[level] = name_flags(page.elements[level])
                scores[level] = weights[level] = class_weight(flags, page.tags[level])
            scores[level] += score / divisor
            level, divisor = parents[level], divisor + 1
    out = {}
    for i, score in scores.items():
        total = page.total[i]
        density = page.total_links[i] / total if total else 0.0
        # A container's class name counts in full only once it holds about a paragraph of text.
        weight = weights[i]
        content = score - weight
        if weight > 0:
            score = weight * min(1.0, content / CLASS_WEIGHT_CONTENT) + content
        out[i] = score * (1 - min(density, 1.0))
    return out


def candidates(page: PageBlocks, headline_index: int = -1) -> list[tuple[int, dict[str, float]]]:
    """(element index, feature values) of each candidate: the best seeds and their ancestors."""
    names: dict[int, tuple[bool, bool, bool]] = {}
    scores = readability_scores(page, names)
    seeds = sorted(scores, key=lambda i: (-scores[i], i))[:SEEDS]
    if not seeds:
        return []
    top = scores[seeds[0]] or 1.0
    page_good, page_total = page.good[0] or 1, page.total[0] or 1
    found: dict[int, dict[str, float]] = {}
    heading_positions = page.headings
    total, good, bad = page.total, page.good, page.bad
    stories: dict[int, int] = {}  # candidate -> the element named the article body it climbed past
    for rank, seed in enumerate(seeds):
        climbed, i, passed, below, story = 0, seed, (0.0, 0.0), -1, -1
        # The page's <body> is a candidate only as a seed: paragraphs right under it.
        while i >= 0 and climbed <= MAX_CLIMB and (not climbed or page.tags[i] not in ("body", "html")):
            if below >= 0 and total[i] == total[below] and good[i] == good[below] and bad[i] == bad[below]:
                # A wrapper adding no text holds the same story: one candidate, with the wrapper's names.
                _wrapped_by(found[below], page, i, names)
            elif i not in found:
                found[i] = _features(page, i, seed, climbed, rank, scores[seed] / top, headline_index,
                                     page_good, page_total, heading_positions, names)
                found[i]["beyond-article"], found[i]["beyond-content"] = passed
                if story >= 0:
                    stories[i] = story
                below = i
            else:
                below = i
            passed = (max(passed[0], float(page.tags[i] in ("article", "main"))),
                      max(passed[1], found[below]["content-name"]))
            if story < 0 and passed[1]:
                story = i
            i, climbed = page.parents[i], climbed + 1
    _other_clusters(page, seeds, found)
    _beyond_content(page, seeds, stories, found, names)
    ruled = climb(page, seeds[0])
    if ruled in found:
        found[ruled]["climb-rule"] = 1.0
    return sorted(found.items())


def _flags(page: PageBlocks, i: int, names: dict[int, tuple[bool, bool, bool]]) -> tuple[bool, bool, bool]:
    flags = names.get(i)
    if flags is None:
        flags = names[i] = name_flags(page.elements[i])
    return flags


def _wrapped_by(values: dict[str, float], page: PageBlocks, wrapper: int,
                names: dict[int, tuple[bool, bool, bool]]) -> None:
    content, positive, negative = _flags(page, wrapper, names)
    if content:
        values["content-name"] = 1.0
    if positive:
        values["positive-name"] = 1.0
    if negative:
        values["negative-name"] = 1.0
    if page.tags[wrapper] in ("article", "main"):
        values["article-tag"] = 1.0


def _other_clusters(page: PageBlocks, seeds: list[int], found: dict[int, dict[str, float]]) -> None:
    """For each candidate, the share of its prose in seeds it holds beside its best-scoring one (a
    second cluster: comments, a box of teasers), and the share of those named like comments or links."""
    negative = {seed: bool(NEGATIVE.search(class_string(page.elements[seed]))) for seed in seeds}  # a few
    size, good = page.size, page.good
    for i, values in found.items():
        end = i + size[i]
        kept: list[int] = []  # disjoint seeds inside, best score first (seeds come in score order)
        for s in seeds:
            if i <= s < end and not any(k <= s < k + size[k] or s <= k < s + size[s] for k in kept):
                kept.append(s)
        if len(kept) > 1:
            total = good[i] or 1
            values["other-clusters"] = sum(good[s] for s in kept[1:]) / total
            values["negative-clusters"] = sum(good[s] for s in kept[1:] if negative[s]) / total


def _beyond_content(page: PageBlocks, seeds: list[int], stories: dict[int, int],
                    found: dict[int, dict[str, float]], names: dict[int, tuple[bool, bool, bool]]) -> None:
    """For a candidate that climbed past an element named the article body, the share of its prose
    outside that element and outside other seeds named so (a story the page splits in several boxes)."""
    size, good = page.size, page.good
    for i, story in stories.items():
        if not good[i]:
            continue
        kept = [story]
        for s in seeds:
            if (i <= s < i + size[i] and names[s][0]
                    and not any(k <= s < k + size[k] or s <= k < s + size[s] for k in kept)):
                kept.append(s)
        outside = good[i] - sum(good[k] for k in kept)
        found[i]["beyond-content-prose"] = max(outside, 0) / good[i]


def climb(page: PageBlocks, index: int) -> int:
    """The classic climb to ancestors that add paragraphs and little else (a story split in boxes)."""
    current = index
    for ancestor in page.ancestors(index):
        if page.tags[ancestor] in ("body", "html"):
            break
        if page.articles[current] and page.articles[ancestor] > page.articles[current]:
            break  # the parent of a list of <article> cards
        added_good = page.good[ancestor] - page.good[current]
        added_bad = page.bad[ancestor] - page.bad[current]
        if added_good > 0 and added_good < GROW_RATIO * added_bad or added_good <= 0 < added_bad:
            break
        if added_good >= MIN_GROWTH:
            current = ancestor
        if page.tags[ancestor] in ("article", "main"):
            break  # the page's own word for where the story ends
    return current


def _features(page: PageBlocks, i: int, seed: int, climbed: int, rank: int, seed_score: float,
              headline_index: int, page_good: int, page_total: int, heading_positions: list[int],
              names: dict[int, tuple[bool, bool, bool]]) -> dict[str, float]:
    good, bad, total = page.good[i], page.bad[i], page.total[i]
    content, positive, negative = _flags(page, i, names)
    added_good = good - page.good[seed]
    end = i + page.size[i]
    headings = bisect_left(heading_positions, end) - bisect_right(heading_positions, i)
    share = good / page_good
    return {
        "prose-share": share,
        "prose-share-sq": share * share,
        "junk-share": bad / (good + bad) if good + bad else 1.0,
        "link-density": page.total_links[i] / total if total else 0.0,
        "added-prose": added_good / good if good else 0.0,
        "added-junk": min((bad - page.bad[seed]) / (added_good + 100), 3.0) / 3 if climbed else 0.0,
        "climbed": min(climbed / 4, 1.0),
        "seed-score": max(seed_score, 0.0),
        "top-seed": float(rank == 0),
        "content-name": float(content),
        "positive-name": float(positive),
        "negative-name": float(negative),
        "article-tag": float(page.tags[i] in ("article", "main")),
        "cards": float(page.articles[i] > 1 + (page.tags[i] == "article")),
        "headings": ramp(1000 * headings / (total or 1), 0.5, 4.0),
        "holds-headline": float(i < headline_index < end),
        "whole-page": float(total >= 0.9 * page_total),
        "added-links": (page.total_links[i] - page.total_links[seed]) / (total - page.total[seed])
        if total > page.total[seed] else 0.0,
    }


def choose(page: PageBlocks, headline_index: int = -1, trace: dict | None = None) -> int | None:
    """Index of the element holding the story, or None when the page has no paragraph."""
    found = candidates(page, headline_index)
    if trace is not None:
        trace["body-container"] = found
    return found[pick(found, MODEL)][0] if found else None


def pick(found: list[tuple[int, dict[str, float]]], model: LinearModel) -> int:
    """Position in ``found`` of the candidate the weights score best."""
    return model.best([values for _, values in found])
