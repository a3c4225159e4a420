"""Deterministic generated articles and archive listings for the demo site's scale mode."""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html import escape

PAGE_SIZE = 50  # links per /archive/ listing page
LAYOUTS = ("wordpress", "arc", "custom")
SECTIONS = (("World", "/world/"), ("Business", "/business/"), ("Culture", "/culture/"))
SITE_NAME = "The Meridian Post"
EPOCH = datetime(2022, 1, 3, 6, 0, tzinfo=UTC)

FIRST = ("Ana", "Tom", "Priya", "Lena", "Marcus", "Sofia", "Omar", "Hannah", "Elena", "Gareth", "Nadia", "Jonas",
         "Claire", "Samuel", "Imogen", "Luis", "Dev", "Rebecca", "Peter", "Ingrid")
LAST = ("Ruiz", "Hale", "Natarajan", "Morris", "Webb", "Lindgren", "Haddad", "Brook", "Varga", "Pryce", "Brooks",
        "Feld", "Dubois", "Okafor", "Clarke", "Ferrer", "Malhotra", "Thorne", "Lang", "Sorensen")
PLACES = ("Port Hallam", "Brisk", "Marlow County", "Alder Creek", "Gull Harbor", "Kettering Row", "Elbridge",
          "Ashford", "Sorrel", "North Tarrow", "Holm", "Linden Field", "Fenwick", "Pine Hollow", "Westgate")
ORGS = ("the city council", "the regional transport authority", "the port operator", "the teachers’ union",
        "the county health department", "a local housing association", "the chamber of commerce",
        "the water utility", "the university", "the state energy regulator", "a community land trust")
PEOPLE = ("Helen Marsh", "Victor Amadi", "Marion Shaw", "Piotr Haas", "Carla Nunes", "Alan Brandt", "Rosa Milic",
          "Idris Bell", "Linda Osei", "Oskar Lind", "Harriet Ames", "Tom Reyes", "Nadia Fermor", "Mateo Grant")
ROLES = ("a spokeswoman for the council", "the authority’s chief executive", "a local business owner",
         "an economist at the Harlow Institute", "the union’s regional secretary", "a resident of 30 years",
         "the project’s lead engineer", "a member of the planning board")
TOPICS = ("a new bus depot", "the school building program", "plans for a riverside park", "a proposed wind farm",
          "the budget for road repairs", "a shortage of affordable housing", "the future of the old market hall",
          "a four-day working week trial", "rising water bills", "the closure of a rural clinic")
NOUNS = ("costs", "delays", "jobs", "rents", "traffic", "emissions", "visitor numbers", "waiting lists")
VERBS = ("approves", "delays", "rejects", "backs", "reviews", "expands", "scraps", "revives")

