"""Field rules of ``archiver.extract``, one behaviour per case: authors, credits, dates, headline,
JSON-LD references, language, paywall, page kind, structured body."""

from __future__ import annotations

import json

import pytest

from archiver.extract import analyze_page, extract_article
from archiver.extract.authors import split_authors
from archiver.extract.captions import clean_credit, split_credit
from archiver.extract.dates import normalize_date
from archiver.extract.headline import choose_headline
from archiver.extract.structured import complete_structured_body

URL = "https://news.example.com/2024/05/01/ferry-service-resumes-after-storm/"
STORY = "".join(f"<p>Paragraph {i} of the story, with a few commas, some facts, and a quote from someone.</p>"
                for i in range(6))


def page(head: str = "", body: str = STORY, lang: str = ' lang="en"') -> str:
    return f"<!DOCTYPE html><html{lang}><head><title>Ferry Service Resumes | Island Post</title>{head}</head>" \
           f"<body><main><article><h1>Ferry Service Resumes</h1>{body}</article></main></body></html>"


def jsonld(data: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@pytest.mark.parametrize(("byline", "names"), [
    ("By Jane Doe, John Smith and Ana Pérez", ["Jane Doe", "John Smith", "Ana Pérez"]),
    ("By JANE DOE | Staff Writer", ["Jane Doe"]),
    ("Jane Doe, Senior Correspondent", ["Jane Doe"]),
    ("By Staff", []),
    ("jane.doe@example.com", []),
    ("By Jane Doe and The Associated Press", ["Jane Doe"]),
    ("Por Lucía Gómez y Martín Ruiz", ["Lucía Gómez", "Martín Ruiz"]),
    ("Von Katrin Müller und Jonas Weber", ["Katrin Müller", "Jonas Weber"]),
    ("By Jane Doe\nUpdated 3:41 PM ET, Mon November 18, 2019", ["Jane Doe"]),
    ("Jane Doe is a reporter covering city hall and transit for the paper since 2012.", []),
    ("Ludwig van Beethoven and Maria de la Cruz", ["Ludwig van Beethoven", "Maria de la Cruz"]),
    ("山田 太郎 記者、佐藤 花子", ["山田 太郎", "佐藤 花子"]),
    ("Sarah E. Needleman and Bruce Y. Lee", ["Sarah E. Needleman", "Bruce Y. Lee"]),
    ("Analysis by Chris Cillizza", ["Chris Cillizza"]),
    ("Текст: Венера Ерофеева", ["Венера Ерофеева"]),
    ("Finian Cunningham. Sputnik International", ["Finian Cunningham"]),
    ("@BryanDeArdo", []),
    ("By Madeline Fry\nPrint this article", ["Madeline Fry"]),
    ("Ilana Muhlstein, MS, RDN", ["Ilana Muhlstein"]),
    ("Troy L. Smith, Cleveland.com", ["Troy L. Smith"]),
    ("Detroit News wire services", []),
    # a team that signs the story is its byline; a person's title or a lone placeholder is not
    ("By The Island Post editors", ["The Island Post editors"]),
    ("By:Island Post Editorial Team", ["Island Post Editorial Team"]),
    ("Jane Doe, Senior Contributor", ["Jane Doe"]),
    ("By Reuters Staff", []),
    ("Posted by Ana Ruiz on 2024-05-01 in transport", ["Ana Ruiz"]),
    ("Written by Ana Ruiz", ["Ana Ruiz"]),
    ("Ben", ["Ben"]),
    ("undefined", []),
    ("By signing up, you agree to our Terms and Privacy Policy", []),
])
def test_bylines_split_into_person_names(byline, names):
    assert split_authors(byline) == names


@pytest.mark.parametrize(("caption", "text", "credit"), [
    ("A man walks. (EFE)", "A man walks.", "EFE"),
    ("A man walks. Photo: Reuters", "A man walks.", "Reuters"),
    ("A man walks. Credit: Jane Doe/The Times", "A man walks.", "Jane Doe/The Times"),
    ("A man walks. © AP", "A man walks.", "AP"),
    ("A man walks (Photo by John Smith/Getty Images)", "A man walks", "John Smith/Getty Images"),
    ("Leere Bahnsteige. Foto: dpa", "Leere Bahnsteige.", "dpa"),
    ("A man walks. REUTERS/Jane Doe", "A man walks.", "REUTERS/Jane Doe"),
    ("避難する住民（共同）", "避難する住民", "共同"),
    ("He said it was good and/or bad.", "He said it was good and/or bad.", None),
])
def test_caption_credits_are_split_off(caption, text, credit):
    assert split_credit(caption) == (text, credit)


@pytest.mark.parametrize(("credit", "name"), [
    ("(Image: GETTY )", "GETTY"), ("Photos by Richard Shotwell/Invision/AP", "Richard Shotwell/Invision/AP"),
    ("Image credit: All About Space", "All About Space"), ("picture alliance", "picture alliance"),
    ("Published Monday, Nov. 18, 2019", None), ("A whole sentence that a template put where the credit goes, "
                                                 "long enough to be a description rather than a name.", None),
])
def test_credit_elements_are_cleaned_to_a_name(credit, name):
    assert clean_credit(credit) == name


def test_site_name_is_not_an_author_and_escaped_entities_are_read():
    head = jsonld({"@type": "NewsArticle", "headline": "&#8216;The Medium&#8217; Returns",
                   "author": [{"@type": "Person", "name": "Island Post"}, {"@type": "Person", "name": "Ana Ruiz"}],
                   "publisher": {"@type": "Organization", "name": "Island Post"}})
    shown = page(head).replace("Ferry Service Resumes", "&#8216;The Medium&#8217; Returns")  # the page shows it too
    article = extract_article(shown, URL)
    assert article.authors == ["Ana Ruiz"] and article.headline == "‘The Medium’ Returns"


def author_candidates(head: str = "", body: str = STORY) -> dict[tuple[str, ...], dict[str, float]]:
    """The name lists the page offers its authors decision, with their feature values."""
    trace: dict = {}
    analyze_page(page(head, body), URL, trace=trace)
    return {tuple(names): values for names, values in trace["authors"]}


def test_a_byline_naming_only_the_site_is_kept():
    alone = jsonld({"@type": "NewsArticle", "headline": "Ferry Service Resumes",
                    "author": {"@type": "Person", "name": "Island Post"}}) + '<meta name="author" content="Island Post">'
    body = '<p class="byline">By Island Post</p>' + STORY
    article = extract_article(page(alone, body), URL)
    assert article.authors == ["Island Post"]
    assert author_candidates(alone, body)[("Island Post",)]["site-name"] == 1.0


def test_the_site_named_beside_a_person_elsewhere_is_marked():
    person = jsonld({"@type": "NewsArticle", "headline": "Ferry Service Resumes",
                     "author": {"@type": "Person", "name": "Ana Ruiz"}})
    found = author_candidates(person, '<p class="byline">By Island Post</p>' + STORY)
    assert found[("Island Post",)]["site-not-person"] == 1.0 and found[("Ana Ruiz",)]["site-not-person"] == 0.0


@pytest.mark.parametrize(("body", "names", "source"), [
    # "Written by" on its own, then an avatar and the name in an inline element
    ('<div class="post-info"><span>Written by:</span><img src="/a.jpg" alt=""><span>Ana Ruiz</span></div>',
     ("Ana Ruiz",), "after-label"),
    ('<p>Written by Ana Ruiz</p>', ("Ana Ruiz",), "by-line"),
    ('<div class="et-text">by Island Post Desk</div>', ("Island Post Desk",), "by-line"),
    # an author card inside a link: the name and the day are blocks, not one word "Ana RuizJune"
    ('<div class="author-meta"><a href="/author/ana-ruiz/"><div><p>Ana Ruiz</p><p>June 1, 2024</p></div></a></div>',
     ("Ana Ruiz",), "byline-class"),
])
def test_byline_forms_are_candidates(body, names, source):
    assert author_candidates(body=body + STORY)[names][source] == 1.0


@pytest.mark.parametrize("line", [
    "<p><span>by 2032, reflecting broader adoption across developed and emerging markets.</span></p>",
    '<div>By clicking to watch this video, you agree to our <a href="/privacy">privacy policy.</a></div>',
])
def test_a_sentence_starting_with_by_is_no_byline(line):
    assert not any(values.get("by-line") for values in author_candidates(body=line + STORY).values())


def test_names_with_a_title_and_particles_look_like_a_person():
    body = '<p class="byline">By Dr Ana de la Cruz</p>' + STORY
    assert author_candidates(body=body)[("Dr Ana de la Cruz",)]["two-words"] == 1.0


def test_a_jsonld_author_the_page_never_shows_is_marked():
    def author(name):
        return jsonld({"@type": "NewsArticle", "headline": "Ferry Service Resumes",
                       "author": {"@type": "Person", "name": name}})
    assert author_candidates(author("Ana Ruiz"))[("Ana Ruiz",)]["not-shown"] == 1.0
    shown = '<p class="author-bio">Ana Ruiz covers the islands.</p>'
    assert author_candidates(author("Ana Ruiz"), STORY + shown)[("Ana Ruiz",)]["not-shown"] == 0.0


def test_byline_text_nodes_are_read_as_a_name_then_a_date():
    body = '<p class="byline-info"><span>Jeff Foust</span><span>Monday, November 18, 2019</span></p>' + STORY
    assert extract_article(page(body=body), URL).authors == ["Jeff Foust"]


def test_captions_resolve_lazy_images_and_never_reach_the_body():
    figure = ('<figure><img src="data:image/gif;base64,R0lGOD" data-srcset="/i/a-300.jpg 300w, /i/a-1200.jpg 1200w" '
              'alt="Ferry at the pier"><figcaption>The ferry leaves the pier on Wednesday. Photo: Island Post'
              "</figcaption></figure>")
    article = extract_article(page(body=STORY[:300] + figure + STORY[300:]), URL)
    assert article.captions == [{"text": "The ferry leaves the pier on Wednesday.", "credit": "Island Post",
                                 "image_url": "https://news.example.com/i/a-1200.jpg", "alt": "Ferry at the pier"}]
    assert "ferry leaves the pier" not in article.body


@pytest.mark.parametrize(("raw", "iso"), [
    ("2024-06-18T07:45:00-04:00", "2024-06-18T07:45:00-04:00"),
    ("2024-06-18 07:45:00", "2024-06-18T07:45:00"),
    ("Tue, 18 Jun 2024 07:45:00 GMT", "2024-06-18T07:45:00+00:00"),
    ("June 18, 2024", "2024-06-18"),
    ("18 de junio de 2024", "2024-06-18"),
    ("18.06.2024, 07:45 Uhr", "2024-06-18"),
    ("2024年6月18日 7時45分", "2024-06-18"),
    ("not a date", None),
    ("0001-01-01T00:00:00", None),
])
def test_dates_normalise_to_iso_8601(raw, iso):
    assert normalize_date(raw) == iso


@pytest.mark.parametrize(("args", "headline"), [
    ((None, "Storm hits coast | Coastal News", None, None, ["Coastal News"]), ("Storm hits coast", "meta")),
    ((None, None, None, "Coastal News - Storm hits the coast tonight", ["Coastal News"]),
     ("Storm hits the coast tonight", "dom")),
    (("Storm hits coast, leaving thousands...", None, "Storm hits coast, leaving thousands without power", None, []),
     ("Storm hits coast, leaving thousands without power", "dom")),
    (("Storm Hits Coast", "Storm hits coast", "Storm hits coast", None, []), ("Storm hits coast", "jsonld")),
])
def test_headline_reconciles_sources(args, headline):
    assert choose_headline(*args) == headline


def test_jsonld_author_references_in_a_graph_and_organisations_apart():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "NewsArticle", "headline": "Ferry Service Resumes", "author": [{"@id": "#p1"}, {"@id": "#org"}],
         "publisher": {"@id": "#org"}, "datePublished": "2024-05-01T08:00:00+02:00"},
        {"@type": "Person", "@id": "#p1", "name": "Ana Ruiz"},
        {"@type": "NewsMediaOrganization", "@id": "#org", "name": "Island Post"}]}
    article = extract_article(page(jsonld(graph)), URL)
    assert article.authors == ["Ana Ruiz"] and article.publisher == "Island Post"
    assert article.provenance["authors"] == "jsonld"


