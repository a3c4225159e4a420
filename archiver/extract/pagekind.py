"""What a page is (article, listing, other), from named features with fitted weights; and its paywall.

Each feature is a value between 0 and 1 measured on the one parse of the page (``Evidence``). Two
logistic models score them (``model.py``; weights fitted by ``bench/crossval.py`` on articles, forum
threads, product, service and documentation pages, collections and listings of many sites):
``page-kind`` says article or not, and for a page that is not, ``listing-kind`` says listing or other.
Metadata weighs most when a page has it; without it a page is still an article when a reader would
call it one: one dominant run of prose under a headline the ``<title>`` repeats, with a date or
byline, few links in the story and no list of teasers in it; shop, forum and documentation pages
show prices, many posts or code. ``judge`` returns the kind, the feature that decided it (its
*reason*) and every value, which ``archiver extract --explain`` prints and crawl stats count.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archiver.extract.blocks import PageBlocks, interleaved_teasers
from archiver.extract.jsonld import JsonLd
from archiver.extract.meta import MetaTags
from archiver.extract.model import Feature, LinearModel, load_model, ramp
from archiver.extract.text import Element, text_content, text_weight, word_count

# The page node's own type: a "WebSite" node describes the site (Yoast puts one on every page), not the page.
LISTING_TYPES = {"collectionpage", "searchresultspage", "profilepage", "itemlist"}
PRODUCT_TYPES = {"product", "productgroup", "individualproduct", "offer", "aggregateoffer", "productmodel",
                 "softwareapplication", "mobileapplication", "webapplication", "service", "course", "event"}
FORUM_TYPES = {"discussionforumposting", "qapage", "question", "answer", "comment"}
_MICRODATA_ARTICLE = re.compile(r"schema\.org/(?:\w*Article|BlogPosting|Report|Review)\b", re.IGNORECASE)
_MICRODATA_PRODUCT = re.compile(r"schema\.org/(?:Product|Offer|AggregateOffer)\b", re.IGNORECASE)
_MICRODATA_FORUM = re.compile(r"schema\.org/(?:DiscussionForumPosting|Question|Answer|Comment)\b", re.IGNORECASE)
# An FAQPage's Question and Answer nodes are a block of questions the site answers itself (articles,
# service and product pages carry one for search engines), not a thread of readers' questions.
FAQ_ENTRY_TYPES = {"question", "answer"}
_MICRODATA_FAQ = re.compile(r"schema\.org/FAQPage\b", re.IGNORECASE)
_MICRODATA_THREAD = re.compile(r"schema\.org/(?:DiscussionForumPosting|Comment)\b", re.IGNORECASE)

FEATURES: tuple[Feature, ...] = (
    Feature("declared-article", "og:type article, or a JSON-LD / microdata Article type"),
    Feature("declared-listing", "a JSON-LD CollectionPage, SearchResultsPage, ProfilePage or ItemList"),
    Feature("declared-website", "og:type website: the page says it is a site's page, not a story"),
    Feature("declared-product", "a Product, Offer, SoftwareApplication, Service, Course or Event node, og:type product"),
    Feature("declared-forum", "a DiscussionForumPosting, QAPage, Question or Answer node (not an FAQPage's questions)"),
    Feature("declared-faq", "an FAQPage node: questions the site answers itself"),
    Feature("declared-published", "a publication time in JSON-LD or article:published_time"),
    Feature("story-text", "length of the story text: 0 up to 200 characters, 1 from 1,000"),
    Feature("long-story", "length of the story text: 0 up to 1,000 characters, 1 from 5,000"),
    Feature("dominant-prose", "share of the page's paragraph text that is in the story"),
    Feature("paragraphs", "paragraphs in the story: 0 for one, 1 from four"),
    Feature("headline-in-title", "a heading of 4+ words, not a link, that the <title> repeats "
            "(or, when the <title> names only the site, the line the story starts under)"),
    Feature("dated", "a publication date (metadata, a dateline or the URL)"),
    Feature("byline", "an author (metadata or a byline)"),
    Feature("story-url", "URL ends in a slug, an id or a page file"),
    Feature("dated-url", "URL holds a date (/2025/03/14/)"),
    Feature("listing-url", "URL of a home, section, tag, author, search or page-N listing"),
    Feature("story-section-url", "URL path under a news or blog section (/news/, /blog/, /articles/, /story/, /post/ ...)"),
    Feature("dated-in-section", "a dated page under a news or blog section: a post, where the section alone may be "
            "its help or product pages"),
    Feature("docs-url", "URL of documentation, a reference, a wiki, a shop, a forum or a service page "
            "(/docs/, /api/, /product/, /forum/, /services/ ...)"),
    Feature("teasers-in-story", "headline links with a summary in the story (3+): per 1,000 characters "
            "1.5 to 4, per paragraph 0.15 to 0.45"),
    Feature("link-density", "share of link text in the story: 0 up to 20 %, 1 from 50 %"),
    Feature("page-links", "share of link text on the whole page: 0 up to 20 %, 1 from 60 %"),
    Feature("posts", "elements named as posts, replies, comments or messages: 0 up to 3, 1 from 30"),
    Feature("bylines", "elements named as a byline or author: 0 up to 2, 1 from 10 (a thread signs each post)"),
    Feature("profile-links", "links to user profiles (/user/, /members/, profile.php ...): 0 up to 2, 1 from 10"),
    Feature("times", "<time> elements on the page: 0 up to 2, 1 from 12"),
    Feature("code", "share of the story text in <pre> or <code>: 0 up to 2 %, 1 from 20 %"),
    Feature("story-headings", "headings in the story per 1,000 characters: 0 up to 0.5, 1 from 3"),
    Feature("list-text", "share of the story text in list items: 0 up to 10 %, 1 from 60 %"),
    Feature("calls-to-action", "links and buttons asking for a sale or a booking (\"Get a quote\", \"Book now\", "
            "\"Add to cart\"): 0 up to 2, 1 from 10"),
    Feature("selling-links", "share of the page's links and buttons that are calls to action: 0 up to 5 %, 1 from "
            "30 % (a service page's few links ask for a quote; a story's newsletter box is one among many)"),
    Feature("share-links", "links that share the page (a post to X, Facebook, LinkedIn, Reddit, WhatsApp, e-mail): "
            "0 for none, 1 from three; stories ask to be passed on, help and shop pages rarely"),
)
SIGNALS = FEATURES  # the name --explain and the docs have used
# Below this much story text nothing makes an article (a photo page, a stub, an error page).
MIN_ARTICLE_CHARS = 150

# Paths of section, tag, author, search and archive pages.
_LISTING_PATH = re.compile(
    r"^/(?:[\w-]+/)*(?:tags?|category|categories|topics?|authors?|autor|autores|search|buscar|suche|"
    r"seccion|secciones|etiqueta|etiquetas|thema|themen|schlagwort|kategorie|archives?)(?:/[\w%.+-]*)?/?$"
    r"|/page/\d+/?$",
    re.IGNORECASE,
)
# Paths and hosts of documentation, shops and forums: the kinds of page a news site's crawl meets
# beside its stories (help centres, its shop, reader forums).
_NOT_STORY_PATH = re.compile(
    r"/(?:docs?|documentation|api|reference|manual|wiki|help|support|faq|kb|knowledge-?base|guides?/reference|"
    r"products?|shop|store|cart|checkout|dp|item|forums?|threads?|topics?|questions|community|discussions?|"
    r"board|viewtopic\.php|showthread\.php|services?|solutions|pricing|plans|careers|locations?|collections?)"
    r"(?:/|$|\.)", re.IGNORECASE)
_NOT_STORY_HOST = re.compile(r"^(?:docs?|developers?|api|wiki|help|support|shop|store|forums?|community|discuss|"
                             r"learn)\.", re.IGNORECASE)
# Sections stories are published under: a page below one is a story more often than a service or shop page.
_STORY_SECTION_PATH = re.compile(
    r"/(?:blogs?|news|articles?|stor(?:y|ies)|posts?|features?|opinion|insights|press(?:-releases?)?|journal|magazine)/",
    re.IGNORECASE)
# Labels of links and buttons that sell, book or sign up: service, shop and course pages are full of them.
_CALL_TO_ACTION = re.compile(
    r"(?:get (?:a |an |your )?(?:free )?(?:quote|estimate|started|in touch)|book (?:now|online|a |an |your )|"
    r"call (?:now|us|today)|contact us|request (?:a |an )?(?:quote|demo|consultation|appointment|information)|"
    r"schedule|enrol|apply now|sign up|buy now|add to (?:cart|basket|bag)|shop now|order now|"
    r"start (?:your )?free|try (?:it )?(?:for )?free)", re.IGNORECASE)
# Links that share the page: a share bar's buttons (intent and sharer addresses, a mail with a subject).
_SHARE_HREF = re.compile(
    r"(?:twitter\.com|x\.com)/(?:intent/|share)|facebook\.com/(?:sharer|share\.php|dialog/share)|"
    r"linkedin\.com/(?:shareArticle|sharing|cws/share)|reddit\.com/submit|pinterest\.[a-z.]+/pin/create|"
    r"(?:api\.whatsapp\.com/send|wa\.me/\?|whatsapp://send)|t\.me/share|bsky\.app/intent|"
    r"news\.ycombinator\.com/submitlink|threads\.net/intent|^mailto:\?(?:subject|body)=", re.IGNORECASE)
_URL_DATE = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/|$)|/(?:19|20)\d{2}-\d{2}-\d{2}")
# CJK scripts say in one character what alphabets say in about three.
_LOCKED_TIERS = {"locked", "premium", "subscriber", "subscribers"}
_SLUG = re.compile(r"[\w%]+(?:[-_][\w%]+){2,}|\d{4,}|\.s?html?$|\.php$|\.aspx?$|\.cfm$|\.jsp$|\.stm$")
_PAGE_FILE = re.compile(r"\.(?:s?html?|php|aspx?|cfm|jsp)$", re.IGNORECASE)
_STORY_QUERY = re.compile(r"(?:^|&)\w*(?:id|story|article)\w*=\w{3,}", re.IGNORECASE)


def is_listing_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path or "/"
    if path == "/" and parts.query or _PAGE_FILE.search(path) and parts.query:
        return False  # "/?articleId=123", "/topics/article.asp?item=9": a story behind a script
    return path == "/" or bool(_LISTING_PATH.search(path))


def is_article_url(url: str) -> bool:
    """A path ending in a slug ("floods-cut-rail-link"), an id or a page file, or a story id in the query."""
    try:
        parts = urlsplit(url)
        segments = [p for p in parts.path.split("/") if p]
    except ValueError:
        return False
    return bool(segments) and bool(_SLUG.search(segments[-1])) or bool(_STORY_QUERY.search(parts.query))


def is_story_section_url(url: str) -> bool:
    """A path below a news or blog section ("/blog/...", "/news/world/...")."""
    try:
        return bool(_STORY_SECTION_PATH.search(urlsplit(url).path or ""))
    except ValueError:
        return False


def is_not_story_url(url: str) -> bool:
    """A documentation, shop or forum address (path or host)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_NOT_STORY_PATH.search(parts.path or "")) or bool(_NOT_STORY_HOST.match(parts.hostname or ""))


