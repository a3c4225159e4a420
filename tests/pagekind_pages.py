"""Listing and article pages written for the page-kind tests (no corpus page is copied here).

Markup follows the layouts news sites use (and used): teaser lists, paginated archives, a front with
one long teaser and many short ones, a live-blog index, a WordPress category page, an old table-layout
section front; and articles with no metadata at all (table layouts, <br><br> paragraphs, related-story
boxes). Text comes from a seeded generator, so every run builds the same pages.
"""

from __future__ import annotations

import random
from html import escape

_SUBJECTS = ["City council", "Harbour workers", "The regional health board", "Local farmers", "Rail unions",
             "A county judge", "School governors", "Fire crews", "The water authority", "Shop owners",
             "The football club", "Museum trustees", "Bus drivers", "The port authority", "Hospital staff"]
_VERBS = ["approve", "reject", "delay", "question", "back", "plan", "warn over", "celebrate", "review", "fund"]
_OBJECTS = ["new budget for bridge repairs", "plan to close the night ferry", "rise in parking charges",
            "ten-year flood defence scheme", "merger of two village schools", "summer festival programme",
            "cuts to the late bus service", "expansion of the river path", "stadium lighting upgrade",
            "restoration of the old mill", "pay offer after long talks", "ban on cars near the market"]
_CLAUSES = ["after a meeting that ran late into the evening", "despite objections from residents",
            "following months of consultation", "as the deadline for a decision approached",
            "in a vote that split the committee", "while questions remain about the cost",
            "according to figures published on Tuesday", "with support from neighbouring councils",
            "although details have yet to be confirmed", "amid concern about the winter weather"]
_PEOPLE = ["Margaret Ellison", "Tom Okonjo", "Hari Desai", "Lucy Brennan", "Pavel Novak", "Aisha Rahman",
           "Daniel Frost", "Nora Quinn", "Felix Amadi", "Grace Whitlow"]
_MONTHS = ["January", "February", "March", "April", "May", "June"]


class Writer:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def headline(self) -> str:
        r = self.rng
        return f"{r.choice(_SUBJECTS)} {r.choice(_VERBS)} {r.choice(_OBJECTS)}"

    def sentence(self) -> str:
        r = self.rng
        person = r.choice(_PEOPLE)
        forms = [
            f"{r.choice(_SUBJECTS)} said they would {r.choice(_VERBS)} the {r.choice(_OBJECTS)} {r.choice(_CLAUSES)}.",
            f"\u201cWe have listened carefully, and we think this is the right decision,\u201d said {person}, "
            f"who has followed the issue for several years.",
            f"The {r.choice(_OBJECTS)} is expected to cost more than {r.randint(2, 90)} million pounds, "
            f"{r.choice(_CLAUSES)}.",
            f"{person} told reporters that the {r.choice(_OBJECTS)} would be discussed again next month.",
            f"Critics argue that the {r.choice(_OBJECTS)} leaves many questions unanswered, "
            f"{r.choice(_CLAUSES)}.",
        ]
        return r.choice(forms)

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def summary(self) -> str:
        return self.sentence()

    def date(self) -> str:
        return f"{self.rng.choice(_MONTHS)} {self.rng.randint(1, 28)}, 2008"


def _page(title: str, body: str, head: str = "", body_attrs: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{escape(title)}</title>{head}</head>"
            f"<body{body_attrs}>{body}</body></html>")


_NAV = ('<div id="nav"><a href="/">Home</a> | <a href="/news/">News</a> | <a href="/sport/">Sport</a> | '
        '<a href="/business/">Business</a> | <a href="/opinion/">Opinion</a> | <a href="/contact/">Contact</a></div>')
_FOOTER = ('<div id="footer"><p>Copyright 2008 The Valley Courier. All rights reserved. '
           '<a href="/privacy/">Privacy</a> <a href="/terms/">Terms</a></p></div>')


def _slug(text: str) -> str:
    return "-".join(text.lower().split())[:60]


def teaser_list(w: Writer, n: int, dated: bool) -> str:
    items = "".join(
        f'<div class="story"><h2><a href="/news/{_slug(h)}-{i}.html">{escape(h)}</a></h2>'
        f'<p class="dek">{escape(w.summary())}</p>'
        + (f'<span class="date">{w.date()}</span>' if dated else "") + "</div>"
        for i, h in enumerate(w.headline() for _ in range(n)))
    return _page("Local news - The Valley Courier", f"{_NAV}<h1>Local news</h1>{items}{_FOOTER}")


