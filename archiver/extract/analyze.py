"""One page's way through extraction, in one direction: the parsed tree, one scan, the page's fields,
candidates per decision with their fitted scores, the record, and what the page is.

``analyze_tree`` reads like the list of stages it runs; each stage is a function below that reads the
``Reading`` (the scan, the structured sources, the heading found) and fills the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archiver.extract import byline, headline_pick, published
from archiver.extract import metadata as _fields
from archiver.extract.blocks import HEADING_TAGS, PageBlocks, scan
from archiver.extract.body import extract_dom_body, remove_promo_boxes
from archiver.extract.captions import extract_captions, image_url
from archiver.extract.headline import deck_below, heading_above, is_description, longest_h1, shown_headline, words
from archiver.extract.jsonld import JsonLd
from archiver.extract.language import detect_language
from archiver.extract.links import translations
from archiver.extract.meta import MetaTags
from archiver.extract.pagekind import Judgement, judge, link_actions, measure, paywall
from archiver.extract.storyline import (STORY_LEAD_CHARS, is_banner, is_deck_of, names_site, story_headline,
                                        story_starts)
from archiver.extract.structured import complete_structured_body, structured_paragraphs
from archiver.extract.text import Element, clean, node_text
from archiver.record.items import Article

# A DOM body shorter than this share of a complete JSON-LD articleBody missed part of the story.
MIN_DOM_SHARE = 0.6
TOP_HEADINGS = ("h1", "h2")


@dataclass
class Reading:
    """What the stages share: the scan, the structured sources, and what earlier stages found."""

    page: PageBlocks
    src: _fields.Sources
    titles: list[str]  # <title>, og:title, JSON-LD headline
    trace: dict | None
    h1: str | None = None  # the heading the titles repeat (or the longest <h1> of a page without <title>)
    h1_index: int = -1
    h1_linked: bool = False
    scope: Element | None = None  # the element holding the story
    scope_index: int = -1
    story_line: str | None = None  # the line the story starts under, when it is the headline
    dom_body: str = ""
    paywall: tuple[bool, str] = (False, "")
    organisations: list[str] = field(default_factory=list)
    link_actions: tuple[int, int, int] = (0, 0, 0)  # calls to action, share links, all links: the whole page's, <button>s too


def analyze_tree(tree: Element, url: str, trace: dict | None = None) -> tuple[str, Article, Judgement]:
    """(kind, record, judgement) of one parsed page."""
    article = Article(url=url)
    reading = _read(tree, url, trace)
    _page_fields(article, reading)
    _heading(article, reading)
    _people_and_dates(article, reading)
    _body(article, reading)
    _story_headline(article, reading)
    _pick_headline(article, reading)
    _finish(article, reading)
    judgement = _judge(article, reading)
    _undated(article, reading, judgement.kind)
    return judgement.kind, article, judgement


def put(article: Article, name: str, found: tuple) -> None:
    value, source = found
    if value not in (None, "", []):
        setattr(article, name, value)
        article.provenance[name] = source


def _read(tree: Element, url: str, trace: dict | None) -> Reading:
    """One scan of the <body> and the page's structured data."""
    jsonld, meta = JsonLd.from_tree(tree), MetaTags(tree)
    title = tree.findtext(".//title") or ""  # read before the scan, which drops a <title> misplaced in <body>
    actions = link_actions(tree)  # before the scan too, which drops every <button>
    body_root = tree.find("body")
    page = scan(body_root if body_root is not None else tree)
    src = _fields.Sources(tree=tree, url=url, jsonld=jsonld, meta=meta, page=page, title=title)
    titles = [title, meta.first("og:title", "twitter:title") or "", jsonld.text("headline") or ""]
    return Reading(page=page, src=src, titles=titles, trace=trace, link_actions=actions)


def _page_fields(article: Article, reading: Reading) -> None:
    """Fields the page states about itself; the small "read in Spanish" boxes around translation
    links are not the story."""
    src, page = reading.src, reading.page
    put(article, "canonical_url", _fields.canonical_url(src))
    put(article, "language", _fields.declared_language(src))
    found, anchors = translations(src.tree, page, src.url, article.language, article.canonical_url or src.url)
    put(article, "translations", (found, "dom"))
    remove_promo_boxes(page, anchors)
    put(article, "publisher", _fields.publisher(src))
    put(article, "modified", _fields.modified(src))
    put(article, "section", _fields.section(src))
    put(article, "tags", _fields.tags(src))
    put(article, "description", _fields.description(src))
    put(article, "lead_image", _fields.lead_image(src))
    put(article, "captions", (extract_captions(page.captions, src.url), "dom"))
    reading.paywall = paywall(page.paywall_marked, src.jsonld, src.meta)


def _heading(article: Article, reading: Reading) -> None:
    """The heading the titles repeat, the site's name, and the headline the metadata gives."""
    page, src = reading.page, reading.src
    reading.h1, reading.h1_index, reading.h1_linked = shown_headline(page, reading.titles)
    if reading.h1 is None and not clean(src.title):
        reading.h1, reading.h1_index = longest_h1(page)
    put(article, "site_name", _fields.site_name(src, article.publisher, reading.h1))
    reading.organisations = [article.site_name or "", article.publisher or ""]
    put(article, "headline", _fields.headline(src, reading.organisations, reading.h1))


def _people_and_dates(article: Article, reading: Reading) -> None:
    """Authors and the publication date: every candidate the page offers, the fitted pick."""
    put(article, "authors", byline.choose(reading.src, reading.organisations, reading.h1_index, reading.trace))
    put(article, "published", published.choose(reading.src, reading.h1_index, reading.trace))