@dataclass
class Evidence:
    """What page kind is judged from: all measured on the one parse and scan of the page."""

    url: str
    story_chars: int = 0  # text weight of the extracted body
    paragraphs: int = 0
    prose_share: float = 0.0  # story's paragraph text / the page's paragraph text
    headline_in_title: bool = False
    dated: bool = False
    byline: bool = False
    teasers_in_story: int = 0
    story_link_share: float = 0.0
    page_link_share: float = 0.0
    declared_article: bool = False
    declared_listing: bool = False
    declared_website: bool = False
    declared_product: bool = False
    declared_forum: bool = False
    declared_faq: bool = False
    declared_published: bool = False
    posts: int = 0
    bylines: int = 0
    profile_links: int = 0
    times: int = 0
    code_share: float = 0.0
    story_headings: int = 0
    list_share: float = 0.0
    calls_to_action: int = 0
    share_links: int = 0
    links: int = 0  # links and buttons on the whole page
    binary: bool = False


@dataclass
class Judgement:
    kind: str  # "article", "listing" or "other"
    reason: str  # the feature (or gate) that decided it
    score: float = 0.0  # the page-kind model's logit: an article from 0
    values: dict[str, float] = field(default_factory=dict)  # feature name -> value

    def contributions(self) -> dict[str, float]:
        return ARTICLE_MODEL.contributions(self.values)


