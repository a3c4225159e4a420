"""Politeness by default: contact in the User-Agent, 429 + Retry-After honoured, per-site limits, progress."""

from __future__ import annotations

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.crawl.addons import DEFAULT_USER_AGENT, user_agent
from archiver.middlewares.backoff import retry_after_seconds
from fixture_site import FixtureSite
from sched_helpers import crawl, path_of, read_records, write_sites_file


def test_the_contact_goes_into_the_user_agent_and_the_warcinfo(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=1) as site:
        done = crawl(write_sites_file(tmp_path / "sites.toml", site), archive, "--contact", "mailto:me@example.org")
        assert done.returncode == 0, done.stderr[-2000:]
        agents = site.user_agents
    assert agents == {user_agent("mailto:me@example.org")}
    assert "mailto:me@example.org" in user_agent("mailto:me@example.org") != DEFAULT_USER_AGENT
    with open(next((archive / "warc").glob("*.warc.gz")), "rb") as fh:
        info = next(iter(ArchiveIterator(fh))).content_stream().read().decode()
    assert "operator: mailto:me@example.org" in info


def test_a_user_agent_set_by_hand_is_kept(tmp_path):
    with FixtureSite("sections", articles=1) as site:
        crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "a", "--contact", "mailto:me@example.org",
              "-s", "USER_AGENT=MyBot/1.0")
        assert site.user_agents == {"MyBot/1.0"}


def test_429_with_retry_after_pauses_the_site_then_the_page_is_retried(tmp_path):
    with FixtureSite("sections", articles=2) as site:
        story = site.stories[0]
        site.throttled[story.path] = "2"
        done = crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "archive",
                     "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        assert done.returncode == 0, done.stderr[-2000:]
        times = list(site.times)
    throttled_at = next(t for t, path in times if path == story.path)
    after = [t for t, _ in times if t > throttled_at]
    assert after and min(after) - throttled_at >= 1.9  # nothing asked of the site while it said to wait
    assert sorted(path_of(r["url"]) for r in read_records(tmp_path / "archive")) == sorted(
        s.path for s in site.stories)
    assert "HTTP 429 from" in done.stderr


def test_one_request_at_a_time_means_one_even_without_a_delay(tmp_path):
    # No download delay (FAST sets DOWNLOAD_DELAY=0 and turns AutoThrottle off): the slot's
    # concurrency alone keeps the site from being asked more than once at a time.
    with FixtureSite("sections", articles=6, delay=0.2) as site:
        done = crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "archive",
                     "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
        assert done.returncode == 0, done.stderr[-2000:]
        assert site.max_in_flight == 1
    with FixtureSite("sections", articles=6, delay=0.2) as site:
        assert crawl(write_sites_file(tmp_path / "sites2.toml", site), tmp_path / "archive2",
                     "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=3").returncode == 0
        assert site.max_in_flight == 3


@pytest.mark.parametrize(("value", "seconds"), [("120", 120.0), (" 5 ", 5.0), ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
                                                 ("soon", None), (None, None)])
def test_retry_after_values(value, seconds):
    from email.utils import parsedate_to_datetime

    now = parsedate_to_datetime("Wed, 21 Oct 2015 07:28:00 GMT").timestamp()
    assert retry_after_seconds(value, now=now) == seconds


def test_a_site_politeness_override_spaces_its_requests(tmp_path):
    with FixtureSite("sections", articles=4) as site:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        sites.write_text(sites.read_text() + "[site.politeness]\nconcurrency = 1\ndelay = 0.4\n", encoding="utf-8")
        assert crawl(sites, tmp_path / "archive").returncode == 0
        times = sorted(t for t, _ in site.times)
    # Scrapy draws each delay from 0.5-1.5 times the setting.
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.2 - 0.01
    with FixtureSite("sections", articles=4) as site:
        assert crawl(write_sites_file(tmp_path / "sites2.toml", site), tmp_path / "archive2").returncode == 0
        times = sorted(t for t, _ in site.times)
    assert min(b - a for a, b in zip(times, times[1:])) < 0.1


def test_a_progress_line_during_the_crawl(tmp_path):
    with FixtureSite("sections", articles=8, delay=0.2) as site:
        done = crawl(write_sites_file(tmp_path / "sites.toml", site), tmp_path / "archive",
                     "-s", "PROGRESS_INTERVAL=0.5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    lines = [line for line in done.stderr.splitlines() if "progress:" in line]
    assert lines, done.stderr[-2000:]
    assert "pages (" in lines[-1] and "articles" in lines[-1] and "errors" in lines[-1] and "/s now" in lines[-1]
