"""URL clean-up: tracking parameters, AMP renderings and the dedup key."""

from __future__ import annotations

import pytest

from archiver.discovery.urls import clean_url, url_key


@pytest.mark.parametrize(("url", "cleaned"), [
    ("https://a.example/story/?utm_source=tw&utm_medium=social&id=7", "https://a.example/story/?id=7"),
    ("https://a.example/story?fbclid=IwAR0&gclid=x&msclkid=y", "https://a.example/story"),
    ("https://a.example/story#comments", "https://a.example/story"),
    ("https://a.example/2024/story/amp/", "https://a.example/2024/story/"),
    ("https://a.example/2024/story.amp.html", "https://a.example/2024/story.html"),
    ("https://a.example/story?amp=1", "https://a.example/story"),
    ("https://a.example/story?outputType=amp&page=2", "https://a.example/story?page=2"),
    ("https://a-example.cdn.ampproject.org/c/s/a.example/story/", "https://a.example/story/"),
    ("https://www.google.com/amp/s/a.example/story.html", "https://a.example/story.html"),
    ("https://a.example/amp/", "https://a.example/amp/"),  # a section called amp, not a rendering
    ("https://a.example/search?q=amp&page=2", "https://a.example/search?q=amp&page=2"),
])
def test_clean_url(url, cleaned):
    assert clean_url(url) == cleaned


def test_url_key_is_the_same_for_every_spelling_of_a_page():
    spellings = ["HTTPS://A.Example:443/story?b=2&a=1&utm_campaign=x", "https://a.example/story?a=1&b=2#top",
                 "https://a.example/story?amp&a=1&b=2"]
    assert {url_key(u) for u in spellings} == {"https://a.example/story?a=1&b=2"}
    assert url_key("http://a.example:8080/x") == "http://a.example:8080/x"
