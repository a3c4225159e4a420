"""The CDXJ index: one sorted index beside the WARC files, merged crawl after crawl."""

from __future__ import annotations

import threading

from archiver.warc.cdxj import INDEX_FILENAME, read_entries, update_index
from archiver.warc.store import WarcStore
from archiver.warc.writer import RotatingWarcWriter
from test_warc_store import exchange


def crawl(root, urls):
    store = WarcStore(RotatingWarcWriter(root / "warc", archive_root=root))
    for url in urls:
        store.store(exchange(url=url, body=url.encode()))
    store.close()
    return store.writer.files_written


def test_each_update_merges_new_files_into_one_sorted_index(tmp_path):
    crawl(tmp_path, ["http://b.example/1", "http://a.example/1"])
    first = update_index(tmp_path / "warc")
    crawl(tmp_path, ["http://c.example/", "http://a.example/2"])
    second = update_index(tmp_path / "warc")
    assert (len(first.files_indexed), first.entries_added) == (1, 2)
    assert (len(second.files_indexed), second.entries_added) == (1, 2)
    lines = (tmp_path / "warc" / INDEX_FILENAME).read_text().splitlines()
    assert lines == sorted(lines) and len(lines) == 4
    assert [e.urlkey for e in read_entries(tmp_path / "warc" / INDEX_FILENAME)] == \
        ["example,a)/1", "example,a)/2", "example,b)/1", "example,c)/"]
    assert update_index(tmp_path / "warc").entries_added == 0  # nothing new: unchanged


def test_entries_name_files_relative_to_the_index_and_point_at_records(tmp_path):
    [warc] = crawl(tmp_path, ["http://a.example/"])
    update_index(tmp_path / "warc")
    [entry] = read_entries(tmp_path / "warc" / INDEX_FILENAME)
    assert entry.fields["filename"] == warc.name and entry.fields["status"] == "200"
    with open(warc, "rb") as fh:
        fh.seek(int(entry.fields["offset"]))
        assert fh.read(2) == b"\x1f\x8b"


def test_concurrent_updates_from_several_workers_lose_nothing(tmp_path):
    for n in range(6):
        crawl(tmp_path, [f"http://w{n}.example/"])
    threads = [threading.Thread(target=update_index, args=(tmp_path / "warc",)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = (tmp_path / "warc" / INDEX_FILENAME).read_text().splitlines()
    assert len(lines) == 6 and lines == sorted(lines)
