"""Crawls into an archive on a small file system made for the test: one that fills it, one the free-space guard
stops first, and `archiver schedule` waiting for space. Each stops with exit 5 and one line, leaves no damaged
record, and a resume once space is freed records every remaining article exactly once."""

from __future__ import annotations

import collections
import gzip
import io
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc.verify import verify_archive
from conftest import run_archiver
from fixture_site import FixtureSite
from sched_helpers import FAST, path_of, write_sites_file
from small_fs import fill, read_only, resize, small_fs

ARTICLES = 60
NO_GUARD = ["-s", "DISKSPACE_ENABLED=False"]
GUARD_OFF_FOR_RESUME = ["-s", "DISKSPACE_MIN_FREE=0", "-s", "DISKSPACE_MIN_FREE_SHARE=0.05"]


def crawl(sites: Path, archive: Path, jobdir: Path, *extra: str):
    return run_archiver("crawl", "--sites", str(sites), "--archive", str(archive), "--jobdir", str(jobdir),
                        *FAST, *extra, timeout=240)


def verdicts(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("archiver crawl:")]


def records(archive: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
            for line in path.read_bytes().splitlines()]


def warc_path(archive: Path, filename: str) -> Path:
    path = archive / filename
    return path if path.exists() else path.with_name(path.name + ".open")  # a file left to recovery


def assert_every_record_points_at_a_whole_warc_record(archive: Path) -> None:
    for record in records(archive):
        pointer = record["warc"]
        with open(warc_path(archive, pointer["filename"]), "rb") as fh:
            fh.seek(pointer["offset"])
            member = fh.read(pointer["length"])
        assert len(member) == pointer["length"]
        gzip.decompress(member)  # one whole gzip member, exactly
        [warc] = [(r.rec_type, r.rec_headers.get_header("WARC-Record-ID"), r.content_stream().read() and
                   r.digest_checker.passed) for r in ArchiveIterator(io.BytesIO(member), check_digests=True)]
        assert warc == ("response", pointer["record_id"], True), (record["url"], warc)


def article_paths(site: FixtureSite) -> list[str]:
    return sorted(story.path for story in site.stories)