def _body(article: Article, reading: Reading) -> None:
    """The story's element among the fitted candidates, and its text without the captions."""
    page = reading.page
    dom_body, scope = extract_dom_body(page, article.headline, reading.h1_index, reading.trace)
    captions_text = {c["text"] for c in article.captions}
    if captions_text and dom_body:
        dom_body = "\n\n".join(p for p in dom_body.split("\n\n") if p not in captions_text)
    reading.dom_body, reading.scope = dom_body, scope
    reading.scope_index = page.elements.index(scope) if scope is not None else -1  # once: a list search


def _story_headline(article: Article, reading: Reading) -> None:
    """Without metadata naming the headline: the line the story starts under when the heading the
    titles repeat is the site's banner, and the deck the page shows under the headline."""
    page, url, h1, h1_index, scope = reading.page, reading.src.url, reading.h1, reading.h1_index, reading.scope
    named_by_page = scope is not None and article.provenance.get("headline", "dom") == "dom"
    starts = story_starts(page, reading.scope_index) if named_by_page else []
    story_words = set(words(reading.dom_body[:STORY_LEAD_CHARS])) if starts else set()
    story_line, story_index = None, -1
    if starts and (h1 is None or not clean(reading.src.title) or is_banner(page, h1_index, h1, starts[-1], story_words)):
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
        above = heading_above(page, reading.scope_index, {w for t in reading.titles for w in words(t)})
        if above:
            article.headline = above
    if h1 is not None and article.headline == h1 and article.provenance.get("headline") == "dom":
        # No metadata names the headline: it is the lines the page shows, its deck included, unless
        # the page names that line its description (then the record holds it as the description).
        deck = deck_below(page.elements[h1_index], scope) if "\n" not in h1 else None
        if deck and deck not in h1 and not is_description(deck, article.description):
            article.headline = f"{h1}\n{deck}"
    reading.story_line, reading.h1 = story_line, h1


def _pick_headline(article: Article, reading: Reading) -> None:
    """The fitted choice among the rules' headline and the titles the page declares."""
    page, titles = reading.page, reading.titles
    h1s = [text for i in page.headings if page.tags[i] == "h1" and (text := node_text(page.elements[i]))]
    host = _fields.host_of(reading.src.url)
    lines = [line for line in (reading.h1, reading.story_line) if line]
    shown = headline_pick.is_shown(article.headline, lines, reading.organisations, host) if lines else \
        article.provenance.get("headline") == "dom"
    found = headline_pick.candidates(article.headline, titles[2], titles[1], titles[0], h1s,
                                     reading.organisations, host, shown)
    best = headline_pick.choose(found, reading.trace)
    if best < 0 or found[best][1].get("rules"):
        return
    text, values = found[best]
    article.headline = text
    article.provenance["headline"] = "jsonld" if values.get("jsonld") else "meta" if values.get("og") or values.get(
        "og-stripped") else "dom"


def _finish(article: Article, reading: Reading) -> None:
    """The body (the DOM's, unless a complete JSON-LD articleBody shows it missed part of the story),
    images, the language when undeclared, the paywall."""
    dom_body, jsonld, url = reading.dom_body, reading.src.jsonld, reading.src.url
    if article.headline and article.provenance.get("headline") == "dom":
        dom_body = without_lines(dom_body, article.headline.split("\n"))
    structured = complete_structured_body(jsonld.text("articleBody"), dom_body)
    if structured and len(dom_body) < MIN_DOM_SHARE * len(structured):
        put(article, "body", (structured, "jsonld"))
    else:
        put(article, "body", (dom_body, "dom"))
    images = [c["image_url"] for c in article.captions if c["image_url"]]
    if reading.scope is not None:
        images += [u for u in (image_url(img, url) for img in reading.scope.iter("img", "amp-img")) if u]
    put(article, "images", (_fields.dedupe(([article.lead_image] if article.lead_image else []) + images), "dom"))
    if not article.language:
        put(article, "language", (detect_language(article.body or article.headline or ""), "detected"))
    paywalled, paywall_source = reading.paywall
    if paywalled:
        article.paywalled = True
        article.provenance["paywalled"] = paywall_source
    full_length = len(structured_paragraphs(jsonld.text("articleBody") or ""))
    if len(article.body) < MIN_DOM_SHARE * full_length or paywalled and article.provenance.get("body") != "jsonld":
        article.truncated = True  # shorter than the structured body says it is, or a paywalled teaser


def _judge(article: Article, reading: Reading) -> Judgement:
    """Page kind from the features the scan and the record measured."""
    shown = bool(reading.story_line) or bool(reading.h1) and not reading.h1_linked
    src = reading.src
    evidence = measure(reading.page, reading.scope_index, article, shown, src.jsonld, src.meta, src.url,
                       reading.link_actions)
    if reading.trace is not None:
        reading.trace["page-kind"] = evidence
    return judge(evidence)


def _undated(article: Article, reading: Reading, kind: str) -> None:
    """An article without a date candidate: htmldate's last resort (after the page kind, which reads
    whether the page is dated from our own sources)."""
    if article.published or (kind != "article" and reading.trace is None):
        return
    day = published.last_resort(reading.src.tree, reading.src.url)
    if reading.trace is not None:
        reading.trace["published-last-resort"] = day
    if kind == "article":
        put(article, "published", (day, "dom"))


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
