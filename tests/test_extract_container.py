"""The story's container: candidates and the features the fitted body-container weights read."""

from __future__ import annotations

from archiver.extract import analyze_page, extract_article

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