def test_itemlist_teasers_are_not_the_page_article():
    listing = {"@context": "https://schema.org", "@type": "CollectionPage", "mainEntity": {
        "@type": "ItemList", "itemListElement": [{"@type": "NewsArticle", "headline": f"Teaser {i}"} for i in range(5)]}}
    result = analyze_page(page(jsonld(listing)), "https://news.example.com/local/")
    assert result.kind == "listing" and result.article.headline == "Ferry Service Resumes"


@pytest.mark.parametrize(("lang", "head", "language", "source"), [
    (' lang="es-ES"', "", "es", "dom"),
    ("", '<meta property="og:locale" content="de_DE">', "de", "meta"),
    ("", jsonld({"@type": "NewsArticle", "inLanguage": "fr-FR"}), "fr", "jsonld"),
    ("", "", "en", "detected"),
])
def test_language_declared_first_then_detected(lang, head, language, source):
    article = extract_article(page(head, lang=lang), URL)
    assert (article.language, article.provenance["language"]) == (language, source)


@pytest.mark.parametrize(("head", "body", "source"), [
    (jsonld({"@type": "NewsArticle", "isAccessibleForFree": False}), STORY, "jsonld"),
    (jsonld({"@type": "NewsArticle", "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "False"}}),
     STORY, "jsonld"),
    ('<meta property="article:content_tier" content="locked">', STORY, "meta"),
    ("", STORY + '<div class="paywall-prompt"><p>Subscribe to keep reading this story today.</p></div>', "dom"),
])
def test_paywall_marks_paywalled_and_truncated(head, body, source):
    article = extract_article(page(head, body), URL)
    assert article.paywalled and article.truncated and article.provenance["paywalled"] == source
    assert "Subscribe" not in article.body


def test_free_page_is_neither_paywalled_nor_truncated():
    article = extract_article(page(jsonld({"@type": "NewsArticle", "isAccessibleForFree": True})), URL)
    assert not article.paywalled and not article.truncated


def test_complete_articlebody_fills_in_what_the_dom_missed():
    body = "\n".join(f"Sentence {i} of the whole story, as the newsroom's system stored it." for i in range(12))
    article = extract_article(page(jsonld({"@type": "NewsArticle", "articleBody": body}), body="<p>Short.</p>"), URL)
    assert article.body == body.replace("\n", "\n\n") and article.provenance["body"] == "jsonld"


@pytest.mark.parametrize("structured", ["Sentence one of a teaser that stops in the middle of a thought and then...",
                                        "A summary. " * 30 + "Read more"])
def test_teaser_articlebody_is_never_the_body(structured):
    assert complete_structured_body(structured, "") == ""


TEASERS = "".join(f'<h2><a href="/2024/05/ferry-story-{i}/">Ferry story number {i} of the week</a></h2>'
                  f"<p>A summary of ferry story {i}, with the facts a reader needs to choose it.</p>" for i in range(8))


@pytest.mark.parametrize(("url", "head", "body", "kind"), [
    (URL, '<meta property="og:type" content="article">', STORY, "article"),
    # A tag page whose CMS calls every page an article: its teasers make it a listing.
    ("https://news.example.com/tag/ferries/", '<meta property="og:type" content="article">', TEASERS, "listing"),
    # The URL is one signal, never the only one: one dated, declared story at a tag URL is an article.
    ("https://news.example.com/tag/ferries/", '<meta property="og:type" content="article"><meta property='
     '"article:published_time" content="2024-05-01T08:00:00Z"><meta name="author" content="Ana Ruiz">',
     STORY * 2, "article"),
    ("https://news.example.com/", "", STORY, "listing"),
])
def test_page_kind(url, head, body, kind):
    assert analyze_page(page(head, body), url).kind == kind


def test_site_wide_website_node_does_not_make_an_article_a_listing():
    yoast = {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Island Post"},
                                                          {"@type": "WebPage", "url": URL}]}
    head = jsonld(yoast) + '<meta property="og:type" content="article">'
    assert analyze_page(page(head), URL).kind == "article"


def test_long_undated_story_at_a_story_url_is_an_article():
    story = "".join(f"<p>Paragraph {i} of a long story that never says when it was written, with commas, "
                    f"facts, quotes and enough words to read as prose rather than as a list of links.</p>"
                    for i in range(14))
    assert analyze_page(page(body=story), "https://news.example.com/news/view.html?id=8576").kind == "article"


def test_teaser_grid_is_a_listing_and_a_form_page_is_other():
    cards = "".join(f'<article><h3><a href="/s/{i}">Story {i} headline here</a></h3><p>A teaser for story {i}, '
                    f"with enough words in it to look real.</p></article>" for i in range(8))
    assert analyze_page(page(body=cards), "https://news.example.com/local/").kind == "listing"
    contact = "<form><label>Message</label><textarea></textarea></form>"
    assert analyze_page(page(body=contact), "https://news.example.com/contact/").kind == "other"


def test_translations_from_hreflang_and_read_in_links():
    head = '<link rel="alternate" hreflang="es" href="/es/2024/05/01/el-ferry-vuelve/">'
    body = STORY + '<p><a href="/de/2024/05/01/faehre-faehrt-wieder/">Read in German</a></p>'
    article = extract_article(page(head, body), URL)
    assert article.translations == [
        {"language": "es", "url": "https://news.example.com/es/2024/05/01/el-ferry-vuelve/"},
        {"language": "de", "url": "https://news.example.com/de/2024/05/01/faehre-faehrt-wieder/"}]
    assert "Read in German" not in article.body


def kettle_guide() -> str:
    """A buying guide as WordPress's block editor writes it: each section a group with its own heading,
    a list and a table, and a group of related links between two sections."""
    sections = []
    for n, heading in enumerate(["1. The Kettle Pro 2000", "2. The Budget Boiler", "3. The Smart Pour",
                                 "How we tested", "What to look for"]):
        sections.append(
            f'<div class="wp-block-group section-{n}"><h2>{heading}</h2><p>Section {n} opens with a long paragraph '
            "about kettles, describing how quickly each one boils a litre of water, how loud it is, and whether the "
            "handle stays cool.</p><ul><li>Boils in 2 minutes</li><li>1.7 litre capacity</li><li>Keep-warm mode</li>"
            f"</ul><figure class='wp-block-table'><table><tr><th>Model</th><th>Boil time</th><th>Price</th></tr><tr>"
            f"<td>Model {n}</td><td>2:0{n}</td><td>$4{n}</td></tr></table></figure><p>A second paragraph in section "
            f"{n} weighs the price against what the kettle offers, and says who should buy it.</p></div>")
        if n == 1:
            sections.append('<div class="wp-block-group"><h3>You might also like</h3><ul><li><a href="/a">The best '
                            'toasters of 2025, tested</a></li><li><a href="/b">The best blenders of 2025, tested</a>'
                            '</li><li><a href="/c">Our favourite coffee grinders this year</a></li></ul></div>')
    return ('<html><head><title>The 3 best electric kettles of 2025 | Kitchen Lab</title></head><body><header><nav>'
            '<a href="/">Home</a></nav></header><main><h1>The 3 best electric kettles of 2025</h1><p class="byline">'
            'By Ana Ruiz</p><div class="entry"><p>We tested twenty kettles over six weeks in our lab to find the '
            f'fastest, quietest and best value ones.</p>{"".join(sections)}<p>The end of the guide, with a final word '
            'on care and descaling.</p></div></main><aside class="sidebar"><h3>Popular</h3><ul><li><a href="/x">'
            'Ten ways to use a kettle</a></li></ul></aside><footer>Copyright Kitchen Lab</footer></body></html>')


def test_a_story_in_sections_with_lists_and_tables_is_one_body_to_its_end():
    analysis = analyze_page(kettle_guide(), "https://www.kitchenlab.example/reviews/best-electric-kettles/")
    body = analysis.article.body
    assert analysis.kind == "article"
    assert all(f"Section {n} opens" in body and f"in section {n} weighs" in body for n in range(5))
    assert body.count("Keep-warm mode") == 5 and body.count("Model | Boil time | Price") == 5
    assert body.endswith("The end of the guide, with a final word on care and descaling.")
    assert "toasters" not in body and "Ten ways" not in body  # the related links between sections stay out


def test_a_date_our_sources_miss_comes_from_htmldate_and_only_for_articles():
    # A resource page's author box below the story: a name, then the day in a <small>, no <time>, no
    # metadata (a line far from the headline is read only where its own text writes a year).
    box = ('<div class="resource-author-details"><p>Luke Kim</p>'
           '<small class="text-neutrals-dark-grey">December 17, 2025</small></div>')
    story = "".join(f"<p>Paragraph {i} of a long story that explains how the ferry timetable changed, with "
                    f"commas, facts, quotes and enough words to read as prose rather than a list of links.</p>"
                    for i in range(48))
    analysis = analyze_page(page(body=story + box), "https://news.example.com/resources/ferry-timetable")
    assert analysis.kind == "article"
    assert analysis.article.published == "2025-12-17"
    links = "".join(f'<li><a href="/resources/{i}">Resource {i}</a></li>' for i in range(40))
    listing = analyze_page(page(body=f"<ul>{links}</ul>" + box), "https://news.example.com/resources/")
    assert listing.kind != "article" and listing.article.published is None


def date_candidates(body: str, url: str = URL) -> dict[str, dict[str, float]]:
    """The days the page offers its date decision, with their feature values."""
    trace: dict = {}
    analyze_page(page(body=body), url, trace=trace)
    return {value[:10]: values for value, values in trace["published-date"]}


@pytest.mark.parametrize("shown", [
    # the date in a <span> of the block that holds the headline's links and reading time
    '<div class="meta"><a href="/blog">Blog home</a><span>December 18, 2025 · 3 min read</span>'
    '<a href="/blog/engineering">Engineering</a><span>A long deck line under the headline that says what '
    'the story is about, how the team measured it, what it changed, and why readers should care at all '
    'about any of it this week</span></div>',
    # the date written between two elements, no element of its own
    '<fieldset><legend>Ferry notes</legend>18 December 2025<div class="body"><p>Notes.</p></div></fieldset>',
])
def test_a_date_in_a_run_of_a_long_block_near_the_headline_is_a_candidate(shown):
    found = date_candidates(shown + STORY, "https://news.example.com/ferry-service-resumes")
    assert found["2025-12-18"]["near-headline"] == 1.0


def test_a_day_in_the_urls_month_is_marked():
    found = date_candidates('<p class="date">Posted 20 December 2025</p><p>Updated 3 January 2026 for the new timetable.</p>'
                            + STORY, "https://news.example.com/2025/12/ferry-service-resumes")
    assert found["2025-12-20"]["url-month"] == 1.0 and found["2026-01-03"]["url-month"] == 0.0
    assert "url-month" not in date_candidates(STORY, "https://news.example.com/ferry-service-resumes").get("2025-12-20", {})


def test_a_lists_teaser_dates_in_runs_are_no_candidates():
    # An archive page: each item a link, its day in an <em>, a summary; every item too long to be one line.
    items = "".join(f'<li><a href="/news/story-{day}.html">Council weighs plan number {day} for the harbour '
                    f'front</a> &mdash; <em>March {day}, 2025</em><br>The plan would move the ferry terminal, '
                    f'add a cycle lane and close the old car park for two years of works, officials said.</li>'
                    for day in range(3, 9))
    assert date_candidates(f"<ul>{items}</ul>", "https://news.example.com/archive/?page=2") == {}


def test_the_webpage_nodes_dates_are_candidates_of_their_own():
    # An SEO plugin's graph on a post whose site declares no Article: the dates sit on the WebPage node.
    graph = jsonld({"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "@id": "https://news.example.com/#website", "name": "Island Post"},
        {"@type": "WebPage", "@id": URL, "name": "Ferry Service Resumes", "datePublished": "2021-01-27T06:00:00+00:00",
         "dateModified": "2021-04-15T00:07:20+00:00", "isPartOf": {"@id": "https://news.example.com/#website"}}]})
    trace: dict = {}
    analyze_page(page(graph), "https://news.example.com/ferry-service-resumes/", trace=trace)
    found = {value[:10]: values for value, values in trace["published-date"]}
    assert found["2021-01-27"]["jsonld-page-published"] == 1.0 and found["2021-04-15"]["jsonld-page-modified"] == 1.0
    assert "jsonld-published" not in found["2021-01-27"]
