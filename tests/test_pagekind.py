"""Page kind from the page itself: listings stay listings, metadata-free articles are articles, headlines,
binaries, --explain, crawl stats, and reextract recovering what an earlier crawl skipped.

Every page here is written for the tests (tests/pagekind_pages.py, the demo site); corpus figures
are in bench/pagekind.py.
"""

from __future__ import annotations

import json
import sys

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.extract import analyze_page
from archiver.extract.pagekind import ARTICLE_MODEL, FEATURES, judge, Evidence
from archiver.extract.sniff import looks_binary
from conftest import REPO, run_archiver, site_page
from pagekind_pages import article_pages, listing_pages
from pagekind_site import BINARIES, PNG, PDF, GZIP, PageKindSite

sys.path.insert(0, str(REPO / "bench"))
from strip_metadata import strip_metadata  # noqa: E402

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
MAX_LISTINGS_AS_ARTICLES = 0.02


def demo_listings(expected):
    """The demo site's home, section, tag and author pages (and their Spanish ones)."""
    return [path for path in expected["not_articles"] if path not in ("/about/", "/contact/")]


def test_listing_pages_stay_listings(expected):
    base = "http://127.0.0.1:8000"
    pages = [(name, url, html) for name, url, html in listing_pages()]
    for path in demo_listings(expected):
        html = site_page(path, base).decode("utf-8")
        pages.append((path, base + path, html))
        pages.append((path + " stripped", base + path, strip_metadata(html)))
    kinds = {name: analyze_page(html, url).kind for name, url, html in pages}
    as_articles = [name for name, kind in kinds.items() if kind == "article"]
    assert len(as_articles) <= MAX_LISTINGS_AS_ARTICLES * len(pages), as_articles


def test_demo_pages_that_are_not_articles_are_not_articles_with_their_metadata(expected):
    base = "http://127.0.0.1:8000"
    for path in expected["not_articles"]:
        assert analyze_page(site_page(path, base), base + path).kind != "article", path


def test_articles_without_any_metadata_are_articles_with_their_shown_headline():
    for name, url, headline, html in article_pages():
        analysis = analyze_page(html, url)
        assert analysis.kind == "article", (name, analysis.reason, analysis.judgement.contributions())
        assert analysis.article.headline == headline, name


def test_demo_articles_stripped_of_every_metadata_signal_are_still_articles(expected):
    base = "http://127.0.0.1:8000"
    for path, fields in expected["articles"].items():
        stripped = strip_metadata(site_page(path, base).decode("utf-8"))
        assert "og:type" not in stripped and "ld+json" not in stripped and "<time" not in stripped
        analysis = analyze_page(stripped, base + path)
        assert analysis.kind == "article", (path, analysis.reason, analysis.judgement.contributions())
        assert analysis.article.headline == fields["headline"], path


def story(title: str, heading: str, kicker: str = "") -> str:
    paragraphs = "".join(f"<p>Paragraph {i} of the story about the harbour repairs, which the authority said on "
                         f"Tuesday would take until spring, after engineers found more damage.</p>" for i in range(5))
    return (f"<html><head><title>{title}</title></head><body><div class='nav'><a href='/'>Home</a> "
            f"<a href='/sport/'>Sport</a></div>{kicker}{heading}<div>{paragraphs}</div></body></html>")


@pytest.mark.parametrize("title, heading, kicker, want", [
    # Site names and section prefixes come off the <title>; the heading the title repeats wins.
    ("Valley Courier - Local news - Harbour repairs delayed to spring", "<h2>Harbour repairs delayed to spring</h2>",
     "", "Harbour repairs delayed to spring"),
    ("Harbour repairs delayed to spring | Local | Valley Courier", "", "", "Harbour repairs delayed to spring"),
    # A <title> naming only the site: the line above the story, not the site's name or a section label.
    ("Valley Courier Online", "<font size='5'><b>Harbour repairs delayed to spring</b></font>",
     "<div>LOCAL NEWS</div>", "Harbour repairs delayed to spring"),
    # An old table layout's bold headline matched against the <title>.
    ("Valley Courier: Harbour repairs delayed to spring", "<b>Harbour repairs delayed to spring</b><br>", "",
     "Harbour repairs delayed to spring"),
    # A <title> and nothing else: never an empty headline.
    ("Harbour repairs", "", "", "Harbour repairs"),
])
def test_headline_is_the_heading_nearest_the_story_matched_against_the_title(title, heading, kicker, want):
    analysis = analyze_page(story(title, heading, kicker), "http://courier.example/news/harbour.html")
    assert analysis.article.headline == want


