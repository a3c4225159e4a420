"""Sitemaps, news sitemaps and feeds parsed from untrusted XML: fields, dates, limits, hostile input."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone

import pytest

from archiver.discovery.feeds import parse_feed
from archiver.discovery.sitemaps import parse_sitemap, robots_sitemap_urls
from archiver.discovery.xml import XmlTooLarge, gunzip_limited, parse_date, xml_body

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>https://news.example/a/</loc>
  <news:news><news:publication><news:name>Example Daily</news:name><news:language>de</news:language></news:publication>
   <news:publication_date>2024-05-01T10:00:00+02:00</news:publication_date><news:title>A &amp; B</news:title></news:news>
 </url>
 <url><loc>/relative/</loc><lastmod>2024-04-30</lastmod></url>
 <url><lastmod>2024-04-30</lastmod></url>
</urlset>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/&lol4;</loc></url>
<url><loc>https://x.example/ok/</loc></url></urlset>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><link>https://x.example/&xxe;</link></item></channel></rss>"""


def test_news_sitemap_fields_and_dates():
    sitemap = parse_sitemap(NEWS, "https://news.example/sitemap.xml")
    assert sitemap.kind == "urlset" and sitemap.is_news
    first, second = sitemap.entries
    assert first.news == {"publication_name": "Example Daily", "publication_language": "de",
                          "publication_date": "2024-05-01T10:00:00+02:00", "title": "A & B"}
    assert first.date == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert second.url == "https://news.example/relative/" and second.news is None
    assert second.date == datetime(2024, 4, 30, tzinfo=timezone.utc)


def test_sitemap_index():
    body = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://a/1.xml</loc>'
            b"<lastmod>2020-01-01</lastmod></sitemap><sitemap><loc>https://a/2.xml.gz</loc></sitemap></sitemapindex>")
    sitemap = parse_sitemap(body, "https://a/")
    assert sitemap.kind == "sitemapindex"
    assert [(e.url, e.lastmod and e.lastmod.year) for e in sitemap.entries] == [("https://a/1.xml", 2020),
                                                                                 ("https://a/2.xml.gz", None)]


def test_entities_are_never_expanded():
    urls = [e.url for e in parse_sitemap(BILLION_LAUGHS, "https://x.example/").entries]
    assert "https://x.example/ok/" in urls
    assert not any("lol" in url for url in urls)
    assert all("root:" not in e.url for e in parse_feed(XXE, "https://x.example/"))


def test_entries_beyond_the_limit_are_cut():
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b"".join(
        b"<url><loc>https://a/%d</loc></url>" % i for i in range(20)) + b"</urlset>"
    sitemap = parse_sitemap(body, "https://a/", max_entries=5)
    assert len(sitemap.entries) == 5 and sitemap.truncated


def test_gzip_bomb_is_refused_and_a_normal_xml_gz_is_read():
    bomb = gzip.compress(b"<urlset>" + b" " * (20 * 1024**2) + b"</urlset>")
    assert len(bomb) < 100_000
    with pytest.raises(XmlTooLarge):
        xml_body(bomb, max_size=1024**2)
    assert xml_body(gzip.compress(NEWS)) == NEWS
    with pytest.raises(XmlTooLarge):
        xml_body(NEWS, max_size=100)
    assert gunzip_limited(gzip.compress(b"abc" * 1000), 3000) == b"abc" * 1000


def test_rss_and_atom_items_with_their_dates():
    rss = (b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><title>One</title>'
           b"<link>https://a/1</link><pubDate>Tue, 18 Jun 2024 10:00:00 +0000</pubDate></item>"
           b'<item><guid isPermaLink="true">https://a/2</guid><dc:date>2024-06-17</dc:date></item>'
           b'<item><guid isPermaLink="false">tag:a,2</guid></item></channel></rss>')
    entries = parse_feed(rss, "https://a/feed")
    assert [(e.url, e.published.date().isoformat()) for e in entries] == [("https://a/1", "2024-06-18"),
                                                                          ("https://a/2", "2024-06-17")]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/x.atom"/>'
            b'<link href="/story"/><updated>2024-06-19T00:00:00Z</updated><published>2024-06-18T00:00:00Z'
            b"</published></entry></feed>")
    [entry] = parse_feed(atom, "https://a/feed")
    assert entry.url == "https://a/story" and entry.published.day == 18


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-06-18", "2024-06-18T00:00:00+00:00"),
    ("2024-06-18T10:00Z", "2024-06-18T10:00:00+00:00"),
    ("2024-06-18T10:00:00+02:00", "2024-06-18T10:00:00+02:00"),
    ("Tue, 18 Jun 2024 10:00:00 GMT", "2024-06-18T10:00:00+00:00"),
    ("yesterday", None),
    ("", None),
])
def test_dates(text, expected):
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected


def test_robots_sitemap_lines():
    lines = ["User-agent: *", "Disallow: /x", "Sitemap: /news.xml", "sitemap:https://a/s.xml", "Sitemap: /news.xml"]
    assert robots_sitemap_urls(lines, "https://a/robots.txt") == ["https://a/news.xml", "https://a/s.xml"]