SENTENCES = (
    "Officials in {place} said on {day} that {org} would take a final decision on {topic} before the end of "
    "the month.",
    "The proposal has divided opinion in {place}, where {nouns} have risen steadily over the past five years.",
    "“We have listened carefully to everyone who wrote to us,” said {person}, {role}. “This is a plan that "
    "reflects what people told us they wanted.”",
    "Critics say the figures do not add up and that {nouns} could rise by as much as {pct} percent.",
    "A report published in {month} found that {org} had underestimated {nouns} by about {num} a year.",
    "Supporters argue that the scheme would bring {num} new jobs to {place} within three years.",
    "“Nobody is pretending this will be easy,” {person} said in an interview on {day}.",
    "The plan will be discussed at a public meeting in {place} next week, and a consultation runs until {month}.",
    "Similar projects elsewhere have taken longer than expected, often because of {nouns} and legal challenges.",
    "{person}, {role}, said the decision could set an example for other towns facing the same pressures.",
    "Residents who spoke to The Meridian Post were broadly supportive but worried about {nouns}.",
    "The total cost is estimated at {money} million, about a third of which would come from national grants.",
    "Work could begin as early as {month} if the plan is approved without changes.",
    "Figures from {org} show that {nouns} in {place} are now {pct} percent higher than a decade ago.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
CREDITS = (("(EFE)", "EFE"), ("Photo: Reuters", "Reuters"), ("Credit: Jane Smith/AP", "Jane Smith/AP"),
           ("© AFP", "AFP"), ("Photograph: Getty Images", "Getty Images"))
# Images that exist in site/, so every generated <img> resolves.
IMAGES = ("/images/2023/11/floodwater-rail-line-brisk-640x360.png",
          "/images/2024/01/cranes-container-ship-elbridge-640x360.png",
          "/images/2023/06/lindqvist-prize-winners-640x360.png",
          "/images/2024/03/cargo-ships-anchor-port-hallam-600x338.png",
          "/wp-content/uploads/2023/08/redstone-fire-smoke-alder-creek-640x360.png")


@dataclass(frozen=True)
class Caption:
    """A generated photo caption; `after` is the paragraph index it follows."""

    text: str
    credit_display: str
    credit: str
    image: str
    after: int


@dataclass(frozen=True)
class GeneratedArticle:
    """One generated article: every field is derived from its number alone."""

    number: int
    path: str
    layout: str
    section: str
    section_path: str
    headline: str
    dek: str
    authors: tuple[str, ...]
    published: str
    modified: str | None
    paragraphs: tuple[str, ...]
    captions: tuple[Caption, ...]


def article_path(number: int) -> str:
    return f"/archive/gen/{number:05d}/"


def make_article(number: int) -> GeneratedArticle:
    """Build article `number` from a RNG seeded by the number, so any page can be made on its own."""
    rng = random.Random(f"meridian-gen-{number}")
    layout = LAYOUTS[(number - 1) % 3]
    section, section_path = SECTIONS[rng.randrange(3)]
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    headline = f"{place}: {rng.choice(ORGS).replace('the ', '', 1).capitalize()} {rng.choice(VERBS)} {topic}"
    authors = tuple(dict.fromkeys(f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.choice((1, 1, 2, 3)))))

    def fill(template: str) -> str:
        return template.format(
            place=place, topic=topic, org=rng.choice(ORGS), person=rng.choice(PEOPLE), role=rng.choice(ROLES),
            nouns=rng.choice(NOUNS), day=rng.choice(DAYS), month=rng.choice(MONTHS), pct=rng.randint(3, 40),
            num=f"{rng.randint(12, 900):,}", money=rng.randint(4, 250))

    paragraphs = tuple(" ".join(fill(rng.choice(SENTENCES)) for _ in range(rng.randint(3, 4)))
                       for _ in range(rng.randint(7, 10)))
    captions = tuple(Caption(f"A view of {place} on {rng.choice(DAYS)}.", *rng.choice(CREDITS), rng.choice(IMAGES),
                             rng.randrange(len(paragraphs) - 1)) for _ in range(rng.randint(0, 2)))
    when = EPOCH + timedelta(hours=7 * number, minutes=rng.randrange(60), seconds=rng.randrange(60),
                             milliseconds=rng.randrange(1000))
    # Arc always sends dateModified, the custom CMS never shows one, WordPress only after an edit.
    edited = {"arc": True, "custom": False}.get(layout, rng.random() < 0.5)
    later = when + timedelta(hours=rng.randint(1, 30)) if edited else None
    published, modified = _date(when, layout), (_date(later, layout) if later else None)
    return GeneratedArticle(number, article_path(number), layout, section, section_path, headline,
                            f"What {topic} means for {place}.", authors, published, modified, paragraphs,
                            tuple(sorted(captions, key=lambda c: c.after)))


def _date(when: datetime, layout: str) -> str:
    """Each layout writes dates the way its CMS does (see expected.json notes)."""
    if layout == "arc":
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return when.replace(microsecond=0).astimezone(timezone(timedelta(hours=-5))).isoformat()


def expected_article(number: int) -> dict[str, object]:
    """The expected.json-shaped entry for generated article `number`."""
    a = make_article(number)
    return {"headline": a.headline, "authors": list(a.authors), "published": a.published, "modified": a.modified,
            "language": "en", "section": a.section, "site_name": SITE_NAME,
            "captions": [{"text": c.text, "credit": c.credit, "image": c.image} for c in a.captions],
            "translations": [], "body_first": a.paragraphs[0], "body_last": a.paragraphs[-1],
            "body_paragraphs": len(a.paragraphs), "subheadings": [], "layout": a.layout,
            "not_in_body": ["Advertisement", "Related", "We use cookies", "Share"]}


# ---------------------------------------------------------------------------------------------- rendering
def _chrome(title: str, head: str, body: str, body_class: str = "") -> str:
    nav = "".join(f'<li><a href="{p}">{n}</a></li>' for n, p in (("Home", "/"), *SECTIONS))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{head}<link rel="stylesheet" href="/assets/css/main.css"></head>