def declared(jsonld: JsonLd, meta: MetaTags, itemtypes: list[str]) -> dict[str, bool]:
    """The page's own word on what it is: og:type, JSON-LD and microdata types."""
    og_type = (meta.first("og:type") or "").lower()
    article = jsonld.is_article or og_type == "article" or any(_MICRODATA_ARTICLE.search(t) for t in itemtypes)
    types = jsonld.page_types
    return {
        "declared_article": article,
        "declared_listing": bool(types & LISTING_TYPES) and not jsonld.is_article,
        "declared_website": og_type == "website" and not article,
        "declared_product": bool(types & PRODUCT_TYPES) or og_type.startswith("product")
        or any(_MICRODATA_PRODUCT.search(t) for t in itemtypes),
        "declared_forum": declares_forum(types, itemtypes),
        "declared_faq": "faqpage" in types or any(_MICRODATA_FAQ.search(t) for t in itemtypes),
        "declared_published": bool(jsonld.text("datePublished") or meta.first("article:published_time")),
    }


def declares_forum(types: set[str], itemtypes: list[str]) -> bool:
    """A forum thread or a Q&A page declared in JSON-LD or microdata; an FAQ's questions are not one."""
    if "faqpage" in types and "qapage" not in types:
        types = types - FAQ_ENTRY_TYPES
    if any(_MICRODATA_FAQ.search(t) for t in itemtypes):
        return bool(types & FORUM_TYPES) or any(_MICRODATA_THREAD.search(t) for t in itemtypes)
    return bool(types & FORUM_TYPES) or any(_MICRODATA_FORUM.search(t) for t in itemtypes)