HEADLINE = "Harbour repairs delayed to spring"
DECK = "Engineers found more damage under the old pier than the survey showed"


@pytest.mark.parametrize("head, heading, want", [
    # A lower heading right under the headline is its deck: the page shows both as its headline.
    ("", f"<h1>{HEADLINE}</h1><h2>{DECK}</h2>", f"{HEADLINE}\n{DECK}"),
    # A line marked as a deck, after the date and byline, in an old layout.
    ("", f"<div class='hed'>{HEADLINE}</div><div class='date'>Jan. 8, 2008 3:20 AM</div>"
         f"<div class='byline'>By Jo Reed</div><div class='subhed'>{DECK}</div>", f"{HEADLINE}\n{DECK}"),
    # The header block holds the headline and one line more.
    ("", f"<div class='top'><h1>{HEADLINE}</h1><p>{DECK}</p></div>", f"{HEADLINE}\n{DECK}"),
    # The headline alone in its block, the deck in the next one.
    ("", f"<div class='title'><h1>{HEADLINE}</h1></div><h3>{DECK}</h3>", f"{HEADLINE}\n{DECK}"),
    # One sentence between the headline and the story's own container introduces the story.
    ("", f"<h1>{HEADLINE}</h1><p>{DECK}.</p><div class='ad'></div>", f"{HEADLINE}\n{DECK}."),
    # Not a deck: a linked line, a tool label, paragraphs outside a header block, the declared description,
    # a headline that metadata names.
    ("", f"<h1>{HEADLINE}</h1><h2><a href='/more/'>{DECK}</a></h2>", HEADLINE),
    ("", f"<div class='top'><h1>{HEADLINE}</h1><span>Print this page</span></div>", HEADLINE),
    ("", f"<h1>{HEADLINE}</h1><p>{DECK}</p><p>More of the story follows here.</p>", HEADLINE),
    (f"<meta name='description' content='{DECK}.'>", f"<h1>{HEADLINE}</h1><h2>{DECK}</h2>", HEADLINE),
    (f"<meta property='og:title' content='{HEADLINE}'>", f"<h1>{HEADLINE}</h1><h2>{DECK}</h2>", HEADLINE),
])
def test_headline_of_a_page_without_metadata_holds_the_deck_it_shows_under_it(head, heading, want):
    html = story(f"{HEADLINE} - Valley Courier", heading).replace("<head>", f"<head>{head}")
    analysis = analyze_page(html, "http://courier.example/news/harbour.html")
    assert analysis.article.headline == want
    assert DECK not in analysis.article.body


@pytest.mark.parametrize("title, heading, want", [
    # Parts that spell the site's host are its name, in a heading as in a <title>.
    (f"courier.example | {HEADLINE}", f"<h1><a href='/'>Courier Example | courier.example | {HEADLINE}</a></h1>",
     HEADLINE),
    (f"{HEADLINE} - The Courier Example", "", HEADLINE),
    # A <title> naming only the site: the heading above the story and the higher heading over it.
    ("Valley Courier Online", f"<div class='headline'><h1>Pier closed</h1></div><div class='dek'><h2>{HEADLINE}</h2></div>",
     f"Pier closed\n{HEADLINE}"),
    # A <title> naming only the site: the lead sentence under the headline is not the headline.
    ("Valley Courier Online", f"<div class='headline'>{HEADLINE}</div><div>By Jo Reed</div>"
                              "<p>HARBOURTON - The pier will stay shut until spring, the port said.</p>", HEADLINE),
])
def test_headline_without_the_site_name_or_a_lead_sentence(title, heading, want):
    analysis = analyze_page(story(title, heading), "http://www.courier.example/news/harbour.html")
    assert analysis.article.headline == want


