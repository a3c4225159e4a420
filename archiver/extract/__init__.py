"""Article extraction: pure functions from page bytes to an ``Article`` record (no Scrapy here).

``extract_article(html, url, encoding)`` never raises: bad input gives an empty record. Each field
comes from the most structured source that has it (JSON-LD, then ``<meta>``, then the DOM, then
the URL, then detection); ``Article.provenance`` names the source of every field that was found.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from archiver.extract import metadata as _fields
from archiver.extract import byline, headline_pick, published
from archiver.extract.blocks import HEADING_TAGS, interleaved_teasers, scan
from archiver.extract.body import extract_dom_body, remove_promo_boxes
from archiver.extract.captions import extract_captions, image_url
from archiver.extract.headline import deck_below, heading_above, is_description, longest_h1, shown_headline, words
from archiver.extract.storyline import (STORY_LEAD_CHARS, is_banner, is_deck_of, names_site, story_headline,
                                        story_starts)
from archiver.extract.jsonld import JsonLd
from archiver.extract.language import detect_language
from archiver.extract.links import translations
from archiver.extract.meta import MetaTags
from archiver.extract.pagekind import Evidence, Judgement, declared, judge, paywall, text_weight
from archiver.extract.parse import parse_html
from archiver.extract.sniff import looks_binary
from archiver.extract.structured import complete_structured_body, structured_paragraphs
from archiver.extract.text import Element, clean, node_text, word_count
from archiver.items import Article

__all__ = ["EXTRACTOR_VERSION", "PageAnalysis", "analyze_page", "article_body", "extract_article"]

logger = logging.getLogger(__name__)

# Bump when a change to extraction can change a record (reextract --since-version uses it).
EXTRACTOR_VERSION = "0.4.0"  # 0.4.0: page kind, body container, headline, authors and date chosen by fitted
# weights (archiver/extract/weights.json, bench/crossval.py); not-articles (forums, shops, docs) kept out; 0.3.0: page kind from weighted signals, shown headlines; 0.3.1: decks;
# 0.3.2: under a <title> that names only the site, the headline is the line the story starts under;
# 0.3.3: the same under an empty <title> or none, and over a search engine's <title> the page does not show;
# a head <script> that swallowed the body (its start tag lost a quote) is dropped
# A DOM body shorter than this share of a complete JSON-LD articleBody missed part of the story.
MIN_DOM_SHARE = 0.6
TOP_HEADINGS = ("h1", "h2")


@dataclass
class PageAnalysis:
    """What a page is (``article``, ``listing``, ``other``) and the record extracted from it."""

    kind: str
    article: Article
    judgement: Judgement | None = None

    @property
    def reason(self) -> str:
        return self.judgement.reason if self.judgement else ""


def extract_article(html: bytes | str, url: str, encoding: str | None = None) -> Article:
    """Extract the article record of one page. Never raises on bad input."""
    return analyze_page(html, url, encoding=encoding).article


def article_body(html: str, url: str) -> str:
    """Body text only (the benchmark's ``module:function`` interface)."""
    return extract_article(html, url).body


def analyze_page(html: bytes | str, url: str, encoding: str | None = None,
                 read_tree: Callable[[Element], None] | None = None, trace: dict | None = None) -> PageAnalysis:
    """Kind and record of one page; ``encoding`` is the charset the HTTP headers declared, if any.

    ``read_tree`` is called with the parsed page before extraction changes the tree (furniture is
    cut out of it), so that a caller reading the whole page (its requisites) needs no parse of its own.
    ``trace``, when given, receives each decision's candidates and feature values (``bench/crossval.py``
    fits the weights from them).
    """
    if looks_binary(html):
        # An image, PDF or archive served as text/html: never a record of mojibake.
        return PageAnalysis(kind="other", article=Article(url=url), judgement=judge(Evidence(url, binary=True)))
    try:
        tree = parse_html(html, encoding)
        if read_tree is not None:
            read_tree(tree)
        return _analyze_tree(tree, url, trace)
    except Exception:  # noqa: BLE001 - the one boundary: a record must never crash a crawl
        # The fuzz tests find no input that gets here; the page itself stays in the WARC.
        logger.warning("Extraction failed for %s", url, exc_info=True)
        return PageAnalysis(kind="other", article=Article(url=url))


def _analyze_tree(tree: Element, url: str, trace: dict | None = None) -> PageAnalysis:
    jsonld, meta = JsonLd.from_tree(tree), MetaTags(tree)
    article = Article(url=url)

    def put(field: str, found: tuple) -> None:
        value, source = found
        if value not in (None, "", []):
            setattr(article, field, value)
            article.provenance[field] = source

    # -- one scan of the <body>, then translations: the small "read in Spanish" boxes around their
    # links are not the story; then site, headline, people, dates (bylines live in page furniture)
    title = tree.findtext(".//title") or ""
    body_root = tree.find("body")
    root = body_root if body_root is not None else tree
    page = scan(root)
    src = _fields.Sources(tree=tree, url=url, jsonld=jsonld, meta=meta, page=page, title=title)
    put("canonical_url", _fields.canonical_url(src))
    put("language", _fields.declared_language(src))
    found_translations, translation_anchors = translations(tree, page, url, article.language,
                                                           article.canonical_url or url)
    put("translations", (found_translations, "dom"))
    remove_promo_boxes(page, translation_anchors)
    titles = [title, meta.first("og:title", "twitter:title") or "", jsonld.text("headline") or ""]
    h1, h1_index, h1_linked = shown_headline(page, titles)
    if h1 is None and not clean(title):
        h1, h1_index = longest_h1(page)
    put("publisher", _fields.publisher(src))
    put("site_name", _fields.site_name(src, article.publisher, h1))
    put("headline", _fields.headline(src, [article.site_name or "", article.publisher or ""], h1))
    put("authors", byline.choose(src, [article.site_name or "", article.publisher or ""], h1_index, trace))
    put("published", published.choose(src, h1_index, trace))
    put("modified", _fields.modified(src))
    put("section", _fields.section(src))
    put("tags", _fields.tags(src))
    put("description", _fields.description(src))
    put("lead_image", _fields.lead_image(src))
    put("captions", (extract_captions(page.captions, url), "dom"))

    # -- body: the DOM's, unless a complete JSON-LD articleBody shows the DOM missed part of it
    paywalled, paywall_source = paywall(page.paywall_marked, jsonld, meta)
    dom_body, scope = extract_dom_body(page, article.headline, h1_index, trace)
    captions_text = {c["text"] for c in article.captions}
    if captions_text and dom_body:
        dom_body = "\n\n".join(p for p in dom_body.split("\n\n") if p not in captions_text)
    story_line, story_index = None, -1
    named_by_page = scope is not None and article.provenance.get("headline", "dom") == "dom"
    scope_index = page.elements.index(scope) if scope is not None else -1  # once: a list search
    starts = story_starts(page, scope_index) if named_by_page else []
    story_words = set(words(dom_body[:STORY_LEAD_CHARS])) if starts else set()
    if starts and (h1 is None or not clean(title) or is_banner(page, h1_index, h1, starts[-1], story_words)):
        found = (story_headline(page, start, story_words, url) for start in starts)
        story_line, story_index = next((line for line in found if line[0]), (None, -1))
        if story_line and h1 is None and page.tags[story_index] not in TOP_HEADINGS and not names_site(
                article.headline or "", story_line, story_words, _fields.host_of(url)):
            # The <title>'s headline is the story's: it stays, unless the page shows another as a top
            # heading over the story (a search engine's title over the headline readers saw).
            story_line = None
        if story_line and h1 and (clean(story_line) == clean(h1)
                                  or is_deck_of(page, story_line, story_index, h1_index, scope)):
            # The story starts under that very heading, or the line is the deck right under it (a
            # headline whose words the story does not repeat, "Slammer for Rammer"): it is no banner.
            story_line = None
    if story_line:
        # The heading the titles repeat is the site's banner, or none is shown and the <title> names the
        # site: the headline is the line the story starts under.
        article.headline, article.provenance["headline"] = story_line, "dom"
        # a heading's deck is looked for as under a shown headline (a bold line's next line is the story)
        h1, h1_index = (story_line, story_index) if page.tags[story_index] in HEADING_TAGS else (None, -1)
    elif h1 is None and scope is not None and article.provenance.get("headline", "dom") == "dom":
        # No heading the page shows matches its titles: the <title> names the site, not the story.
        above = heading_above(page, scope_index, {w for t in titles for w in words(t)})
        if above:
            article.headline = above
    if h1 is not None and article.headline == h1 and article.provenance.get("headline") == "dom":
        # No metadata names the headline: it is the lines the page shows, its deck included, unless
        # the page names that line its description (then the record holds it as the description).
        deck = deck_below(page.elements[h1_index], scope) if "\n" not in h1 else None
        if deck and deck not in h1 and not is_description(deck, article.description):
            article.headline = f"{h1}\n{deck}"
    _pick_headline(article, page, src, titles, trace)
    if article.headline and article.provenance.get("headline") == "dom":
        dom_body = without_lines(dom_body, article.headline.split("\n"))
    structured = complete_structured_body(jsonld.text("articleBody"), dom_body)
    if structured and len(dom_body) < MIN_DOM_SHARE * len(structured):
        put("body", (structured, "jsonld"))
    else:
        put("body", (dom_body, "dom"))

    # -- images, language when undeclared, paywall
    images = [c["image_url"] for c in article.captions if c["image_url"]]
    if scope is not None:
        images += [u for u in (image_url(img, url) for img in scope.iter("img", "amp-img")) if u]
    put("images", (_fields.dedupe(([article.lead_image] if article.lead_image else []) + images), "dom"))
    if not article.language:
        put("language", (detect_language(article.body or article.headline or ""), "detected"))
    if paywalled:
        article.paywalled = True
        article.provenance["paywalled"] = paywall_source
    full_length = len(structured_paragraphs(jsonld.text("articleBody") or ""))
    if len(article.body) < MIN_DOM_SHARE * full_length or paywalled and article.provenance.get("body") != "jsonld":
        article.truncated = True  # shorter than the structured body says it is, or a paywalled teaser

    shown = bool(story_line) or bool(h1) and not h1_linked
    evidence = _evidence(page, scope_index, article, shown, jsonld, meta, url)
    if trace is not None:
        trace["page-kind"] = evidence
    judgement = judge(evidence)
    return PageAnalysis(kind=judgement.kind, article=article, judgement=judgement)


def _pick_headline(article: Article, page, src, titles: list[str], trace: dict | None) -> None:
    """The fitted choice among the rules' headline and the titles the page declares."""
    h1s = [text for i in page.headings if page.tags[i] == "h1" and (text := node_text(page.elements[i]))]
    found = headline_pick.candidates(article.headline, titles[2], titles[1], titles[0], h1s,
                                     [article.site_name or "", article.publisher or ""], _fields.host_of(src.url))
    best = headline_pick.choose(found, trace)
    if best < 0 or found[best][1].get("rules"):
        return
    text, values = found[best]
    article.headline = text
    article.provenance["headline"] = "jsonld" if values.get("jsonld") else "meta" if values.get("og") or values.get(
        "og-stripped") else "dom"


def without_lines(body: str, lines: list[str]) -> str:
    """The body without the headline's lines, as paragraphs or as the first lines of one (a table
    cell's bold headline, ``<br>``, then its story)."""
    paragraphs = []
    for paragraph in body.split("\n\n"):
        kept = paragraph.split("\n")
        while kept and kept[0] in lines:
            kept = kept[1:]
        if kept:
            paragraphs.append("\n".join(kept))
    return "\n\n".join(paragraphs)


def _evidence(page, index: int, article: Article, shown: bool, jsonld: JsonLd,
              meta: MetaTags, url: str) -> Evidence:
    """The page-kind signals' inputs, from the scan already made (no second pass over the tree)."""
    evidence = Evidence(url, dated=bool(article.published), byline=bool(article.authors),
                        **declared(jsonld, meta, page.itemtypes))
    body = article.body
    evidence.story_chars = text_weight(body)
    evidence.paragraphs = body.count("\n\n") + 1 if body else 0
    evidence.headline_in_title = shown and word_count(article.headline or "") >= 4
    evidence.teasers_in_story = page.story_teasers
    evidence.posts, evidence.times, evidence.bylines = page.posts, page.tags.count("time"), len(page.bylines)
    evidence.profile_links = page.profile_links
    evidence.page_link_share = page.total_links[0] / page.total[0] if page.total and page.total[0] else 0.0
    if index >= 0:
        evidence.teasers_in_story = max(page.story_teasers, interleaved_teasers(page, index))
        evidence.story_link_share = page.story_link_share
        evidence.prose_share = page.good[index] / page.good[0] if page.good and page.good[0] else 0.0
        evidence.code_share, evidence.list_share, evidence.story_headings = story_shape(page, index)
    return evidence


def story_shape(page, index: int) -> tuple[float, float, int]:
    """(share of the story's text in code, share in list items, headings) under the story's element."""
    end = index + page.size[index]
    tags, removed, total = page.tags, page.removed, page.total[index] or 1
    code = listed = 0
    covered = -1  # end of the last list item or code block counted: nested ones count once
    listed_at = page.listed
    for i in listed_at[bisect_right(listed_at, index):bisect_left(listed_at, end)]:
        if i < covered or removed[i]:
            continue
        covered = i + page.size[i]
        if tags[i] == "li":
            listed += page.total[i]
        else:
            code += page.total[i]
    headings = bisect_left(page.headings, end) - bisect_right(page.headings, index)
    return min(code / total, 1.0), min(listed / total, 1.0), headings
