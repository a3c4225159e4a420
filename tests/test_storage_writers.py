"""A disk that fills (ENOSPC) or fails (EIO) under each writer: nothing torn, nothing counted as done that was not
written. Real full file systems (a tmpfs of a few hundred KiB, filled) wherever practical; EIO through the
writer's OS-write seam."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from archiver.record.items import Article
from archiver.warc.records import Exchange
from archiver.warc.writer import RotatingWarcWriter, iter_member_ends
from conftest import run_archiver
from small_fs import fill, resize, small_fs


def exchange(n: int, size: int = 24 * 1024) -> Exchange:
    """A fetch with an incompressible body: a few of them fill a small file system."""
    return Exchange(url=f"http://127.0.0.1/page/{n}", method="GET", request_headers=[("Host", "127.0.0.1")],
                    request_body=b"", status=200, response_headers=[("Content-Type", "application/octet-stream")],
                    response_body=os.urandom(size), ip_address="127.0.0.1")


def warc_contents(path) -> list[tuple[str, str]]:
    """(type, record id) of every record, digests checked; asserts the file is whole gzip members to its end."""
    with open(path, "rb") as fh:
        ends = list(iter_member_ends(fh))
        assert ends and ends[-1] == os.path.getsize(path), f"{path} does not end with a whole record"
        fh.seek(0)
        found = []
        for record in ArchiveIterator(fh, check_digests=True):
            record.content_stream().read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
            found.append((record.rec_type, record.rec_headers.get_header("WARC-Record-ID")))
    return found


def write_until_it_fails(writer: RotatingWarcWriter, limit: int = 200) -> tuple[list, OSError]:
    pointers = []
    for n in range(limit):
        try:
            pointers.append(writer.write_exchange(exchange(n)))
        except OSError as error:
            return pointers, error
    raise AssertionError("the writer never failed")


# -- WARC files


def test_a_warc_write_that_fills_the_disk_leaves_the_file_ending_with_its_last_whole_fetch(tmp_path):
    with small_fs(tmp_path / "fs", 384) as fs:
        writer = RotatingWarcWriter(fs / "warc", archive_root=fs)
        pointers, error = write_until_it_fails(writer)
        assert error.errno == errno.ENOSPC and len(pointers) >= 3
        [open_file] = (fs / "warc").glob("*.open")
        records = warc_contents(open_file)  # whole to its end: the failed fetch left nothing
        assert len(records) == writer.records_written == 1 + 2 * len(pointers)
        assert records[-2] == ("response", pointers[-1]["record_id"]) and records[-1][0] == "request"

        resize(fs, 4096)  # space freed: the same file goes on, whole
        more = [writer.write_exchange(exchange(1000 + n)) for n in range(3)]
        writer.close()
        [closed] = writer.files_written
        records = warc_contents(closed)
        assert len(records) == 1 + 2 * (len(pointers) + 3)
        assert {pointer["record_id"] for pointer in pointers + more} <= {rid for kind, rid in records}
        assert not list((fs / "warc").glob("*.open"))


def test_a_warc_file_that_cannot_be_started_is_not_left_behind(tmp_path):
    with small_fs(tmp_path / "fs", 256) as fs:
        (fs / "warc").mkdir()
        fill(fs, leave=0)
        writer = RotatingWarcWriter(fs / "warc", archive_root=fs)
        with pytest.raises(OSError) as failed:
            writer.write_exchange(exchange(1))
        assert failed.value.errno == errno.ENOSPC
        assert list((fs / "warc").iterdir()) == []  # not even an empty .open file


def test_an_io_error_in_the_middle_of_a_fetch_cuts_the_file_back(tmp_path, monkeypatch):
    import archiver.storage.append as append

    budget = {"bytes": None}
    real_write = os.write

    def failing_disk(fd: int, data) -> int:  # writes part of what it is given, then fails as a dying disk does
        if budget["bytes"] is None:
            return real_write(fd, data)
        if budget["bytes"] <= 0:
            raise OSError(errno.EIO, "Input/output error")
        written = real_write(fd, bytes(data[: budget["bytes"]]))
        budget["bytes"] -= written
        return written

    monkeypatch.setattr(append, "os_write", failing_disk)
    writer = RotatingWarcWriter(tmp_path / "warc", archive_root=tmp_path)
    kept = [writer.write_exchange(exchange(n)) for n in range(3)]
    budget["bytes"] = 10_000  # the next fetch gets 10 kB into the file, then the disk fails
    with pytest.raises(OSError) as failed:
        writer.write_exchange(exchange(3))
    assert failed.value.errno == errno.EIO
    [open_file] = (tmp_path / "warc").glob("*.open")
    assert len(warc_contents(open_file)) == 1 + 2 * len(kept)
    budget["bytes"] = None
    kept.append(writer.write_exchange(exchange(4)))
    writer.close()
    assert [rid for kind, rid in warc_contents(writer.files_written[0]) if kind == "response"] == \
        [pointer["record_id"] for pointer in kept]


def test_a_cdxj_index_that_cannot_be_written_leaves_no_file(tmp_path):
    from archiver.warc.cdxj import index_dir, update_index

    with small_fs(tmp_path / "fs", 512) as fs:
        writer = RotatingWarcWriter(fs / "warc", archive_root=fs)
        for n in range(4):
            writer.write_exchange(exchange(n, size=1024))
        writer.close()
        index_dir(fs / "warc").mkdir()
        fill(fs, leave=0)
        with pytest.raises(OSError):
            update_index(fs / "warc")
        assert list(index_dir(fs / "warc").iterdir()) == []  # no half index, no .tmp
        (fs / "ballast").unlink()
        assert update_index(fs / "warc").entries_added == 4


# -- article records


def article(n: int, size: int = 4000) -> Article:
    body = hashlib.sha256(str(n).encode()).hexdigest() * (size // 64)
    return Article(url=f"http://127.0.0.1/news/{n}/", headline=f"Story {n}", body=body, status=200,
                   id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>", content_sha1=hashlib.sha1(body.encode()).hexdigest())


def records_crawler(archive):
    return get_crawler(settings_dict={"ARCHIVE_DIR": str(archive), "JSONL_ENABLED": True, "JSONL_SUBDIR": "articles"})


def test_a_record_that_fills_the_disk_is_dropped_whole_and_the_crawl_stops_for_space(tmp_path):
    from pipelines.jsonlines import JsonLinesPipeline

    with small_fs(tmp_path / "fs", 256) as fs:
        crawler = records_crawler(fs)
        pipeline = JsonLinesPipeline.from_crawler(crawler)
        pipeline.open_spider()
        written = []
        with pytest.raises(DropItem, match="record not written"):
            for n in range(1000):
                pipeline.process_item(article(n))
                written.append(n)
        data = pipeline.path.read_bytes()
        assert data.endswith(b"\n")  # no half line
        assert [json.loads(line)["url"] for line in data.splitlines()] == [article(n).url for n in written]
        stats = crawler.stats.get_stats()
        assert stats["jsonl/records"] == len(written) and stats["jsonl/errors"] == 1
        assert "No space left on device" in stats["diskspace/stopped"]

        resize(fs, 1024)  # space freed: the file goes on, one whole line per record
        pipeline.process_item(article(5000))
        pipeline.close_spider()
        lines = pipeline.path.read_bytes().splitlines()
        assert len(lines) == len(written) + 1 and json.loads(lines[-1])["url"] == article(5000).url


def test_a_first_record_that_cannot_be_written_leaves_no_records_file(tmp_path):
    from pipelines.jsonlines import JsonLinesPipeline

    with small_fs(tmp_path / "fs", 256) as fs:
        (fs / "articles").mkdir()
        fill(fs, leave=0)
        crawler = records_crawler(fs)
        pipeline = JsonLinesPipeline.from_crawler(crawler)
        pipeline.open_spider()
        with pytest.raises(DropItem):
            pipeline.process_item(article(1))
        pipeline.close_spider()
        assert list((fs / "articles").iterdir()) == []
        assert "jsonl/records" not in crawler.stats.get_stats()


# -- the seen-store


def test_a_seen_store_batch_that_fills_the_disk_marks_nothing_and_its_records_are_reconciled(tmp_path):
    from archiver.crawl.reconcile import reconcile
    from archiver.crawl.seen import SeenEntry, SqliteSeenStore

    def news(n: int) -> str:
        return f"http://127.0.0.1/news/{n}/"

    def amp(n: int) -> str:
        return f"http://127.0.0.1/amp/{n}/" + "a" * 200

    with small_fs(tmp_path / "fs", 512) as fs:
        store = SqliteSeenStore(fs / "state" / "seen.sqlite3")
        fill(fs, leave=24 * 1024)
        durable, failed, tried = 0, None, 0
        for n in range(2000):
            tried = n + 1
            try:
                store.mark(SeenEntry(url=news(n), record_id=f"<urn:uuid:{n}>", content_sha1="x" * 40,
                                     published="2026-01-01T00:00:00Z"), aliases=[amp(n)])
                if n % 10 == 9:
                    store.flush()
                    durable = n + 1
            except sqlite3.OperationalError as error:  # a batch's write, told at a later mark or flush
                failed = error
                break
        assert failed is not None and "full" in str(failed)
        store.close()
        (fs / "ballast").unlink()
        store = SqliteSeenStore(fs / "state" / "seen.sqlite3")
        assert all(store.get(news(n)) is not None for n in range(durable))  # what a flush returned on is in
        lost = [n for n in range(tried) if store.get(news(n)) is None]
        assert lost  # the batch that met the full disk
        # A batch is one transaction: each entry is marked with its aliases, or not at all.
        assert all((store.get(news(n)) is None) == (store.get(amp(n)) is None) for n in range(tried))

        # Their records were written: the next start marks them from the records file.
        (fs / "articles").mkdir()
        lines = [json.dumps({**json.loads(json.dumps(vars(article(n)))), "url": news(n)}) for n in lost]
        (fs / "articles" / "crawl.jsonl").write_text("\n".join(lines) + "\n")
        assert reconcile(store, fs / "articles", fs / "state") == len(lost)
        assert all(store.get(news(n)) is not None for n in lost)
        store.close()


# -- the reading room's search index


def test_a_search_index_batch_that_fills_the_disk_adds_nothing_and_a_rebuild_keeps_the_old_index(tmp_path):
    from archiver.reading.index import Writer, connect

    with small_fs(tmp_path / "fs", 768) as fs:
        path = fs / "state" / "reading.sqlite3"
        writer = Writer(connect(path, create=True))
        records = [{**json.loads(json.dumps(vars(article(n)))), "captions": [], "authors": []} for n in range(400)]
        added = 0
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for start in range(0, len(records), 20):
                writer.add_many(records[start:start + 20])
                added += 20
        writer.db.close()
        db = connect(path)
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == added  # whole batches only
        db.close()

        # `archiver index` on the full disk: one line, the index in use unchanged, nothing half-built left.
        resize(fs, 4096)
        (fs / "articles").mkdir()
        (fs / "articles" / "crawl.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        before = path.read_bytes()
        fill(fs, leave=0)
        done = run_archiver("index", "--archive", str(fs))
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().splitlines()[-1].startswith("archiver index: could not write")
        assert path.read_bytes() == before
        assert not list((fs / "state").glob("*.building*"))


# -- exports


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_an_export_to_a_full_disk_writes_nothing(demo_crawl, tmp_path, fmt):
    with small_fs(tmp_path / "fs", 64) as fs:
        out = fs / f"articles.{fmt}"
        done = run_archiver("export", "--archive", str(demo_crawl.archive), "--format", fmt, "--out", str(out))
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith("archiver export: could not write") and "No space left on device" in line
        assert list(fs.iterdir()) == []  # no output, no .partial, no work folder
