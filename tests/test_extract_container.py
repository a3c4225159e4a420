"""The story's container: candidates and the features the fitted body-container weights read."""

from __future__ import annotations

from archiver.extract import analyze_page, extract_article
from archiver.extract.body import LINK_FEATURES, _text, link_features
from archiver.extract.model import LinearModel

URL = "https://news.example.com/2024/05/01/ferry-service-resumes-after-storm/"


def paragraphs(what: str, count: int) -> str:
    return "".join(f"<p>{what} paragraph {i}, with a few commas, some facts, and a quote from the harbour master "
                   f"about the crossing.</p>" for i in range(count))


def page(body: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><title>Ferry Service Resumes | Island Post</title></head>"
            f"<body><main><article><h1>Ferry Service Resumes</h1>{body}</article></main></body></html>")


def beyond_content(html: str) -> list[float]:
    trace: dict = {}
    analyze_page(html, URL, trace=trace)
    return sorted(values.get("beyond-content-prose", 0.0) for _, values in trace["body-container"])


def test_prose_past_the_element_named_the_body_is_measured():
    # The story's own box, then in the same <article> a box of teasers as long as paragraphs: the
    # <article> holds 4 of its 10 paragraphs outside the story's box (the weights say what that costs).
    html = page(f'<div class="entry-content">{paragraphs("Story", 6)}</div>'
                f'<div class="more-stories">{paragraphs("Teaser", 4)}</div>')
    found = beyond_content(html)
    assert 0.35 < found[-1] < 0.45 and found[0] == 0.0


def test_a_story_the_page_splits_in_boxes_named_the_body_is_not_past_it():
    # A figure between two boxes of the same name (Quanta, many CMSs): both are the story.
    html = page(f'<div class="post__content">{paragraphs("First part", 4)}</div>'
                f'<figure><img src="/ferry.jpg" alt=""><figcaption>The ferry</figcaption></figure>'
                f'<div class="post__content">{paragraphs("Second part", 4)}</div>')
    assert beyond_content(html)[-1] == 0.0
    body = extract_article(html, URL).body
    assert "First part paragraph 0" in body and "Second part paragraph 3" in body


def tool_list(names: list[str]) -> str:
    return "<ul>" + "".join(f'<li><a href="https://shop.example.com/{n.replace(" ", "-")}">{n}</a></li>'
                            for n in names) + "</ul>"


def story_blocks(html: str) -> list[tuple[str, int]]:
    trace: dict = {}
    analyze_page(html, URL, trace=trace)
    return max(trace["body-blocks"], key=len)


# A buyer's guide names the tools it recommends as links, between its sections; after its last paragraph
# come other stories' headlines.
TOOLS = ["Fluke 117", "Klein Tools MM400", "Klein Tools 11061", "Amprobe AM-510"]
TEASERS = ["Harbour authority approves the new northern ferry terminal plan for the island",
           "Island school reopens after the winter storms closed its only road for weeks"]
GUIDE = page(f'<div class="entry-content">{paragraphs("Intro", 3)}<h2>Meters</h2>'
             f'<p>These are the meters we trust on every job, each tested in the shop:</p>{tool_list(TOOLS)}'
             f'<h2>Pliers</h2>{paragraphs("Pliers", 3)}{tool_list(TEASERS)}</div>')


def test_link_blocks_are_described_by_their_place_in_the_story():
    blocks = story_blocks(GUIDE)
    found = {blocks[n][0]: values for n, values in link_features(blocks).items()}
    tool, teaser = found["Fluke 117"], found[next(t for t in found if t.startswith("Harbour"))]
    assert tool["between-prose"] == 1.0 and tool["introduced"] == 1.0 and tool["after-prose"] == 0.0
    assert teaser["after-prose"] == 1.0 and teaser["between-prose"] == 0.0
    assert tool["run"] > 0 and tool["alone"] == 0.0
    assert tool["item-words"] < teaser["item-words"]  # names of things, headlines of stories
    assert 0 < tool["run-share"] < 0.5


