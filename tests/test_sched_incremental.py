"""Incremental re-runs over the four fixture layouts: only what is new is fetched, each article recorded once."""

from __future__ import annotations

import pytest

from fixture_site import LAYOUTS, FixtureSite
from sched_helpers import crawl, path_of, read_records, write_sites_file


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reruns_fetch_only_the_articles_not_yet_archived(layout, tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite(layout, articles=6) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        first = crawl(sites, archive)
        assert first.returncode == 0, first.stderr[-3000:]
        assert sorted(site.article_fetches()) == sorted(s.path for s in site.stories)

        site.clear_log()
        second = crawl(sites, archive)
        assert second.returncode == 0, second.stderr[-3000:]
        assert site.article_fetches() == []
        assert "already held    6 articles not fetched again" in second.stdout

        new = site.publish()
        site.clear_log()
        third = crawl(sites, archive)
        assert third.returncode == 0, third.stderr[-3000:]
        assert site.article_fetches() == [new.path]

    records = read_records(archive)
    assert sorted(path_of(r["url"]) for r in records) == sorted(s.path for s in site.stories)
    assert all(r["version"] == 1 and r["previous_version_id"] is None for r in records)


@pytest.mark.parametrize(("layout", "via"), [("sitemap", "sitemap"), ("feed", "feed"),
                                              ("news-sitemap", "news-sitemap"), ("sections", "link")])
def test_records_say_how_each_article_was_found(layout, via, tmp_path):
    with FixtureSite(layout, articles=3) as site:
        crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "archive")
    records = read_records(tmp_path / "archive")
    assert len(records) == 3
    assert {r["discovered_via"] for r in records} == {via}


def test_feed_links_lose_tracking_parameters_and_amp_before_fetching(tmp_path):
    with FixtureSite("feed", articles=4) as site:
        crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "archive")
        requested = [path for _, path, _ in site.hits]
    assert not [p for p in requested if "utm_" in p or "fbclid" in p or p.endswith("/amp/")]
    assert sorted(path_of(r["url"]) for r in read_records(tmp_path / "archive")) == sorted(
        s.path for s in site.stories)


def test_an_amp_page_is_archived_through_its_canonical_article(tmp_path):
    with FixtureSite("sections", articles=1) as site:
        story = site.stories[0]
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "amp"\nstart = ["{site.url}{story.path}amp/"]\n', encoding="utf-8")
        done = crawl(sites, tmp_path / "archive")
        assert done.returncode == 0, done.stderr[-3000:]
        assert site.article_fetches() == [story.path + "amp/", story.path]
    [record] = read_records(tmp_path / "archive")
    assert path_of(record["url"]) == story.path


def test_a_news_sitemap_carries_its_fields_into_the_record(tmp_path):
    with FixtureSite("news-sitemap", articles=2) as site:
        crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "archive")
    for record in read_records(tmp_path / "archive"):
        story = next(s for s in site.stories if s.path == path_of(record["url"]))
        assert record["news_sitemap"] == {
            "publication_name": "The Fixture Times", "publication_language": "en",
            "publication_date": story.published.isoformat(), "title": story.title,
            "keywords": [story.section, "local"]}


@pytest.mark.parametrize("layout", ["news-sitemap", "sitemap", "feed"])
def test_articles_older_than_the_age_limit_are_never_fetched(layout, tmp_path):
    with FixtureSite(layout, articles=3, old=3) as site:
        done = crawl(write_sites_file(tmp_path / "sites.toml", site, max_age_days=2), tmp_path / "archive")
        assert done.returncode == 0, done.stderr[-3000:]
        fresh = sorted(s.path for s in site.stories if not s.title.startswith("Old"))
        assert sorted(site.article_fetches()) == fresh
    assert sorted(path_of(r["url"]) for r in read_records(tmp_path / "archive")) == fresh


def test_scrapy_crawl_with_a_sites_file_is_incremental_too(tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    archive = tmp_path / "archive"
    with FixtureSite("sitemap", articles=3) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"sites={sites}",
                   "-s", f"ARCHIVE_DIR={archive}", "-s", "AUTOTHROTTLE_ENABLED=False"]
        first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stderr[-3000:]
        site.clear_log()
        second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
        assert site.article_fetches() == []
        assert "'seen/skipped/article': 3" in second.stderr
    assert len(read_records(archive)) == 3