def feature_values(e: Evidence) -> dict[str, float]:
    per_thousand = 1000 / max(e.story_chars, 1)
    return {
        "declared-article": float(e.declared_article),
        "declared-listing": float(e.declared_listing),
        "declared-website": float(e.declared_website),
        "declared-product": float(e.declared_product),
        "declared-forum": float(e.declared_forum),
        "declared-faq": float(e.declared_faq),
        "declared-published": float(e.declared_published),
        "story-text": ramp(e.story_chars, 200, 1000),
        "long-story": ramp(e.story_chars, 1000, 5000),
        "dominant-prose": min(max(e.prose_share, 0.0), 1.0),
        "paragraphs": ramp(e.paragraphs, 1, 4),
        "headline-in-title": float(e.headline_in_title),
        "dated": float(e.dated),
        "byline": float(e.byline),
        "story-url": float(is_article_url(e.url)),
        "dated-url": float(bool(_URL_DATE.search(e.url))),
        "listing-url": float(is_listing_url(e.url)),
        "story-section-url": float(is_story_section_url(e.url)),
        "dated-in-section": float(e.dated and is_story_section_url(e.url)),
        "docs-url": float(is_not_story_url(e.url)),
        "teasers-in-story": min(ramp(e.teasers_in_story * per_thousand, 1.5, 4.0),
                                ramp(e.teasers_in_story / max(e.paragraphs, 1), 0.15, 0.45))
        if e.teasers_in_story >= 3 else 0.0,
        "link-density": ramp(e.story_link_share, 0.2, 0.5),
        "page-links": ramp(e.page_link_share, 0.2, 0.6),
        "posts": ramp(e.posts, 3, 30),
        "bylines": ramp(e.bylines, 2, 10),
        "profile-links": ramp(e.profile_links, 2, 10),
        "times": ramp(e.times, 2, 12),
        "code": ramp(e.code_share, 0.02, 0.2),
        "story-headings": ramp(e.story_headings * per_thousand, 0.5, 3.0),
        "list-text": ramp(e.list_share, 0.1, 0.6),
        "calls-to-action": ramp(e.calls_to_action, 2, 10),
        "share-links": ramp(e.share_links, 0, 3),
        "selling-links": ramp(e.calls_to_action / max(e.links, 1), 0.05, 0.3),
    }


