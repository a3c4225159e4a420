"""The sites file: what a valid one gives, and clear errors for every mistake in an invalid one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from archiver.crawl.sites import SitesFileError, load_sites, parse_sites

EXAMPLE = """
[defaults]
max_age_days = 3
interval = "2h"

[[site]]
name = "meridian"
start = ["https://www.meridian.example/", "https://www.meridian.example/world/"]
feeds = ["https://feeds.meridian.example/all.rss"]
sitemaps = ["https://www.meridian.example/news-sitemap.xml"]
allowed_domains = ["meridian.example"]
allow = ['/\\d{4}/\\d{2}/']
deny = ['/tag/', '\\?replytocom=']
interval = "30m"
depth = 2

[site.politeness]
delay = 2.5
concurrency = 1

[[site]]
name = "gazette"
feeds = ["https://gazette.example/feed/"]
robots_sitemaps = false
"""


def test_a_full_sites_file(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    meridian, gazette = load_sites(path)
    assert meridian.interval == timedelta(minutes=30) and gazette.interval == timedelta(hours=2)
    assert meridian.max_age == gazette.max_age == timedelta(days=3)
    assert meridian.depth == 2 and gazette.depth is None and gazette.robots_sitemaps is False
    assert gazette.allowed_domains == ("gazette.example",)
    assert meridian.in_scope("https://img.meridian.example/a.jpg")
    assert not meridian.in_scope("https://www.meridian.example/tag/x/")
    assert meridian.follow_allowed("https://www.meridian.example/2024/05/story/")
    assert not meridian.follow_allowed("https://www.meridian.example/world/")
    assert meridian.slot_settings()["www.meridian.example"] == {"delay": 2.5, "concurrency": 1}
    assert gazette.slot_settings() == {}
    assert [s.name for s in load_sites(path, only=["gazette"])] == ["gazette"]
    with pytest.raises(SitesFileError, match="no site named 'nope'"):
        load_sites(path, only=["nope"])


@pytest.mark.parametrize(("toml", "message"), [
    ("", "no [[site]] table"),
    ("[[site]]\nstart = ['https://a/']", "'name' is required"),
    ("[[site]]\nname = 'a'", "needs at least one of 'start', 'feeds' or 'sitemaps'"),
    ("[[site]]\nname = 'a'\nstart = 'https://a/'", "'start' must be a list of start page URLs"),
    ("[[site]]\nname = 'a'\nstart = ['a.example']", "not an http(s) URL: 'a.example'"),
    ("[[site]]\nname = 'a'\nstart = ['https://a/']\ndeny = ['(']", "bad regular expression '('"),
    ("[[site]]\nname = 'a'\nstart = ['https://a/']\ninterval = '5 weeks'", "'interval' must be a duration"),
    ("[[site]]\nname = 'a'\nstart = ['https://a/']\nmax_age_days = 0", "'max_age_days' must be a number of days"),
    ("[[site]]\nname = 'a'\nstart = ['https://a/']\n[site.politeness]\ndelay = -1", "politeness: 'delay' must be"),
    ("[[site]]\nname = 'a'\nstart = ['https://a/']\n[site.politeness]\nrate = 1", "politeness: unknown key 'rate'"),
    ("[[site]]\nname = 'a'\nstart = ['https://a/']\n[[site]]\nname = 'a'\nfeeds = ['https://a/f']",
     "site #2 'a': name used by an earlier site"),
    ("[defaults]\nstart = ['https://a/']\n[[site]]\nname = 'a'\nfeeds = ['https://a/f']",
     "[defaults]: key 'start' cannot be a default"),
    ("sites = 1\n[[site]]\nname = 'a'\nfeeds = ['https://a/f']", "unknown top-level key 'sites'"),
])
def test_mistakes_are_named_with_the_site_and_key(toml, message):
    import tomllib

    with pytest.raises(SitesFileError) as error:
        parse_sites(tomllib.loads(toml), "sites.toml")
    assert message in str(error.value)


def test_every_problem_is_reported_at_once():
    import tomllib

    with pytest.raises(SitesFileError) as error:
        parse_sites(tomllib.loads("[[site]]\nname = 'a b'\nstart = ['x']\ncolour = 1\n"))
    assert "3 problem(s)" in str(error.value)


def test_unreadable_files_say_why(tmp_path):
    with pytest.raises(SitesFileError, match="cannot read"):
        load_sites(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[[site]\n", encoding="utf-8")
    with pytest.raises(SitesFileError, match="not valid TOML"):
        load_sites(tmp_path / "bad.toml")