BANNER_NAV = "".join(f"<li><a href='/{s}/'>{s.title()} news and views from the valley</a></li>"
                     for s in ("local", "sport", "business", "weather", "obituaries", "classifieds", "letters",
                               "opinion", "travel", "motoring", "property", "jobs"))


@pytest.mark.parametrize("title, heading, want", [
    # The <title> names a section the page shows as its banner: the story's own heading is the headline.
    ("courier.example - Local Sports Wire", "<h1 id='litSectionName'>Local Sports Wire</h1>"
     f"<div class='tools'>Thu, 10 Jan 2008</div><h2>{HEADLINE}</h2>", HEADLINE),
    # A banner the titles repeat, a whole menu away from the story.
    ("The Valley Courier News Service", f"<div>News Service</div><ul>{BANNER_NAV}</ul>"
     f"<font class='storyhead' size='4'><b>{HEADLINE}</b></font>", HEADLINE),
    # An old table layout: the headline is a bold span opening the story's cell, a date under it.
    ("Valley Courier Online", f"<table><tr><td><span class='headline'>{HEADLINE}</span><br>"
     "<span class='date'>15/01/2008</span><p>", HEADLINE),
    # A headline that links to its own page (a permalink) is still the headline.
    ("Valley Courier Online", f"<h2><a href='/news/harbour.html'>{HEADLINE}</a></h2>", HEADLINE),
    # A prominent line above the story that it is not about (a weather box) is not its headline.
    ("Valley Courier Online", f"<h1>{HEADLINE}</h1><ul>{BANNER_NAV}</ul><div class='title'>Sunny with scattered "
     "clouds</div>", HEADLINE),
])
def test_headline_under_a_title_that_names_only_the_site_is_the_line_the_story_starts_under(title, heading, want):
    html = story(title, heading).replace("<div><p>", "<p>" if "<td>" in heading else "<div><p>")
    analysis = analyze_page(html, "http://www.courier.example/news/harbour.html")
    assert analysis.kind == "article"
    assert analysis.article.headline == want
    assert HEADLINE not in analysis.article.body


def test_the_heading_readers_saw_over_the_story_beats_a_search_engine_title():
    # The <title> is written for search engines ("... Head To Congress"); the page shows another
    # headline, with its deck, right above the story. The story's container opens with its date line.
    form = "<p class='date'>Posted on Tuesday, January 15, 2008 at 7:00 pm, US/Eastern time</p>"
    html = story("Harbour work will take until spring, engineers say - courier.example", "").replace(
        "<div><p>", f"<div>{form}<h2>{HEADLINE}</h2><h3>{DECK}</h3><p>")
    analysis = analyze_page(html, "http://www.courier.example/news/harbour.html")
    assert analysis.article.headline == f"{HEADLINE}\n{DECK}"
    assert HEADLINE not in analysis.article.body


@pytest.mark.parametrize("title, heading", [
    # An empty <title>; a sidebar's <h1> ("Photo Gallery"); the headline is styled by CSS alone, right
    # above the story's byline.
    ("\n\n", f"<div class='side'><h1>Photo Gallery</h1></div><p class='orange'>{HEADLINE}</p>"
               "<p>by Jo Reed - January 16 2008<br>photo by Al Kerr</p>"),
    # No <title> at all (a saved copy cut mid-token); a pun the story does not repeat in a block its
    # markup names the headline, a date, then a bold deck the story is about.
    (None, "<div class='article_headline'><b>Slammer for Rammer</b><br></div>Fri, January 18, 2008<br>"
           "<div class='article_overtitle'><font color='#3277a2'><b>Harbour repairs take until spring after "
           "engineers found damage</b></font><br></div><div class='article_credit'><b>By CP</b></div>"),
])
def test_a_page_without_a_title_gets_the_headline_the_story_starts_under(title, heading):
    html = story(title or "", heading)
    if title is None:
        html = html.replace("<title></title>", "")
    want = HEADLINE if "orange" in heading else "Slammer for Rammer"
    analysis = analyze_page(html, "http://www.courier.example/news/Story.aspx?id=3838")
    assert analysis.kind == "article"
    assert analysis.article.headline == want