def test_the_weights_say_which_link_blocks_are_the_story_s():
    # Weights that keep a list the story introduces between its paragraphs, and nothing after its end.
    keep_lists = LinearModel("test", LINK_FEATURES, {"between-prose": 2.0, "after-prose": -2.0, "item-words": -2.0},
                             -0.5)
    blocks = story_blocks(GUIDE)
    body = _text(blocks, None, keep_lists)
    assert body.index("Intro paragraph 2") < body.index("Fluke 117") < body.index("Pliers paragraph 0")
    assert "Amprobe AM-510" in body and "Harbour authority" not in body
    assert "Fluke 117" not in _text(blocks, None, LinearModel("test", LINK_FEATURES, {}, -1.0))


def test_the_trace_holds_each_candidate_s_blocks_for_the_fit():
    trace: dict = {}
    analyze_page(GUIDE, URL, trace=trace)
    assert len(trace["body-blocks"]) == len(trace["body-texts"]) == len(trace["body-container"])
    assert trace["body-texts"] == [_text(blocks, trace["body-headline"]) for blocks in trace["body-blocks"]]


def test_page_kind_reads_the_story_s_prose_without_the_link_lists_it_keeps():
    # The record keeps a list of links the story gives; page kind measures the story's prose without it,
    # so a directory's links do not make it look like a long story.
    import lxml.html

    from archiver.extract.blocks import scan
    from archiver.extract.jsonld import JsonLd
    from archiver.extract.meta import MetaTags
    from archiver.extract.pagekind import measure
    from archiver.extract.text import text_weight
    from archiver.record.items import Article

    tree = lxml.html.fromstring(GUIDE)
    page = scan(tree.find("body"))
    prose = "Intro paragraph 0, with a few commas, and a quote."
    article = Article(url=URL, body="\n\n".join([prose, *TOOLS]))
    plain = measure(page, -1, article, False, JsonLd([]), MetaTags(tree), URL)
    page.story_links = TOOLS
    measured = measure(page, -1, article, False, JsonLd([]), MetaTags(tree), URL)
    assert measured.story_chars == text_weight(prose) < plain.story_chars


def test_date_lines_and_follow_lines_in_other_languages_are_no_story_text():
    from archiver.extract.boilerplate import is_boilerplate

    for line in ("segunda-feira, 22 de janeiro de 2018 às 0:13", "lunedì 4 novembre 2019",
                 "mardi 12 février 2019 à 14:05", "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
                 "Follow The Island Post's opinion section on Facebook and Twitter."):
        assert is_boilerplate(line), line
    for line in ("A 2019 vote in março was won by the islanders.", "Mars rover lands 2019",
                 "Fans follow the band on Twitter, where it posted the news before the show."):
        assert not is_boilerplate(line), line


def test_a_comment_quoting_another_does_not_keep_the_comments_in_the_story():
    comments = "".join(
        f'<li class="comment depth-1" id="comment-{n}"><div class="comment-body"><div class="comment-author">'
        f'<strong>Reader {n}</strong> on <a href="#comment-{n}">September 17, 2018 at 6:34 am</a> said:</div>'
        + ('<blockquote>I skimmed your report, and did not see any analysis of the slower buses.</blockquote>'
           if n == 2 else "")
        + f'<p>Comment {n}: I read the whole post twice, and I would like to know more about the ferry schedule, '
          f'the winter fares, and the new pier the council promised last spring.</p></div></li>'
        for n in range(6))
    html = page(f'<div class="entry-content">{paragraphs("Story", 3)}</div>'
                f'<div id="comments" class="comments-area"><ol class="comment-list">{comments}</ol></div>')
    body = extract_article(html, URL).body
    assert "Story paragraph 2" in body and "Comment" not in body and "skimmed" not in body