def paginated_archive(w: Writer, n: int, page: int) -> str:
    items = "".join(
        f'<li><a href="/news/{_slug(h)}-{i}.html">{escape(h)}</a> &mdash; <em>{w.date()}</em><br>'
        f'{escape(w.summary())}</li>' for i, h in enumerate(w.headline() for _ in range(n)))
    pages = " ".join(f'<a href="/archive/?page={p}">{p}</a>' for p in range(1, 9))
    return _page(f"Archive - page {page} - The Valley Courier",
                 f"{_NAV}<h1>News archive</h1><p>Page {page} of 8</p><ul class=\"archive\">{items}</ul>"
                 f'<div class="pages">{pages} <a href="/archive/?page={page + 1}">Next &raquo;</a></div>{_FOOTER}')


def long_and_short_teasers(w: Writer, n: int) -> str:
    lead = w.headline()
    lead_text = "".join(f"<p>{escape(w.paragraph(3))}</p>" for _ in range(3))
    rest = "".join(f'<div class="teaser"><h3><a href="/news/{_slug(h)}.html">{escape(h)}</a></h3>'
                   f'<p>{escape(w.summary())}</p></div>' for h in (w.headline() for _ in range(n)))
    return _page("The Valley Courier - News from the valley",
                 f'{_NAV}<div id="main"><div class="lead"><h2><a href="/news/{_slug(lead)}.html">{escape(lead)}</a>'
                 f'</h2>{lead_text}<p><a href="/news/{_slug(lead)}.html">Continue reading &raquo;</a></p></div>'
                 f"{rest}</div>{_FOOTER}")


def live_blog_index(w: Writer, n: int) -> str:
    items = "".join(
        f'<article class="live-entry"><time>{w.rng.randint(8, 22)}:{w.rng.randint(10, 59)}</time>'
        f'<h3><a href="/live/{_slug(h)}">Live: {escape(h)}</a></h3><p>{escape(w.summary())}</p>'
        f'<a href="/live/{_slug(h)}">Follow the updates</a></article>' for h in (w.headline() for _ in range(n)))
    return _page("Live coverage | The Valley Courier", f"{_NAV}<h1>Live coverage</h1><section>{items}</section>{_FOOTER}")


def wordpress_category(w: Writer, n: int) -> str:
    posts = "".join(
        f'<article class="post type-post status-publish format-standard hentry category-sport">'
        f'<header class="entry-header"><h2 class="entry-title"><a href="/{_slug(h)}/" rel="bookmark">{escape(h)}'
        f'</a></h2><div class="entry-meta"><span class="posted-on">Posted on <a href="/{_slug(h)}/">'
        f'<time class="entry-date published">{w.date()}</time></a></span> <span class="byline">by '
        f'<a class="url fn n" href="/author/{_slug(p)}/">{p}</a></span></div></header>'
        f'<div class="entry-summary"><p>{escape(w.paragraph(2))} [&hellip;]</p></div>'
        f'<footer class="entry-footer"><a href="/{_slug(h)}/#respond">Leave a comment</a></footer></article>'
        for h, p in ((w.headline(), w.rng.choice(_PEOPLE)) for _ in range(n)))
    sidebar = ('<aside id="secondary" class="widget-area"><section class="widget"><h2 class="widget-title">'
               'Recent Posts</h2><ul>' + "".join(f"<li><a href=\"/{i}/\">{escape(w.headline())}</a></li>"
                                                 for i in range(5)) + "</ul></section></aside>")
    return _page("Sport Archives - Valley Courier",
                 f'<div id="page" class="site"><header class="site-header"><p class="site-title"><a href="/">'
                 f'Valley Courier</a></p>{_NAV}</header><div id="content" class="site-content"><main id="main" '
                 f'class="site-main"><header class="page-header"><h1 class="page-title">Category: <span>Sport'
                 f"</span></h1></header>{posts}<nav class=\"navigation pagination\"><a class=\"next page-numbers\" "
                 f'href="/category/sport/page/2/">Older posts</a></nav></main>{sidebar}</div></div>',
                 body_attrs=' class="archive category category-sport"')


def table_section_front(w: Writer, n: int) -> str:
    cells = "".join(
        f'<font face="Arial" size="3"><b><a href="/cgi-bin/story.pl?id={1000 + i}">{escape(h)}</a></b></font><br>'
        f'<font face="Arial" size="2">{escape(w.summary())}</font><br><br>'
        for i, h in enumerate(w.headline() for _ in range(n)))
    left = "".join(f'<a href="/cgi-bin/section.pl?s={s}">{s.title()}</a><br>'
                   for s in ("news", "sport", "business", "weather", "obituaries", "classifieds"))
    return _page("The Valley Courier Online: Local News",
                 f'<table width="760" border="0"><tr><td colspan="2"><img src="/logo.gif" alt="The Valley Courier">'
                 f'</td></tr><tr><td width="140" valign="top" bgcolor="#eeeeee">{left}</td><td valign="top">'
                 f'<font size="4"><b>Local News</b></font><br><br>{cells}</td></tr></table>'
                 f'<center><font size="1">Copyright 2008 Valley Courier Publishing</font></center>')


