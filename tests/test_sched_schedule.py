"""`archiver schedule`: each site crawled when due, feeds read less often while unchanged, a clean stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from conftest import REPO, run_archiver
from fixture_site import FixtureSite
from sched_helpers import FAST, path_of, read_records


def two_sites_file(path, feed_site, sitemap_site, interval="1h"):
    path.write_text(f"""
[defaults]
interval = "{interval}"

[[site]]
name = "feeds"
start = ["{feed_site.url}/"]

[[site]]
name = "sitemaps"
start = ["{sitemap_site.url}/"]
""", encoding="utf-8")
    return path


def schedule(*args):
    return run_archiver("schedule", *args, *FAST)


def test_once_crawls_the_due_sites_and_then_nothing_until_they_are_due_again(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("feed", articles=3) as feed_site, FixtureSite("sitemap", articles=2) as sitemap_site:
        sites = two_sites_file(tmp_path / "sites.toml", feed_site, sitemap_site)
        first = schedule("--sites", str(sites), "--archive", str(archive), "--once")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "feeds: crawl ended with exit code 0" in first.stdout
        assert "sitemaps: crawl ended with exit code 0" in first.stdout
        feed_site.clear_log()
        sitemap_site.clear_log()
        second = schedule("--sites", str(sites), "--archive", str(archive), "--once")
        assert second.returncode == 0
        assert "no site is due" in second.stdout
        assert feed_site.hits == [] and sitemap_site.hits == []
    records = read_records(archive)
    assert sorted(path_of(r["url"]) for r in records) == sorted(
        s.path for s in feed_site.stories + sitemap_site.stories)
    state = json.loads((archive / "state" / "schedule.json").read_text())
    assert set(state) == {"feeds", "sitemaps"} and {s["last_exit"] for s in state.values()} == {0}
    assert sorted(p.name for p in (archive / "jobs").iterdir()) == ["feeds", "sitemaps"]


def test_an_unchanged_feed_is_read_less_and_less_often(tmp_path):
    from archiver.crawl.scheduler import ScheduleState
    from archiver.crawl.seen import SqliteSeenStore

    archive = tmp_path / "archive"
    with FixtureSite("feed", articles=2) as site:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "f"\nstart = ["{site.url}/"]\ninterval = "5s"\n', encoding="utf-8")
        args = ("--sites", str(sites), "--archive", str(archive), "--once")
        assert schedule(*args).returncode == 0
        time.sleep(5.2)  # after the crawl: the site and its feeds are due
        assert schedule(*args).returncode == 0  # due again: the feeds are read and found unchanged
        # The site is due 5 s after that crawl started, its feeds (now every 10 s) 10 s after they were
        # read: start the next crawl as soon as the site is due, however long the last one took.
        time.sleep(max(0.0, ScheduleState(archive).load()["f"].last_start + 5.1 - time.time()))
        site.clear_log()
        assert schedule(*args).returncode == 0  # the site is due, its feeds are not
        paths = [p for _, p, _ in site.hits]
    assert "/" in paths and "/feed.rss" not in paths and "/atom.xml" not in paths
    store = SqliteSeenStore(archive / "state" / "seen.sqlite3")
    state = store.feed_state(f"{site.url}/feed.rss")
    store.close()
    assert state is not None and state.interval == 10.0


def test_the_loop_crawls_again_when_due_and_stops_cleanly_on_sigterm(tmp_path):
    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=2) as site:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "s"\nstart = ["{site.url}/"]\ninterval = "2s"\n', encoding="utf-8")
        process = subprocess.Popen([sys.executable, "-m", "archiver", "schedule", "--sites", str(sites),
                                    "--archive", str(archive), *FAST], cwd=REPO, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and [p for _, p, _ in site.hits].count("/") < 2:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, out
        assert [p for _, p, _ in site.hits].count("/") >= 2
    assert out.count("s: crawl started") >= 2
    assert sorted(path_of(r["url"]) for r in read_records(archive)) == sorted(s.path for s in site.stories)


def test_a_bad_sites_file_is_refused_with_every_problem_listed(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "x y"\nstart = ["ftp://a"]\ninterval = 5\ncolour = "red"\n', encoding="utf-8")
    done = schedule("--sites", str(sites), "--archive", str(tmp_path / "a"), "--once")
    assert done.returncode == 2
    for expected in ("unknown key 'colour'", "'name' must be", "not an http(s) URL: 'ftp://a'",
                     "'interval' must be a duration"):
        assert expected in done.stderr, done.stderr


def test_a_site_another_scheduler_is_crawling_is_skipped(tmp_path):
    import fcntl

    archive = tmp_path / "archive"
    with FixtureSite("sections", articles=1) as site:
        sites = tmp_path / "sites.toml"
        sites.write_text(f'[[site]]\nname = "s"\nstart = ["{site.url}/"]\n', encoding="utf-8")
        (archive / "state").mkdir(parents=True)
        with open(archive / "state" / "s.lock", "wb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            done = schedule("--sites", str(sites), "--archive", str(archive), "--once")
        assert done.returncode == 0
        assert done.stdout.count("s: another scheduler is crawling it; skipped") == 1
        assert site.hits == []