def test_a_headline_the_story_does_not_repeat_keeps_its_deck_under_it():
    # A pun shares no word with the story; the bold deck right under it does. The heading is still the
    # headline (the deck is its deck), not a banner to replace with the deck.
    deck = "Judge sets an example in handing out a four-year sentence to the harbour driver"
    html = story("Slammer for Rammer - Valley Courier",
                 f"<div class='head'><h1>Slammer for Rammer</h1><div class='standfirst'><b>{deck}</b></div></div>")
    html = html.replace("the harbour repairs", "the harbour driver's four-year sentence")
    analysis = analyze_page(html, "http://www.courier.example/news/harbour.html")
    assert analysis.article.headline == f"Slammer for Rammer\n{deck}"


def test_a_linked_story_beats_a_headline_box_of_the_same_content_class():
    # A Joomla page of 2008: the headline and the story in two tables of one class ("contentpaneopen");
    # the story's sentences link out. The box of one line must not win for its class name.
    linked = "".join(f"<p>Paragraph {i}: the harbour board <a href='http://other.example/{i}'>approved the "
                     f"repairs</a> on Tuesday, and the works, which <a href='/c/{i}'>residents opposed</a>, "
                     "will take until spring.</p>" for i in range(4))
    html = (f"<html><head><title>Valley Courier</title></head><body><div><table class='contentpaneopen'><tr>"
            f"<td class='contentheading'>{HEADLINE}</td></tr></table><table class='contentpaneopen'><tr><td>"
            f"{linked}</td></tr></table></div></body></html>")
    analysis = analyze_page(html, "http://www.courier.example/content/view/1383/182/")
    assert analysis.kind == "article"
    assert "Paragraph 3: the harbour board approved the repairs" in analysis.article.body
    assert analysis.article.headline == HEADLINE


def test_a_site_title_is_known_without_the_host():
    # Served from 127.0.0.1, a short <title> that shares no word with the bold line over the story (and
    # that the story happens to repeat) is still the site's name.
    html = story("Valley TV", f"<span style='font-size:14pt;font-weight:bold'>{HEADLINE}</span><br>"
                               "<span style='color:gray'>Sat, 29 Dec 2007 17:50:54</span><br>")
    html = html.replace("the harbour repairs", "the Valley harbour repairs")
    analysis = analyze_page(html, "http://127.0.0.1:8080/detail.aspx?id=36764")
    assert analysis.article.headline == HEADLINE


def test_a_front_page_lead_teaser_under_a_site_title_is_no_headline():
    # A linked heading over a few paragraphs and a "continue reading" link: a listing's lead teaser.
    teasers = "".join(f"<div class='teaser'><h3><a href='/news/{i}.html'>Story {i} of the day in the valley</a></h3>"
                      f"<p>A short summary of story {i}.</p></div>" for i in range(8))
    html = story("Valley Courier - News from the valley", f"<h2><a href='/news/lead.html'>{HEADLINE}</a></h2>")
    html = html.replace("</body>", f"<p><a href='/news/lead.html'>Continue reading</a></p>{teasers}</body>")
    analysis = analyze_page(html, "http://www.courier.example/")
    assert analysis.article.headline != HEADLINE


@pytest.mark.parametrize("data", [PNG, PDF, GZIP, b"GIF89a" + bytes(range(256)) * 4,
                                  bytes(range(256)) * 40, PNG.decode("latin-1")])
def test_binary_bodies_are_never_articles(data):
    assert looks_binary(data)
    analysis = analyze_page(data, "http://courier.example/files/photo.html")
    assert (analysis.kind, analysis.reason) == ("other", "binary")
    assert analysis.article.body == ""


@pytest.mark.parametrize("text", ["<html><body><p>café, naïve, 3 €</p></body></html>".encode("cp1252"),
                                  "<p>日本語のニュース記事</p>".encode("shift_jis"),
                                  "\ufeff<p>utf-16</p>".encode("utf-16")])
def test_text_in_any_charset_is_not_binary(text):
    assert not looks_binary(text)