signal_values = feature_values  # the name tests and --explain have used
ARTICLE_MODEL: LinearModel = load_model("page-kind", FEATURES)  # article (logit >= 0) or not
LISTING_MODEL: LinearModel = load_model("listing-kind", FEATURES)  # a page that is not an article: listing or other


def judge(e: Evidence, article_model: LinearModel | None = None, listing_model: LinearModel | None = None) -> Judgement:
    """The page's kind, the deciding reason, and every feature's value (models: the fitted ones unless given)."""
    if e.binary:
        return Judgement("other", "binary")
    article_model, listing_model = article_model or ARTICLE_MODEL, listing_model or LISTING_MODEL
    values = feature_values(e)
    contributions = article_model.contributions(values)
    score = article_model.logit(values)
    if score >= 0 and e.story_chars >= MIN_ARTICLE_CHARS:
        return Judgement("article", max((c, n) for n, c in contributions.items())[1], score, values)
    if not e.story_chars:
        return Judgement("other", "no-text", score, values)  # a listing shows teasers or text
    if e.story_chars < MIN_ARTICLE_CHARS:
        reason = "short-text"
    else:
        reason = min((c, n) for n, c in contributions.items())[1]
    kind = "listing" if listing_model.logit(values) >= 0 else "other"
    return Judgement(kind, reason, score, values)


def measure(page: PageBlocks, index: int, article, shown: bool, jsonld: JsonLd, meta: MetaTags, url: str,
            actions: tuple[int, int, int] = (0, 0, 0)) -> Evidence:
    """The page-kind signals' inputs, from the scan already made (no second pass over the tree; ``actions``,
    the calls to action and share links, were counted before the scan, which drops every ``<button>``)."""
    evidence = Evidence(url, dated=bool(article.published), byline=bool(article.authors),
                        calls_to_action=actions[0], share_links=actions[1],
                        links=actions[2], **declared(jsonld, meta, page.itemtypes))
    body = article.body
    if page.story_links and body:  # the story's prose: a list of links it gives says nothing of the kind
        links = set(page.story_links)
        body = "\n\n".join(paragraph for paragraph in body.split("\n\n") if paragraph not in links)
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


def link_actions(root: Element) -> tuple[int, int, int]:
    """(calls to action, share links, all of them) among the page's links and buttons, menus and footers too: a call
    asks the reader to buy, book or sign up ("Get a free quote"); a share link passes the page on (a
    share bar's icons, which have no label)."""
    calls = shares = links = 0
    for element in root.iter("a", "button"):
        links += 1
        href = element.get("href")
        if href and is_share_link(href):
            shares += 1
            continue
        label = (element.text or "").strip() or text_content(element).strip()
        if label and len(label) <= 40 and _CALL_TO_ACTION.match(label):
            calls += 1
    return calls, shares, links


def is_share_link(href: str) -> bool:
    """A share bar's address; the words every one holds are looked for first, as most links are none."""
    return ("shar" in href or "intent" in href or "submit" in href or "send" in href or "pin/create" in href
            or "wa.me/" in href or href.startswith("mailto:?")) and bool(_SHARE_HREF.search(href))


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


def paywall(marked: bool, jsonld: JsonLd, meta: MetaTags) -> tuple[bool, str]:
    """(paywalled, source): JSON-LD ``isAccessibleForFree: false``, a locked content tier, paywall markup."""
    if jsonld.is_accessible_for_free() is False:
        return True, "jsonld"
    if (meta.first("article:content_tier") or "").lower() in _LOCKED_TIERS:
        return True, "meta"
    if marked:
        return True, "dom"
    return False, ""
