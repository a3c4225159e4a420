"""The SQLite seen-store: aliases, revisit queries, feed state, durability across connections."""

from __future__ import annotations

import time

from archiver.crawl.seen import FeedState, SeenEntry, SqliteSeenStore


def test_an_entry_is_found_by_every_spelling_and_alias(tmp_path):
    store = SqliteSeenStore(tmp_path / "seen.sqlite3")
    store.mark(SeenEntry(url="https://a.example/story?utm_source=x", record_id="<urn:uuid:1>", site="a"),
               aliases=["https://a.example/s/1", "https://a.example/story/amp/"])
    for url in ("https://A.example/story", "https://a.example/s/1?fbclid=z", "https://a.example/story/amp/"):
        entry = store.get(url)
        assert entry is not None and entry.record_id == "<urn:uuid:1>", url
    assert store.get("https://a.example/other") is None
    store.close()
    reopened = SqliteSeenStore(tmp_path / "seen.sqlite3")
    assert reopened.get("https://a.example/story").site == "a"
    reopened.close()


def test_recent_articles_for_revisits(tmp_path):
    store = SqliteSeenStore(tmp_path / "seen.sqlite3")
    now = time.time()
    fresh = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 3600))
    old = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 20 * 86400))
    store.mark(SeenEntry(url="https://a/fresh", published=fresh, site="a"), aliases=["https://a/f"])
    store.mark(SeenEntry(url="https://a/old", published=old, site="a"))
    store.mark(SeenEntry(url="https://b/fresh", published=fresh, site="b"))
    store.mark(SeenEntry(url="https://a/report.pdf", kind="document", fetched_at=fresh, site="a"))
    assert [e.url for e in store.recent(7, "a")] == ["https://a/fresh"]
    assert sorted(e.url for e in store.recent(30)) == ["https://a/fresh", "https://a/old", "https://b/fresh"]
    assert 0.9 / 24 < store.get("https://a/f").age_days(now) < 1.1 / 24


def test_touch_and_feed_state(tmp_path):
    store = SqliteSeenStore(tmp_path / "seen.sqlite3")
    store.mark(SeenEntry(url="https://a/x", etag='"e1"'), aliases=["https://a/y"])
    store.touch("https://a/x", 123.0)
    assert store.get("https://a/y").checked_at == 123.0 and store.get("https://a/y").etag == '"e1"'
    assert store.feed_state("https://a/feed") is None
    store.save_feed_state(FeedState("https://a/feed", "sig", 1.0, 1.0, 3600.0))
    assert store.feed_state("https://a/feed").interval == 3600.0


def test_an_unchanged_feed_backs_off_up_to_the_ceiling_and_resets_on_change():
    from archiver.crawl.seen import next_feed_state

    state = next_feed_state(None, "f", "a", now=0, interval=60, max_backoff=4)
    waits = []
    for now in (60, 180, 420, 900):
        state = next_feed_state(state, "f", "a", now=now, interval=60, max_backoff=4)
        waits.append(state.interval)
    assert waits == [120, 240, 240, 240] and state.changed_at == 0
    changed = next_feed_state(state, "f", "b", now=1000, interval=60, max_backoff=4)
    assert (changed.interval, changed.changed_at) == (60, 1000)