def captured_paths(archive: Path) -> set[str]:
    found = set()
    for path in (archive / "warc").glob("*.warc.gz*"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    found.add(path_of(record.rec_headers.get_header("WARC-Target-URI")))
    return found


def test_a_crawl_that_fills_the_disk_stops_with_exit_5_and_a_resume_records_the_rest_exactly_once(tmp_path):
    # 768 KiB: the crawl's writers fill it about half way through the 60 articles.
    with FixtureSite("sections", articles=ARTICLES) as site, small_fs(tmp_path / "fs", 768) as fs:
        sites = write_sites_file(tmp_path / "sites.toml", site)
        archive, jobdir = fs / "archive", fs / "job"
        # The guard off: every writer (WARC, records, seen-store, indexes, Scrapy's job state) meets the full disk.
        full = crawl(sites, archive, jobdir, *NO_GUARD)
        assert full.returncode == 5, full.stdout + full.stderr[-3000:]
        assert "Traceback" not in full.stderr, full.stderr
        [verdict] = verdicts(full.stderr)
        assert verdict.startswith("archiver crawl: stopped for want of space: ") and (
            "No space left on device" in verdict or "disk is full" in verdict), verdict
        assert "finish reason   diskspace_low" in full.stdout

        report = verify_archive(archive)
        assert report.damaged == 0 and report.articles > 0
        # The one thing a full disk may leave undone: indexing the crawl's WARC file (the next crawl does it).
        assert all("not indexed" in fault for fault in report.faults), report.faults
        assert_every_record_points_at_a_whole_warc_record(archive)
        first = collections.Counter(path_of(r["url"]) for r in records(archive))
        assert 0 < len(first) < ARTICLES and set(first.values()) == {1}, len(first)
        captured_not_recorded = {p for p in captured_paths(archive) if p.startswith("/news/")} - set(first)

        resize(fs, 16 * 1024)  # space freed
        site.clear_log()
        resumed = crawl(sites, archive, jobdir, *GUARD_OFF_FOR_RESUME)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr[-3000:]
        fetched = collections.Counter(site.article_fetches())
        every = collections.Counter(path_of(r["url"]) for r in records(archive))
        assert sorted(every) == article_paths(site) and set(every.values()) == {1}  # every article, once
        # Fetched again: exactly the pages not recorded, less those captured before the stop (from the archive).
        assert sorted(fetched) == sorted(set(article_paths(site)) - set(first) - captured_not_recorded)
        assert set(fetched.values()) <= {1}
        assert verify_archive(archive).faults == []


def test_the_guard_stops_a_crawl_before_the_disk_fills_and_schedule_waits_for_space(tmp_path):
    # 4.5 MiB of the 5 free at the least: the 60 articles need more than the half MiB left (the search index's
    # write-ahead log is checkpointed every 800 KiB, so the archive no longer takes 4 MiB for them).
    guard = ["-s", "DISKSPACE_MIN_FREE=4.5MiB", "-s", "DISKSPACE_MIN_FREE_SHARE=0", "-s",
             "DISKSPACE_CHECK_INTERVAL=0.1"]
    with FixtureSite("sections", articles=ARTICLES, delay=0.02) as site, small_fs(tmp_path / "fs", 5 * 1024) as fs:
        sites = write_sites_file(tmp_path / "sites.toml", site, name="news")
        archive = fs / "archive"
        stopped = crawl(sites, archive, archive / "jobs" / "news", *guard)
        assert stopped.returncode == 5, stopped.stdout + stopped.stderr[-3000:]
        [verdict] = verdicts(stopped.stderr)
        assert "below the minimum of 4.5 MiB" in verdict, verdict
        # Stopped with room to spare: no write failed, and the archive is whole, its index included.
        assert "No space left" not in stopped.stderr and "disk is full" not in stopped.stderr
        assert verify_archive(archive).faults == []
        recorded = len(records(archive))
        assert 0 < recorded < ARTICLES

        # Space still low (the crawl's SQLite journals gave some back as it closed: take it): schedule starts
        # nothing, says so, exits 5.
        ballast = fill(fs, leave=2 * 1024**2)
        waiting = run_archiver("schedule", "--once", "--sites", str(sites), "--archive", str(archive), *FAST, *guard)
        assert waiting.returncode == 5, waiting.stdout + waiting.stderr
        assert "news: due, not started: free space on" in waiting.stdout
        assert len(records(archive)) == recorded

        ballast.unlink()
        resize(fs, 64 * 1024)  # space freed: the stopped site is due at once, and resumes
        done = run_archiver("schedule", "--once", "--sites", str(sites), "--archive", str(archive), *FAST, *guard,
                            timeout=240)
        assert done.returncode == 0, done.stdout + done.stderr
        every = collections.Counter(path_of(r["url"]) for r in records(archive))
        assert sorted(every) == article_paths(site) and set(every.values()) == {1}
        assert verify_archive(archive).faults == []


def test_a_crawl_does_not_start_below_the_minimum_or_on_a_read_only_archive(tmp_path):
    with small_fs(tmp_path / "fs", 1024) as fs:
        archive = fs / "archive"
        low = run_archiver("crawl", "http://127.0.0.1:9/", "--archive", str(archive))  # default minimum: 1 GiB
        assert low.returncode == 5 and "Traceback" not in low.stderr
        assert low.stderr.strip().splitlines() == [line for line in verdicts(low.stderr)]
        [line] = verdicts(low.stderr)
        assert line.startswith(f"archiver crawl: not started: free space on {fs} is ") and "1.0 GiB" in line
        assert not archive.exists()  # nothing created

        archive.mkdir()
        read_only(fs)
        for command in (["crawl", "http://127.0.0.1:9/"], ["schedule", "--once", "--sites", str(tmp_path / "s.toml")]):
            if command[0] == "schedule":
                (tmp_path / "s.toml").write_text('[[site]]\nname = "x"\nstart = ["http://127.0.0.1:9/"]\n')
            done = run_archiver(*command, "--archive", str(archive), "-s", "DISKSPACE_MIN_FREE=0",
                                "-s", "DISKSPACE_MIN_FREE_SHARE=0")
            assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
            assert done.stderr.strip().splitlines() == [
                f"archiver {command[0]}: cannot write into {archive}: Read-only file system"]


@pytest.mark.parametrize("bad", ["DISKSPACE_MIN_FREE=lots", "DISKSPACE_MIN_FREE_SHARE=150%"])
def test_a_bad_minimum_is_a_usage_error(tmp_path, bad):
    done = run_archiver("crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path / "a"), "-s", bad)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "a").exists()


def test_the_free_space_rule_takes_the_larger_of_bytes_and_share(tmp_path):
    from archiver.storage.space import FreeSpace, SpaceRule

    with small_fs(tmp_path / "fs", 1024) as fs:
        fill(fs, leave=300 * 1024)
        space = FreeSpace.of(fs / "not" / "created" / "yet")
        assert space.path == fs and 280 * 1024 <= space.free <= 300 * 1024 and space.total == 1024 * 1024
        assert SpaceRule(256 * 1024, 0).check(fs) is None
        assert SpaceRule(256 * 1024, 0.5).check(fs).required == 512 * 1024  # the share wins on this disk
        assert SpaceRule(512 * 1024, 0.1).check(fs).required == 512 * 1024  # the bytes win