def test_explain_prints_every_signal_with_value_weight_and_the_decision(tmp_path):
    name, url, headline, html = article_pages()[1]
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    done = run_archiver("extract", str(page), "--url", url, "--explain")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for feature in FEATURES:
        row = next(line for line in lines if line.startswith(feature.name + " "))
        assert f"{ARTICLE_MODEL.weights[feature.name]:+.2f}" in row
    assert f"headline   {headline}" in done.stdout
    assert lines[-1].startswith("decision   article, decided by ")
    listing = tmp_path / "listing.html"
    listing.write_text(listing_pages()[2][2], encoding="utf-8")
    done = run_archiver("extract", str(listing), "--url", "http://courier.example/archive/?page=2", "--explain")
    assert done.stdout.splitlines()[-1].startswith("decision   listing, decided by ")


def test_judge_names_the_deciding_signal():
    story = Evidence("http://x.example/2024/05/01/floods-cut-rail-link", story_chars=3000, paragraphs=8,
                     prose_share=0.9, headline_in_title=True, dated=True, byline=True)
    article = judge(story)
    assert article.kind == "article"
    assert article.reason == max((c, n) for n, c in article.contributions().items())[1]
    teasers = judge(Evidence("http://x.example/news/", story_chars=2000, paragraphs=10, teasers_in_story=9,
                             story_link_share=0.5))
    assert teasers.kind == "listing"
    assert teasers.reason == min((c, n) for n, c in teasers.contributions().items())[1]
    shop = judge(Evidence("http://x.example/product/kettle-2000", story_chars=900, paragraphs=3, prose_share=0.5,
                          declared_product=True, declared_website=True))
    assert shop.kind != "article"
    assert judge(Evidence("http://x.example/a")).reason == "no-text"


@pytest.fixture(scope="module")
def site_crawl(tmp_path_factory):
    archive = tmp_path_factory.mktemp("pagekind") / "archive"
    with PageKindSite() as site:
        done = run_archiver("crawl", f"{site.url}/", "--archive", str(archive), *FAST)
    assert done.returncode == 0, done.stderr[-2000:]
    return site, archive, done


