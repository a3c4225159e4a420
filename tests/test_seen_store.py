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


def rows_on_disk(path) -> int:
    """What another process would read: the committed rows."""
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]
    finally:
        db.close()


def test_marks_are_seen_at_once_and_committed_together(tmp_path):
    path = tmp_path / "seen.sqlite3"
    store = SqliteSeenStore(path)
    for n in range(50):
        store.mark(SeenEntry(url=f"https://a.example/story-{n}", record_id=f"<urn:uuid:{n}>", site="a"))
        assert store.get(f"https://a.example/story-{n}").record_id == f"<urn:uuid:{n}>"  # before any commit
    store.flush()
    assert rows_on_disk(path) == 50
    store.mark(SeenEntry(url="https://a.example/late", site="a"))
    store.close()  # commits what waits
    assert rows_on_disk(path) == 51


def test_a_mark_again_before_its_commit_keeps_the_newer_entry(tmp_path):
    store = SqliteSeenStore(tmp_path / "seen.sqlite3")
    store.mark(SeenEntry(url="https://a.example/s", version=1))
    store.mark(SeenEntry(url="https://a.example/s", version=2))
    assert store.get("https://a.example/s").version == 2
    store.flush()
    assert store.get("https://a.example/s").version == 2
    store.close()


def test_a_write_that_failed_is_raised_to_the_crawl_and_what_was_committed_stays(tmp_path):
    import sqlite3

    from small_fs import small_fs

    with small_fs(tmp_path / "fs", 256) as fs:
        store = SqliteSeenStore(fs / "seen.sqlite3")
        store.mark(SeenEntry(url="https://a.example/first", site="a"))
        store.flush()
        failed = None
        for n in range(400):  # a 4 KiB entry each: the file system fills
            try:
                store.mark(SeenEntry(url=f"https://a.example/{n}", content_sha1="x" * 4096, site="a"))
                if n % 20 == 19:
                    store.flush()
            except sqlite3.Error as error:
                failed = error
                break
        assert failed is not None and "full" in str(failed)
        store.close()
        reopened = SqliteSeenStore(fs / "seen.sqlite3")
        assert reopened.get("https://a.example/first") is not None
        reopened.close()


def test_reconciled_records_are_marked_on_disk_before_their_files_are_noted_as_read(tmp_path):
    """The start-up reconciliation notes which records files it has read; a crawl killed right after must not
    find that note while the marks it stands for were still waiting in memory (they are batched)."""
    import json

    from archiver.crawl.reconcile import reconcile

    articles, state = tmp_path / "articles", tmp_path / "state"
    articles.mkdir()
    from archiver.record.items import Article

    lines = [json.dumps(vars(Article(url=f"https://a.example/{n}", headline=f"Story {n}", body="Text.", status=200,
                                     id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>")))
             for n in range(30)]
    (articles / "killed-crawl.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = SqliteSeenStore(state / "seen.sqlite3")
    assert reconcile(store, articles, state) == 30
    assert rows_on_disk(state / "seen.sqlite3") == 30  # read now, as by the crawl after a kill -9
    assert (state / "records-reconciled.json").is_file()
    store.close()