<body class="{body_class}"><a class="skip-link screen-reader-text" href="#main">Skip to content</a>
<header class="site-header"><a href="/"><img src="/images/logo.png" alt="{SITE_NAME}" width="300" height="60"></a>
<nav class="main-navigation"><ul class="menu">{nav}<li><a href="/archive/">Archive</a></li></ul></nav></header>
{body}
<footer class="site-footer"><a href="/about/">About us</a> · <a href="/contact/">Contact</a> ·
<a href="/feed.xml">RSS</a><p>&copy; 2024 {SITE_NAME}</p></footer>
<div id="cookie-notice"><span>We use cookies to ensure that we give you the best experience on our website.</span>
<a href="#">Ok</a></div>
</body></html>
"""


def _figure(c: Caption, layout: str) -> str:
    img = f'<img src="{c.image}" alt="{escape(c.text)}" width="640" height="360" loading="lazy">'
    text, credit = escape(c.text), escape(c.credit_display)
    if layout == "wordpress":
        return f'<figure class="wp-block-image size-large">{img}<figcaption>{text} {credit}</figcaption></figure>'
    if layout == "arc":
        return (f'<figure class="c-media-item-4ab b-article-body__image-block">{img}<figcaption>'
                f'<span class="c-media-item__caption-9c1">{text}</span> '
                f'<span class="c-media-item__credit-2f0">{credit}</span></figcaption></figure>')
    return f'<div class="photo">{img}<span class="caption">{text} {credit}</span></div>'


def _body(a: GeneratedArticle, p_class: str) -> str:
    out = []
    for i, text in enumerate(a.paragraphs):
        out.append(f"<p{p_class}>{escape(text)}</p>")
        out.extend(_figure(c, a.layout) for c in a.captions if c.after == i)
        if i == 2:
            out.append('<div class="ad-slot"><span class="ad-label">Advertisement</span></div>')
    return "\n".join(out)


def _related(a: GeneratedArticle, scale: int) -> str:
    numbers = sorted({(a.number + k * 37 - 1) % scale + 1 for k in (1, 2, 3)} - {a.number})
    links = "".join(f'<li><a href="{article_path(n)}">{escape(make_article(n).headline)}</a></li>' for n in numbers)
    return f'<section class="related-posts"><h3>Related</h3><ul>{links}</ul></section>'


def _jsonld(data: object) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _wordpress(a: GeneratedArticle, url: str, scale: int) -> tuple[str, str]:
    people = [{"@type": "Person", "@id": f"__SITE__/#/schema/person/{_slug(n)}", "name": n} for n in a.authors]
    article = {"@type": "Article", "@id": url + "#article", "headline": a.headline, "datePublished": a.published,
               "author": [{"@id": p["@id"]} for p in people], "articleSection": [a.section],
               "publisher": {"@id": "__SITE__/#organization"}}
    if a.modified:
        article["dateModified"] = a.modified
    graph = [article, {"@type": "Organization", "@id": "__SITE__/#organization", "name": SITE_NAME}, *people]
    head = (f'<meta property="article:published_time" content="{a.published}">\n'
            f'<script type="application/ld+json" class="yoast-schema-graph">'
            f'{_jsonld({"@context": "https://schema.org", "@graph": graph})}</script>\n')
    byline = " and ".join(f'<span class="author vcard"><a class="url fn n" rel="author" href="/about/">{escape(n)}</a>'
                          f"</span>" for n in a.authors)
    main = (f'<article class="post type-post status-publish hentry"><header class="entry-header">'
            f'<h1 class="entry-title">{escape(a.headline)}</h1><div class="entry-meta">by {byline} '
            f'<time class="entry-date published" datetime="{a.published}">{a.published[:10]}</time></div></header>'
            f'<div class="entry-content">\n{_body(a, "")}\n</div></article>{_share(url)}{_related(a, scale)}'
            '<div id="respond"><h3 class="comment-reply-title">Leave a Reply</h3>'
            '<form action="/wp-comments-post.php" method="post"><textarea name="comment"></textarea>'
            '<input type="submit" value="Post Comment"></form></div>')
    return head, main


def _arc(a: GeneratedArticle, url: str, scale: int) -> tuple[str, str]:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.headline,
          "datePublished": a.published, "dateModified": a.modified,
          "author": [{"@type": "Person", "name": n} for n in a.authors], "articleSection": a.section,
          "publisher": {"@type": "NewsMediaOrganization", "name": SITE_NAME},
          "image": [f"__SITE__{c.image}" for c in a.captions], "articleBody": " ".join(a.paragraphs)}
    fusion = {"_id": f"GEN{a.number:08d}", "headlines": {"basic": a.headline}, "display_date": a.published}
    paragraph = ' class="c-paragraph-3kl b-article-body__paragraph"'
    main = (f'<div id="fusion-app"><div class="c-stack-1a2 b-article-header">'
            f'<h1 class="c-heading-1x9 b-headline">{escape(a.headline)}</h1>'
            f'<div class="c-attribution-2e1 b-byline">By {_names(a.authors)}</div>'
            f'<time datetime="{a.published}">{a.published[:10]}</time>{_share(url)}</div>'
            f'<article class="c-stack-9df b-article-body">\n{_body(a, paragraph)}\n</article>{_related(a, scale)}</div>'
            f'<script id="fusion-metadata">window.Fusion=window.Fusion||{{}};Fusion.globalContent={_jsonld(fusion)};'
            f"</script>")
    return f'<script type="application/ld+json">{_jsonld(ld)}</script>\n', main


def _custom(a: GeneratedArticle, url: str, scale: int) -> tuple[str, str]:
    head = (f'<meta name="author" content="{escape(", ".join(a.authors))}">\n'
            f'<meta name="date" content="{a.published}">\n')
    main = (f'<div id="left-col"><div class="breadcrumb"><a href="/">Home</a> &rsaquo; '
            f'<a href="{a.section_path}">{a.section}</a></div><h1 class="headline">{escape(a.headline)}</h1>'
            f'<p class="byline">By {_names(a.authors)} | {a.published[:10]}</p>'
            f'<div class="story-body">\n{_body(a, "")}\n</div>{_related(a, scale)}{_share(url)}</div>')
    return head, main


def _slug(name: str) -> str:
    return re.sub(r"\W+", "-", name.lower())


def _names(authors: tuple[str, ...]) -> str:
    return escape(authors[0] if len(authors) == 1 else ", ".join(authors[:-1]) + " and " + authors[-1])


def _share(url: str) -> str:
    return (f'<div class="share-bar">Share: <a href="https://twitter.com/intent/tweet?url={url}">Twitter</a> '
            f'<a href="https://www.facebook.com/sharer/sharer.php?u={url}">Facebook</a></div>')


_LAYOUTS = {"wordpress": (_wordpress, "post-template-default single single-post"), "arc": (_arc, "arc"),
            "custom": (_custom, "story")}


def render_article(a: GeneratedArticle, scale: int) -> str:
    url = f"__SITE__{a.path}"
    build, body_class = _LAYOUTS[a.layout]
    head, main = build(a, url, scale)
    head = f'<link rel="canonical" href="{url}">\n<meta property="og:site_name" content="{SITE_NAME}">\n' + head
    return _chrome(f"{a.headline} - {SITE_NAME}", head, f'<main id="main">{main}</main>', body_class)


def page_count(scale: int) -> int:
    return max(1, math.ceil(scale / PAGE_SIZE))


def listing_path(page: int) -> str:
    return "/archive/" if page == 1 else f"/archive/page/{page}/"


def render_listing(page: int, scale: int) -> str:
    first = (page - 1) * PAGE_SIZE + 1
    articles = [make_article(n) for n in range(first, min(first + PAGE_SIZE, scale + 1))]
    items = "\n".join(f'<li class="teaser"><a href="{a.path}">{escape(a.headline)}</a> '
                      f'<p class="teaser__dek">{escape(a.dek)}</p></li>' for a in articles)
    pages = page_count(scale)
    nav = "".join(f' <a class="{cls}" href="{listing_path(p)}">{label}</a>' for cls, p, label in
                  (("prev", page - 1, "Newer"), ("next", page + 1, "Older")) if 1 <= p <= pages)
    body = (f'<main id="main"><h1 class="page-title">Archive – page {page} of {pages}</h1>'
            f'<ol class="archive-list">\n{items}\n</ol><nav class="pagination">{nav}</nav></main>')
    head = f'<link rel="canonical" href="__SITE__{listing_path(page)}">\n'
    return _chrome(f"Archive – {SITE_NAME}", head, body, "archive")


def sitemap_entries(scale: int) -> str:
    entries = []
    for n in range(1, scale + 1):
        a = make_article(n)
        entries.append(f"  <url>\n    <loc>__SITE__{a.path}</loc>\n    <lastmod>{a.modified or a.published}</lastmod>\n"
                       "  </url>\n")
    return "".join(entries)


_PATH = re.compile(r"/archive/(?:gen/(\d{5,})/|page/(\d+)/|)")


def render(path: str, scale: int) -> str | None:
    """The HTML for a scale-mode path, or None when the path isn't one (or is out of range)."""
    match = _PATH.fullmatch(path)
    if scale <= 0 or match is None:
        return None
    if match.group(1):
        number = int(match.group(1))
        ok = 1 <= number <= scale and article_path(number) == path  # one URL per article
        return render_article(make_article(number), scale) if ok else None
    page = int(match.group(2) or 1)
    return render_listing(page, scale) if 1 <= page <= page_count(scale) and path == listing_path(page) else None
