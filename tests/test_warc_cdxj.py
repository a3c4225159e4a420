"""The CDXJ index: one sorted file per WARC file (a crawl's cost follows the crawl), compacted into ZipNum sets."""

from __future__ import annotations

import gzip
import threading

from archiver.warc.cdxj import (INDEX_DIRNAME, all_lines, compact_index, indexed_warcs, read_entries, update_index,
                                warc_index_path)
from archiver.warc.store import WarcStore
from archiver.warc.writer import RotatingWarcWriter
from archiver.warc.zipnum import ZipNumSet
from test_warc_store import exchange


def crawl(root, urls):
    store = WarcStore(RotatingWarcWriter(root / "warc", archive_root=root))
    for url in urls:
        store.store(exchange(url=url, body=url.encode()))
    store.close()
    return store.writer.files_written


def test_each_update_indexes_only_the_new_files_one_sorted_file_each(tmp_path):
    [one] = crawl(tmp_path, ["http://b.example/1", "http://a.example/1"])
    first = update_index(tmp_path / "warc")
    before = warc_index_path(tmp_path / "warc", one.name).stat()
    [two] = crawl(tmp_path, ["http://c.example/", "http://a.example/2"])
    second = update_index(tmp_path / "warc")
    assert (first.files_indexed, first.entries_added) == ([one.name], 2)
    assert (second.files_indexed, second.entries_added) == ([two.name], 2)
    assert warc_index_path(tmp_path / "warc", one.name).stat().st_mtime_ns == before.st_mtime_ns  # not rewritten
    for warc in (one, two):
        lines = warc_index_path(tmp_path / "warc", warc.name).read_text().splitlines()
        assert lines == sorted(lines) and len(lines) == 2
    assert [line.split(" ")[0] for line in all_lines(tmp_path / "warc")] == \
        ["example,a)/1", "example,a)/2", "example,b)/1", "example,c)/"]
    assert update_index(tmp_path / "warc").entries_added == 0  # nothing new: unchanged


def test_entries_name_files_by_their_bare_name_and_point_at_records(tmp_path):
    [warc] = crawl(tmp_path, ["http://a.example/"])
    update_index(tmp_path / "warc")
    [entry] = read_entries(warc_index_path(tmp_path / "warc", warc.name))
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
    lines = list(all_lines(tmp_path / "warc"))
    assert len(lines) == 6 and lines == sorted(lines)
    assert len(list((tmp_path / "warc" / INDEX_DIRNAME).glob("*.cdxj"))) == 6


def test_compaction_merges_everything_into_one_zipnum_set_and_later_crawls_add_files_again(tmp_path):
    warc_dir = tmp_path / "warc"
    for n in range(5):
        crawl(tmp_path, [f"http://s{n}.example/{i}" for i in range(3)])
        update_index(warc_dir)
    everything = list(all_lines(warc_dir))
    done = compact_index(warc_dir, block_lines=4)
    assert (done.lines, done.blocks, len(done.inputs)) == (15, 4, 5)
    assert list((warc_dir / INDEX_DIRNAME).glob("*.cdxj")) == []
    [zipnum] = ZipNumSet.find_all(warc_dir / INDEX_DIRNAME)
    assert list(zipnum.lines()) == everything
    # The summary names each block's first key; each block is one gzip member at its offset.
    for block in zipnum.blocks():
        [(_, shard)] = [s for s in zipnum.shards() if s[0] == block.shard]
        with open(shard, "rb") as fh:
            fh.seek(block.offset)
            first = gzip.decompress(fh.read(block.length)).decode().splitlines()[0]
        assert first.startswith(block.key + " ")
    # A new crawl is one more small file; the next compaction folds it and the old set into a new set.
    [new] = crawl(tmp_path, ["http://a.example/new"])
    assert update_index(warc_dir).files_indexed == [new.name]
    assert new.name in indexed_warcs(warc_dir) and len(indexed_warcs(warc_dir)) == 6
    again = compact_index(warc_dir, block_lines=4)
    assert again.lines == 16 and len(ZipNumSet.find_all(warc_dir / INDEX_DIRNAME)) == 1
    assert list(all_lines(warc_dir)) == sorted(everything + [warc_index_line(new)])
    assert compact_index(warc_dir).summary is None  # one set and nothing new: nothing to do


def warc_index_line(warc):
    from archiver.warc.cdxj import index_lines

    [line] = index_lines(warc)
    return line


def test_a_legacy_single_index_is_moved_in_then_folded_into_the_next_compaction(tmp_path):
    warc_dir = tmp_path / "warc"
    [old] = crawl(tmp_path, ["http://old.example/"])
    (warc_dir / "index.cdxj").write_text("".join(warc_index_line(old) for _ in [0]))
    [new] = crawl(tmp_path, ["http://new.example/"])
    assert update_index(warc_dir).files_indexed == [new.name]  # the old file is known from the legacy index
    assert not (warc_dir / "index.cdxj").exists()
    compact_index(warc_dir)
    assert len(list(all_lines(warc_dir))) == 2 and indexed_warcs(warc_dir) == {old.name, new.name}
