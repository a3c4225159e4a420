"""Article extraction: pure functions from page bytes to an ``Article`` record (no Scrapy here)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from archiver.extract.text import Element, clean

from archiver.extract import authors as _authors
from archiver.extract import dates as _dates
from archiver.extract.blocks import scan
from archiver.extract.body import drop_promo_boxes, extract_dom_body
from archiver.extract.captions import extract_captions, image_url
from archiver.extract.headline import choose_headline, h1_text
from archiver.extract.jsonld import JsonLd
from archiver.extract.links import primary_language, translations
from archiver.extract.meta import MetaTags, link_href
from archiver.extract.parse import parse_html
from archiver.items import Article

__all__ = ["EXTRACTOR_VERSION", "PageAnalysis", "analyze_page", "article_body", "extract_article"]

# Bump when a change to extraction can change a record (reextract --since-version uses it).
EXTRACTOR_VERSION = "0.1.0"

# A page is an article if it says so and has this much body, or has a date and more body.
MIN_DECLARED_ARTICLE_CHARS = 150
MIN_UNDECLARED_ARTICLE_CHARS = 500
# An undeclared page with this many teasers (linked headings, <article> cards) is a listing.
MIN_LISTING_TEASERS = 4


@dataclass
class PageAnalysis:
    """What a page is (``article``, ``listing``, ``other``) and the record extracted from it."""

    kind: str
    article: Article


def extract_article(html: bytes | str, url: str, encoding: str | None = None) -> Article:
    """Extract the article record of one page. Never raises on bad input."""
    return analyze_page(html, url, encoding=encoding).article


def article_body(html: str, url: str) -> str:
    """Body text only (the benchmark's ``module:function`` interface)."""
    return extract_article(html, url).body


def analyze_page(html: bytes | str, url: str, encoding: str | None = None) -> PageAnalysis:
    tree = parse_html(html, encoding)
    return _analyze_tree(tree, url)


def _analyze_tree(tree: Element, url: str) -> PageAnalysis:
    jsonld = JsonLd.from_tree(tree)
    meta = MetaTags(tree)
    article = Article(url=url)
    prov = article.provenance

    def put(field: str, value: object, source: str) -> None:
        if value not in (None, "", []):
            setattr(article, field, value)
            prov[field] = source

    # -- identity and site
    canonical = link_href(tree, "canonical", url)
    put("canonical_url", canonical, "meta")
    if not canonical:
        put("canonical_url", _absolute(url, meta.first("og:url") or jsonld.text("url")), "meta")
    put("site_name", meta.first("og:site_name"), "meta")
    publisher = jsonld.names("publisher")
    if publisher:
        put("publisher", clean(publisher[0][0]), "jsonld")
        if not article.site_name:
            put("site_name", clean(publisher[0][0]), "jsonld")

    # -- headline
    headline, source = choose_headline(
        jsonld.text("headline") or jsonld.text("name"),
        meta.first("og:title", "twitter:title"),
        h1_text(tree),
        clean(tree.findtext(".//title")) or None,
        [article.site_name or "", article.publisher or ""],
    )
    put("headline", headline, source)

    # -- people and dates (before pruning: bylines live in page furniture)
    people, organisations = _authors.authors_from_jsonld(jsonld.names("author"))
    if people:
        put("authors", people, "jsonld")
    else:
        meta_authors = meta.all("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
        put("authors", _dedupe([name for value in meta_authors if not value.startswith("http")
                                for name in _authors.split_authors(value)]), "meta")
        if not article.authors:
            put("authors", _authors.authors_from_dom(tree), "dom")
    if organisations and not article.publisher:
        put("publisher", organisations[0], "jsonld")

    put("published", _dates.normalize_date(jsonld.text("datePublished")), "jsonld")
    if not article.published:
        put("published", _dates.normalize_date(meta.first(*_dates.PUBLISHED_META)), "meta")
    if not article.published:
        put("published", _dates.time_element_date(tree) or _dates.byline_date(tree), "dom")
    if not article.published:
        put("published", _dates.date_from_url(url), "url")
    put("modified", _dates.normalize_date(jsonld.text("dateModified")), "jsonld")
    if not article.modified:
        put("modified", _dates.normalize_date(meta.first(*_dates.MODIFIED_META)), "meta")
    if not article.modified:
        put("modified", _dates.time_element_date(tree, modified=True) or _dates.byline_date(tree, modified=True),
            "dom")

    # -- language, section, tags, description
    html_lang = primary_language(tree.get("lang") or tree.get("xml:lang"))
    put("language", html_lang, "dom")
    if not article.language:
        put("language", primary_language(meta.first("og:locale", "content-language", "language")), "meta")
    if not article.language:
        put("language", primary_language(jsonld.text("inLanguage")), "jsonld")
    put("section", jsonld.text("articleSection"), "jsonld")
    if not article.section:
        put("section", meta.first("article:section", "section", "parsely-section"), "meta")
    put("tags", _keywords(jsonld.get("keywords")), "jsonld")
    if not article.tags:
        put("tags", _dedupe(meta.all("article:tag") or _split_keywords(meta.first("news_keywords", "keywords"))),
            "meta")
    put("description", meta.first("og:description", "description", "twitter:description"), "meta")
    if not article.description:
        put("description", jsonld.text("description"), "jsonld")
    found_translations, translation_anchors = translations(tree, url, article.language, article.canonical_url or url)
    put("translations", found_translations, "dom")

    # -- images and captions (captions before pruning removes figures)
    lead = meta.first("og:image", "twitter:image")
    put("lead_image", _absolute(url, lead), "meta")
    if not article.lead_image:
        put("lead_image", _absolute(url, _jsonld_image(jsonld.get("image"))), "jsonld")
    body_root = tree.find("body")
    body_root = body_root if body_root is not None else tree
    teasers = _count_teasers(body_root)
    drop_promo_boxes(translation_anchors)
    page = scan(body_root)
    put("captions", extract_captions(page.captions, url), "dom")

    # -- body
    access = jsonld.is_accessible_for_free()
    dom_body, scope = extract_dom_body(page, article.headline)
    structured_body = clean_structured_body(jsonld.text("articleBody"))
    if dom_body and (not structured_body or len(dom_body) >= 0.6 * len(structured_body)):
        put("body", dom_body, "dom")
    elif structured_body:
        put("body", structured_body, "jsonld")
    captions_text = {c["text"] for c in article.captions}
    if captions_text and article.body:
        article.body = "\n\n".join(p for p in article.body.split("\n\n") if p not in captions_text)
    images = [c["image_url"] for c in article.captions if c["image_url"]]
    if scope is not None:
        images += [u for u in (image_url(img, url) for img in scope.iter("img")) if u]
    put("images", _dedupe(([article.lead_image] if article.lead_image else []) + images), "dom")
    article.paywalled = access is False
    if access is False:
        prov["paywalled"] = "jsonld"
    if structured_body and len(article.body) < 0.6 * len(structured_body):
        article.truncated = True

    return PageAnalysis(kind=_page_kind(article, jsonld, meta, teasers), article=article)


def _count_teasers(root: Element) -> int:
    """Linked headings and ``<article>`` cards: many of them make a listing page."""
    linked_headings = sum(1 for h in root.iter("h2", "h3", "h4") if h.find(".//a[@href]") is not None)
    return max(linked_headings, sum(1 for _ in root.iter("article")))


def _page_kind(article: Article, jsonld: JsonLd, meta: MetaTags, teasers: int) -> str:
    declared = jsonld.is_article or (meta.first("og:type") or "").lower() == "article"
    paragraphs = article.body.count("\n\n") + 1 if article.body else 0
    if declared and len(article.body) >= MIN_DECLARED_ARTICLE_CHARS:
        return "article"
    if teasers >= MIN_LISTING_TEASERS:
        return "listing"
    if article.published and len(article.body) >= MIN_UNDECLARED_ARTICLE_CHARS and paragraphs >= 3:
        return "article"
    return "listing" if paragraphs and not declared else "other"


def clean_structured_body(text: str | None) -> str:
    if not text:
        return ""
    paragraphs = [clean(line) for line in text.replace("\r", "\n").split("\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _absolute(base: str, href: str | None) -> str | None:
    return urljoin(base, href.strip()) if href and href.strip() else None


def _jsonld_image(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value if isinstance(value, str) else None


def _split_keywords(value: str | None) -> list[str]:
    return [clean(k) for k in (value or "").split(",") if clean(k)]


def _keywords(value: object) -> list[str]:
    if isinstance(value, str):
        return _dedupe(_split_keywords(value))
    if isinstance(value, list):
        return _dedupe([clean(k) for k in value if isinstance(k, str) and clean(k)])
    return []


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