def listing_pages() -> list[tuple[str, str, str]]:
    """(name, url, html): listings at listing-looking URLs and at URLs that say nothing."""
    pages = []
    for seed in range(4):
        w = Writer(seed)
        neutral = f"http://courier.example/index.php?s={seed}"
        pages += [
            (f"teaser-list-{seed}", neutral, teaser_list(w, 6 + 3 * seed, dated=seed % 2 == 0)),
            (f"teaser-list-url-{seed}", f"http://courier.example/news/local/", teaser_list(w, 5 + seed, True)),
            (f"archive-{seed}", f"http://courier.example/archive/?page={seed + 2}", paginated_archive(w, 8 + 4 * seed, seed + 2)),
            (f"archive-neutral-{seed}", neutral + "&p=2", paginated_archive(w, 10 + seed, 2)),
            (f"long-and-short-{seed}", "http://courier.example/", long_and_short_teasers(w, 6 + 2 * seed)),
            (f"long-and-short-neutral-{seed}", neutral + "&front=1", long_and_short_teasers(w, 5 + seed)),
            (f"live-index-{seed}", f"http://courier.example/live/index-{seed}.html", live_blog_index(w, 5 + 3 * seed)),
            (f"wordpress-category-{seed}", f"http://courier.example/category/sport/page/{seed + 1}/",
             wordpress_category(w, 5 + 2 * seed)),
            (f"wordpress-category-neutral-{seed}", f"http://courier.example/?cat={seed + 3}", wordpress_category(w, 6 + seed)),
            (f"table-front-{seed}", f"http://courier.example/cgi-bin/section.pl?s=news&d={seed}",
             table_section_front(w, 8 + 3 * seed)),
        ]
    return pages


# -- articles without any metadata


def table_article(w: Writer, paragraphs: int, related: int) -> tuple[str, str]:
    headline = w.headline()
    body = "<br><br>\n".join(escape(w.paragraph(w.rng.randint(2, 4))) for _ in range(paragraphs))
    related_box = "".join(f'<h3><a href="/cgi-bin/story.pl?id={2000 + i}">{escape(w.headline())}</a></h3>'
                          for i in range(related))
    html = _page(f"The Valley Courier Online - News - {headline}",
                 f'<table width="760"><tr><td colspan="3"><img src="/logo.gif" alt="The Valley Courier"></td></tr>'
                 f'<tr><td width="140" valign="top">{_NAV}</td><td valign="top"><font size="5"><b>{escape(headline)}'
                 f'</b></font><br><font size="2">By {w.rng.choice(_PEOPLE)}, Staff Writer<br>{w.date()}</font>'
                 f'<br><br><font size="2">{body}</font></td><td width="160" valign="top"><b>Related stories</b>'
                 f"{related_box}</td></tr></table>{_FOOTER}")
    return headline, html


def plain_article(w: Writer, paragraphs: int, related: int, dated: bool) -> tuple[str, str]:
    headline = w.headline()
    body = "".join(f"<p>{escape(w.paragraph(w.rng.randint(2, 4)))}</p>" for _ in range(paragraphs))
    related_box = "".join(f'<li><h4><a href="/news/{_slug(h)}.html">{escape(h)}</a></h4></li>'
                          for h in (w.headline() for _ in range(related)))
    dateline = f'<div class="dateline">{w.date()}</div>' if dated else ""
    html = _page(f"{headline} | Valley Courier",
                 f'{_NAV}<div id="content"><h1>{escape(headline)}</h1>{dateline}<div class="text">{body}</div>'
                 f'</div><div id="right"><h3>More news</h3><ul>{related_box}</ul></div>{_FOOTER}')
    return headline, html


def article_pages() -> list[tuple[str, str, str, str]]:
    """(name, url, headline, html) of articles with no og:type, JSON-LD, microdata, <article> or <time>."""
    pages = []
    for seed in range(6):
        w = Writer(100 + seed)
        headline, html = table_article(w, 4 + seed, related=4 + seed)
        pages.append((f"table-article-{seed}", f"http://courier.example/cgi-bin/story.pl?id={3000 + seed}", headline, html))
        headline, html = plain_article(w, 3 + seed, related=5, dated=seed % 2 == 0)
        pages.append((f"plain-article-{seed}", f"http://courier.example/news/story{seed}.html", headline, html))
    return pages
