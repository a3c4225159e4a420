"""What a page is (article, listing, other), from named signals with visible weights; and its paywall.

Each signal is a value between 0 and 1 measured on the one parse of the page (``Evidence``); the
page's score is the sum of value x weight. Metadata (og:type, JSON-LD and microdata types) weighs
most when a page has it; without it a page is still an article when a reader would call it one:
one dominant run of prose under a headline the ``<title>`` repeats, with a date or byline, few
links in the story and no list of teasers in it. The URL's shape is one small signal among these.
``judge`` returns the kind, the signal that decided it (its *reason*) and every contribution, which
``archiver extract --explain`` prints and crawl stats count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from archiver.extract.jsonld import JsonLd
from archiver.extract.meta import MetaTags

# The page node's own type: a "WebSite" node describes the site (Yoast puts one on every page), not the page.
LISTING_TYPES = {"collectionpage", "searchresultspage", "profilepage"}
_MICRODATA_ARTICLE = re.compile(r"schema\.org/(?:\w*Article|BlogPosting|Report|Review)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float
    meaning: str


# The signals, strongest first. Positive weights say "article", negative "listing".
SIGNALS: tuple[Signal, ...] = (
    Signal("declared-article", 6.0, "og:type article, or a JSON-LD / microdata Article type"),
    Signal("declared-listing", -10.0, "a JSON-LD CollectionPage, SearchResultsPage or ProfilePage"),
    Signal("declared-website", -3.0, "og:type website: the page says it is a site's page, not a story"),
    Signal("story-text", 4.0, "length of the story text: 0 up to 200 characters, 1 from 1,000"),
    Signal("dominant-prose", 1.5, "share of the page's paragraph text that is in the story"),
    Signal("paragraphs", 1.0, "paragraphs in the story: 0 for one, 1 from four"),
    Signal("headline-in-title", 1.5, "a heading of 4+ words, not a link, that the <title> repeats "
           "(or, when the <title> names only the site, the line the story starts under)"),
    Signal("dated", 1.0, "a publication date (metadata or a dateline)"),
    Signal("byline", 1.0, "an author (metadata or a byline)"),
    Signal("story-url", 0.5, "URL ends in a slug, an id or a page file"),
    Signal("listing-url", -3.0, "URL of a home, section, tag, author, search or page-N listing"),
    Signal("teasers-in-story", -5.0, "headline links with a summary in the story (3+): per 1,000 characters "
                                     "1.5 to 4, per paragraph 0.15 to 0.45"),
    Signal("link-density", -4.0, "share of link text in the story: 0 up to 20 %, 1 from 50 %"),
)
WEIGHTS = {signal.name: signal.weight for signal in SIGNALS}
# A page scoring at least this much is an article.
ARTICLE_SCORE = 4.0
# Fewer teasers than this in a story are a related-links box, not a list.
MIN_TEASERS = 3
# Below this much story text nothing makes an article (a photo page, a stub, an error page).
MIN_ARTICLE_CHARS = 150
MIN_UNDECLARED_CHARS = 150  # when no metadata says "article" (a photo gallery says little)
# A non-article with this much pull from listing signals is a listing; the rest is "other".
LISTING_PULL = -1.5

# Paths of section, tag, author, search and archive pages.
_LISTING_PATH = re.compile(
    r"^/(?:[\w-]+/)*(?:tags?|category|categories|topics?|authors?|autor|autores|search|buscar|suche|"
    r"seccion|secciones|etiqueta|etiquetas|thema|themen|schlagwort|kategorie|archives?)(?:/[\w%.+-]*)?/?$"
    r"|/page/\d+/?$",
    re.IGNORECASE,
)
# CJK scripts say in one character what alphabets say in about three.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
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


def text_weight(text: str) -> int:
    """Length in Latin-script characters: CJK characters count three."""
    return len(text) + 2 * len(_CJK.findall(text)) if text else 0


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
    declared_article: bool = False
    declared_listing: bool = False
    declared_website: bool = False
    binary: bool = False


@dataclass
class Judgement:
    kind: str  # "article", "listing" or "other"
    reason: str  # the signal (or gate) that decided it
    score: float = 0.0
    values: dict[str, float] = field(default_factory=dict)  # signal name -> value in [0, 1]

    def contributions(self) -> dict[str, float]:
        return {name: value * WEIGHTS[name] for name, value in self.values.items()}


def declared(jsonld: JsonLd, meta: MetaTags, itemtypes: list[str]) -> tuple[bool, bool, bool]:
    """(declared article, declared listing, declared website) from og:type, JSON-LD and microdata."""
    og_type = (meta.first("og:type") or "").lower()
    article = jsonld.is_article or og_type == "article" or any(_MICRODATA_ARTICLE.search(t) for t in itemtypes)
    listing = bool(jsonld.page_types & LISTING_TYPES) and not jsonld.is_article
    return article, listing, og_type == "website" and not article


def _ramp(value: float, low: float, high: float) -> float:
    """0 at ``low`` or below, 1 at ``high`` or above, linear between."""
    if value <= low:
        return 0.0
    return 1.0 if value >= high else (value - low) / (high - low)


def signal_values(e: Evidence) -> dict[str, float]:
    return {
        "declared-article": float(e.declared_article),
        "declared-listing": float(e.declared_listing),
        "declared-website": float(e.declared_website),
        "story-text": _ramp(e.story_chars, 200, 1000),
        "dominant-prose": min(max(e.prose_share, 0.0), 1.0),
        "paragraphs": _ramp(e.paragraphs, 1, 4),
        "headline-in-title": float(e.headline_in_title),
        "dated": float(e.dated),
        "byline": float(e.byline),
        "story-url": float(is_article_url(e.url)),
        "listing-url": float(is_listing_url(e.url)),
        "teasers-in-story": min(_ramp(1000 * e.teasers_in_story / max(e.story_chars, 1), 1.5, 4.0),
                                _ramp(e.teasers_in_story / max(e.paragraphs, 1), 0.15, 0.45))
        if e.teasers_in_story >= MIN_TEASERS else 0.0,
        "link-density": _ramp(e.story_link_share, 0.2, 0.5),
    }


def judge(e: Evidence) -> Judgement:
    """The page's kind, the deciding reason, and the score from each signal."""
    if e.binary:
        return Judgement("other", "binary")
    values = signal_values(e)
    contributions = {name: value * WEIGHTS[name] for name, value in values.items()}
    score = sum(contributions.values())
    pull = sum(c for c in contributions.values() if c < 0)
    enough = e.story_chars >= (MIN_ARTICLE_CHARS if e.declared_article else MIN_UNDECLARED_CHARS)
    if score >= ARTICLE_SCORE and enough:
        reason = max((c, n) for n, c in contributions.items())[1]
        return Judgement("article", reason, score, values)
    if not e.story_chars:
        return Judgement("other", "no-text", score, values)  # a listing shows teasers or text
    if pull <= LISTING_PULL:
        return Judgement("listing", min((c, n) for n, c in contributions.items())[1], score, values)
    reason = "low-score" if enough else "short-text"
    return Judgement("other", reason, score, values)


def paywall(marked: bool, jsonld: JsonLd, meta: MetaTags) -> tuple[bool, str]:
    """(paywalled, source): JSON-LD ``isAccessibleForFree: false``, a locked content tier, paywall markup."""
    if jsonld.is_accessible_for_free() is False:
        return True, "jsonld"
    if (meta.first("article:content_tier") or "").lower() in _LOCKED_TIERS:
        return True, "meta"
    if marked:
        return True, "dom"
    return False, ""