def records_of(archive):
    return [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_crawl_records_metadata_free_articles_and_no_binary(site_crawl):
    site, archive, done = site_crawl
    records = records_of(archive)
    paths = {r["url"].split("/", 3)[3] and "/" + r["url"].split("/", 3)[3] for r in records}
    assert paths == set(site.articles)
    assert not any(path in paths for path in BINARIES)
    # The crawl's summary counts every page's kind with the signal that decided it.
    kinds = next(line for line in done.stdout.splitlines() if line.startswith("page kinds"))
    assert f"article {len(site.articles)} (" in kinds
    assert "other 3 (binary 3)" in kinds or "binary 3" in kinds
    assert "listing " in kinds and "teasers-in-story" in kinds


def read_response(archive, pointer):
    with open(archive / pointer["filename"], "rb") as fh:
        fh.seek(pointer["offset"])
        return next(iter(ArchiveIterator(fh)))


def test_reextract_recovers_articles_an_earlier_crawl_skipped(site_crawl, tmp_path):
    site, crawled, _ = site_crawl
    import shutil

    archive = tmp_path / "archive"
    shutil.copytree(crawled, archive)
    # The archive as a crawl with the old judgement left it: the metadata-free articles got no record.
    records_file = next((archive / "articles").glob("*.jsonl"))
    records = records_of(archive)
    kept = [r for r in records if not r["url"].endswith(("-0.html", "-1.html", "-2.html"))]
    skipped = {r["id"]: r for r in records if r not in kept}
    assert skipped and kept
    records_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8")

    done = run_archiver("reextract", "--archive", str(archive), "--out", str(archive / "articles"), "--new-only")
    assert done.returncode == 0, done.stderr
    assert f"new           {len(skipped)} (no existing record)" in done.stdout
    assert f"already held  {len(kept)}" in done.stdout
    assert "page kinds      article" in done.stdout
    recovered = [r for r in records_of(archive) if r["id"] in skipped]
    assert len(recovered) == len(skipped)
    for record in recovered:
        original = skipped[record["id"]]
        assert record["warc"] == original["warc"] and record["fetched_at"] == original["fetched_at"]
        assert record["headline"] == original["headline"] and record["body"] == original["body"]
        response = read_response(archive, record["warc"])
        assert response.rec_headers.get_header("WARC-Record-ID") == record["id"]
        assert response.rec_headers.get_header("WARC-Target-URI") == record["url"]

    # A second run finds nothing new and writes nothing: no record is doubled.
    files_before = sorted((archive / "articles").iterdir())
    again = run_archiver("reextract", "--archive", str(archive), "--out", str(archive / "articles"), "--new-only")
    assert again.returncode == 0, again.stderr
    assert "new           0 (no existing record)" in again.stdout
    assert sorted((archive / "articles").iterdir()) == files_before
    ids = [r["id"] for r in records_of(archive)]
    assert len(ids) == len(set(ids)) == len(records)


def test_new_only_needs_the_existing_records(site_crawl, tmp_path):
    _, archive, _ = site_crawl
    warc = next((archive / "warc").glob("*.warc.gz"))
    done = run_archiver("reextract", str(warc), "--out", str(tmp_path / "out"), "--new-only")
    assert done.returncode == 1
    assert done.stderr.strip() == "archiver reextract: --new-only needs the existing records (--archive DIR or --records PATH)"


def test_signed_reader_comments_and_share_boxes_after_a_story_are_not_its_body():
    story_paragraphs = [f"Paragraph {i} of the harbour story, which the authority said on Tuesday would take until "
                        f"spring to finish, after engineers found more damage." for i in range(5)]
    comments = [f"I think the council should pay for it.<br>Posted by reader{i} on January 10, 2008 5:1{i} PM"
                for i in range(4)]
    html = ("<html><head><title>Harbour repairs delayed to spring</title></head><body><div>"
            "<h1>Harbour repairs delayed to spring</h1><p>Posted by Tom Okonjo on January 9, 2008 10:00 AM</p>"
            + "".join(f"<p>{p}</p>" for p in story_paragraphs)
            + "<p>Post this story to:<br>Digg<br>|<br>Reddit<br>|<br>Fark</p>"
            + "".join(f"<p>{c}</p>" for c in comments) + "</div></body></html>")
    body = analyze_page(html, "http://courier.example/news/harbour.html").article.body
    assert all(p in body for p in story_paragraphs)
    assert "reader" not in body and "Digg" not in body


def test_forum_shop_help_docs_and_offer_pages_are_no_articles_and_say_why():
    from notarticle_pages import not_article_pages

    for name, url, html in not_article_pages():
        analysis = analyze_page(html, url)
        assert analysis.kind != "article", (name, analysis.judgement.contributions())
        assert analysis.reason in {feature.name for feature in FEATURES}, (name, analysis.reason)


def test_a_thread_a_product_docs_and_an_offer_stay_out_at_an_address_that_says_nothing():
    # Not the URL alone: the posts and their posters, the declared product, the code, the offer's boxes.
    from notarticle_pages import documentation_page, forum_thread, product_page, subscription_offer

    for make in (forum_thread, product_page, documentation_page, subscription_offer):
        _, html = make()
        analysis = analyze_page(html, f"https://www.riverside-herald.com/{make.__name__.replace('_', '-')}-2024")
        assert analysis.kind != "article", (make.__name__, analysis.judgement.contributions())


def test_every_fitted_weight_names_a_feature_the_code_measures():
    from archiver.extract import body, byline, container, headline_pick, published
    from archiver.extract.model import LinearModel, fitted_weights

    fitted = fitted_weights()
    assert fitted["version"] and fitted["fitted"]["by"].startswith("bench/crossval.py")
    features = {"page-kind": FEATURES, "listing-kind": FEATURES, "body-container": container.FEATURES,
                "headline": headline_pick.FEATURES, "authors": byline.FEATURES, "published-date": published.FEATURES,
                "body-links": body.LINK_FEATURES}
    # Every model fitted is one the code reads (body-links may be missing: the body then drops link blocks).
    assert set(features) - {"body-links"} <= set(fitted["models"]) <= set(features)
    for name, model in fitted["models"].items():
        assert set(model["weights"]) <= {feature.name for feature in features[name]}, name
    with pytest.raises(ValueError, match="unknown features"):
        LinearModel("page-kind", FEATURES, {"no-such-feature": 1.0}, 0.0)


def test_calls_to_action_are_counted_in_menus_and_footers_too():
    # Counted on the whole page before furniture leaves the tree: a service page's menu and footer ask
    # for a quote as much as its body does; "Careers" and "Home" ask for nothing.
    from notarticle_pages import service_page

    url, html = service_page()
    trace: dict = {}
    analyze_page(html, url, trace=trace)
    assert trace["page-kind"].calls_to_action == 8
    values = judge(trace["page-kind"]).values
    assert values["calls-to-action"] == 0.75
    # 8 of its 14 links and buttons sell: a story's one newsletter button among a hundred links does not
    assert trace["page-kind"].links == 14 and values["selling-links"] == 1.0


def test_calls_to_action_are_labels_not_prose():
    from lxml import html as lxml_html

    from archiver.extract.pagekind import link_actions

    tree = lxml_html.fromstring(
        '<div><a href="/q">Get a free quote</a><button><span>Add to cart</span></button>'
        '<a href="/s">Sign up for our newsletter</a><a href="/story">Book now open: the mayor writes her memoir, '
        'and the council wants to know why</a><p>Call us today</p><a href="/news">Contact the newsroom</a></div>')
    calls, shares, links = link_actions(tree)
    assert (calls, shares, links) == (3, 0, 5)  # the quote, the cart, the sign-up; not a headline link, a paragraph


@pytest.mark.parametrize("url, want", [
    ("https://www.riverside-herald.com/news/harbour-repairs-delayed", 1.0),
    ("https://engineering.example.com/blog/scaling-go-tests", 1.0),
    ("https://www.example.org/resources/articles/starting-music-lessons/", 1.0),
    ("https://site.example/post/why-lessons-help", 1.0),
    ("https://www.riverside-movers.com/residential-moving-services/", 0.0),
    ("https://www.example.com/blog", 0.0),  # the section itself, not a page under it
    ("https://docs.example.com/newsletter/api.html", 0.0),
])
def test_story_section_url_is_a_page_under_a_news_or_blog_section(url, want):
    assert judge(Evidence(url, story_chars=2000)).values["story-section-url"] == want


SEO_PARAGRAPHS = [
    "Booking movers six weeks ahead gives you the widest choice of dates, and the best crews fill their summer "
    "calendars first, so start asking for written estimates as soon as you know your moving day.",
    "Ask every company for its licence number and check it with the state before you sign anything; a mover "
    "that cannot give you one on the phone is a mover to avoid, however low its price.",
    "Read the estimate line by line. A binding estimate fixes the price, a non-binding one can grow on the day, "
    "and stairs, long carries and packing materials are often charged on top.",
]


def test_the_headline_the_page_shows_beats_a_search_title_it_does_not_show():
    # The <title> and og:title are written for search engines; no line on the page shows them. Readers
    # see the <h1> over the story: that is the headline.
    shown = "The Ultimate Guide to Booking a Moving Company: What You Need to Know"
    seo = "Expert Move Management: How to Choose a Moving Company"
    html = (f'<html lang="en"><head><title>{seo} - WellMove</title><meta property="og:title" content="{seo}">'
            f'<meta property="og:type" content="article"></head><body><header><a href="/">WellMove</a></header>'
            f'<main><article><h1>{shown}</h1><p class="meta">By Dana Reyes | March 4, 2025</p>'
            + "".join(f"<p>{p}</p>" for p in SEO_PARAGRAPHS) + "</article></main></body></html>")
    trace: dict = {}
    analysis = analyze_page(html, "https://wellmove.example/blog/booking-a-moving-company", trace=trace)
    assert analysis.article.headline == shown
    unshown = [text for text, values in trace["headline"] if values.get("rules-unshown")]
    assert unshown == [seo]


def test_a_headline_is_shown_when_its_first_line_is_a_line_the_page_shows():
    from archiver.extract.headline_pick import is_shown

    lines = ["Harbour repairs delayed"]
    assert is_shown("Harbour repairs delayed\nEngineers found more damage", lines, [], "courier.example")
    assert is_shown("Harbour repairs delayed", ["harbour repairs: delayed"], [], "courier.example")  # the same words
    assert is_shown("Harbour repairs delayed", ["Courier Example | courier.example | Harbour repairs delayed"],
                    ["Courier Example"], "courier.example")  # the heading without its site-name parts
    assert not is_shown("Harbour repairs delayed until spring", lines, [], "courier.example")
    assert not is_shown(None, lines, [], "courier.example")


@pytest.mark.parametrize("url, dated, want", [
    ("https://engineering.example.com/blog/scaling-go-tests", True, 1.0),
    ("https://engineering.example.com/blog/scaling-go-tests", False, 0.0),  # a section's undated page
    ("https://www.riverside-movers.com/residential-moving-services/", True, 0.0),
])
def test_a_dated_page_under_a_news_or_blog_section_is_a_post(url, dated, want):
    assert judge(Evidence(url, story_chars=2000, dated=dated)).values["dated-in-section"] == want


def test_an_faq_block_is_no_forum_but_a_thread_still_is():
    story = "".join(f"<p>Paragraph {i} of a moving guide, with prices, a checklist, tips and what to ask a "
                    f"mover before the truck arrives on the day.</p>" for i in range(12))
    faq = {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": "How much do movers cost?",
         "acceptedAnswer": {"@type": "Answer", "text": "Most local moves cost $800 to $2,500."}}]}
    thread = {"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "Movers in Queens?",
              "author": {"@type": "Person", "name": "boxes_everywhere"}}

    def values(*nodes):
        scripts = "".join(f'<script type="application/ld+json">{json.dumps(n)}</script>' for n in nodes)
        html = (f"<html><head><title>How to Hire Movers in New York</title>{scripts}</head><body><main><article>"
                f"<h1>How to Hire Movers in New York</h1>{story}</article></main></body></html>")
        return analyze_page(html, "https://movers.example.com/guides/hire-movers-new-york").judgement.values

    assert values(faq)["declared-faq"] == 1.0 and values(faq)["declared-forum"] == 0.0
    assert values(thread)["declared-forum"] == 1.0 and values(thread, faq)["declared-forum"] == 1.0


def test_share_links_are_a_share_bars_icons_not_the_sites_follow_links():
    # A story's share bar passes the page on (intent and sharer addresses, a mail with a subject); the
    # site's own profiles in the footer ("Follow us") and a link to a post on X are no share links.
    from lxml import html as lxml_html

    from archiver.extract.pagekind import link_actions

    tree = lxml_html.fromstring(
        '<div><ul class="share-bar">'
        '<li><a href="https://twitter.com/intent/tweet?url=https%3A%2F%2Fharbourlight.example%2Fferry-fares">'
        '<svg></svg></a></li>'
        '<li><a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fharbourlight.example">f</a></li>'
        '<li><a href="https://www.linkedin.com/shareArticle?mini=true&amp;url=x">in</a></li>'
        '<li><a href="mailto:?subject=Ferry%20fares%20rise&amp;body=https%3A%2F%2Fharbourlight.example">Email</a></li>'
        '<li><a href="https://wa.me/?text=Ferry%20fares%20rise">WhatsApp</a></li>'
        '</ul><footer><a href="https://twitter.com/harbourlight">Follow us</a>'
        '<a href="https://www.facebook.com/harbourlight">Facebook</a>'
        '<a href="https://x.com/harbourlight/status/1870000000000000000">Our post on X</a>'
        '<a href="mailto:news@harbourlight.example">Tips</a><a href="/subscribe">Sign up</a></footer></div>')
    assert link_actions(tree) == (1, 5, 10)  # the sign-up; the five icons of the bar; ten links in all


def test_a_storys_share_bar_is_counted_on_the_whole_page():
    from pagekind_pages import article_pages

    _name, url, _headline, html = article_pages()[0]
    bar = ('<div class="share"><a href="https://twitter.com/intent/tweet?text=x">X</a>'
           '<a href="https://www.facebook.com/sharer/sharer.php?u=x">Facebook</a></div>')
    trace: dict = {}
    analyze_page(html.replace("</body>", bar + "</body>"), url, trace=trace)
    assert trace["page-kind"].share_links == 2
    assert judge(trace["page-kind"]).values["share-links"] == pytest.approx(2 / 3)
