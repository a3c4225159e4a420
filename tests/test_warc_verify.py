"""archiver verify: a sound archive passes; each kind of damage is found and makes it exit non-zero."""

from __future__ import annotations

import gzip
import sqlite3

import pytest

import shutil

from archiver.warc.cdxj import compact_index, index_dir, update_index
from archiver.warc.digests import SqliteDigestIndex
from archiver.warc.store import WarcStore
from archiver.warc.verify import verify_archive
from archiver.warc.writer import RotatingWarcWriter, iter_member_ends
from archiver.record.items import Article
from conftest import run_archiver
from archiver.record.json_line import record_json
from test_warc_store import exchange


def build_archive(root, crawls: int = 2):
    """``crawls`` crawls of the same three pages, an article record per page (the first crawl's: the pages
    do not change), and the index."""
    for crawl in range(crawls):
        store = WarcStore(RotatingWarcWriter(root / "warc", archive_root=root),
                          SqliteDigestIndex.from_archive(root))
        lines = []
        for n in range(3):
            stored = store.store(exchange(url=f"http://example.com/{n}", body=b"<p>story %d</p>" % n))
            lines.append(record_json(Article(url=f"http://example.com/{n}", id=stored.pointer["record_id"],
                                             warc=stored.pointer, body=f"story {n}", extractor_version="1")))
        store.close()
        (root / "articles").mkdir(exist_ok=True)
        if crawl == 0:
            (root / "articles" / f"crawl-{crawl}.jsonl").write_text("\n".join(lines) + "\n")
    update_index(root / "warc")
    return root


def first_index(root):
    return sorted(index_dir(root / "warc").glob("*.cdxj"))[0]


def first_warc(root):
    return sorted((root / "warc").glob("*.warc.gz"))[0]


def rewrite_member(path, index, change):
    """Replace gzip member ``index`` of ``path`` with ``change(decompressed)``, recompressed."""
    data = path.read_bytes()
    ends = list(iter_member_ends(open(path, "rb")))
    start, end = ([0] + ends)[index], ends[index]
    path.write_bytes(data[:start] + gzip.compress(change(gzip.decompress(data[start:end]))) + data[end:])


def drop_member(path, index):
    data = path.read_bytes()
    ends = list(iter_member_ends(open(path, "rb")))
    start, end = ([0] + ends)[index], ends[index]
    path.write_bytes(data[:start] + data[end:])


def test_a_sound_archive_passes(tmp_path):
    report = verify_archive(build_archive(tmp_path))
    assert report.ok, report.summary()
    assert report.record_types == {"warcinfo": 2, "response": 3, "revisit": 3, "request": 6}
    assert report.pairs == 6 and report.references == 3 and report.articles == 3
    assert report.index_entries == 6 and report.digest_entries == 3


DAMAGE = {
    # a changed byte in a response body: its digests no longer match
    "digest": (lambda root: rewrite_member(first_warc(root), 1, lambda b: b.replace(b"story 0", b"story X")),
               "digest"),
    "garbage tail": (lambda root: first_warc(root).open("ab").write(b"\x1f\x8b\x08garbage"),
                     "not a whole gzip member"),
    "request gone": (lambda root: drop_member(first_warc(root), 2), "without a request record"),
    "original gone": (lambda root: [drop_member(first_warc(root), 1), drop_member(first_warc(root), 1)],
                      "WARC-Refers-To"),
    "pointer": (lambda root: (root / "articles" / "crawl-0.jsonl").write_text(record_json(Article(
        url="u", extractor_version="1", warc={"filename": "warc/none.warc.gz", "offset": 0, "record_id": "x",
                                             "length": 1})) + "\n"), "is no record"),
    "index entry": (lambda root: first_index(root).write_text(
        first_index(root).read_text().replace('"offset": "', '"offset": "1', 1)), "index"),
    "index missing": (lambda root: first_index(root).unlink(), "not indexed"),
    "zipnum block": (lambda root: [compact_index(root / "warc", block_lines=2), _swap_blocks(root)],
                     "block does not start with the key"),
    "digest entry": (lambda root: sqlite3.connect(root / "digests.sqlite3", isolation_level=None).execute(
        "UPDATE payloads SET offset = offset + 1"), "does not point at its original"),
}


def _swap_blocks(root):
    """Point the summary's second block at the first block's bytes."""
    [summary] = index_dir(root / "warc").glob("*.idx")
    lines = summary.read_text().splitlines()
    first, second = lines[0].split("\t"), lines[1].split("\t")
    lines[1] = "\t".join([second[0], *first[1:4], second[4]])
    summary.write_text("\n".join(lines) + "\n")


def test_a_compacted_archive_passes_with_the_same_entries(tmp_path):
    root = build_archive(tmp_path)
    compact_index(root / "warc", block_lines=2)
    report = verify_archive(root)
    assert report.ok, report.summary()
    assert report.index_entries == 6


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damage_is_found(tmp_path, damage):
    root = build_archive(tmp_path)
    harm, message = DAMAGE[damage]
    harm(root)
    report = verify_archive(root)
    assert not report.ok
    assert any(message in fault for fault in report.faults), report.faults


def test_cli_prints_a_summary_and_exits_non_zero_on_a_fault(tmp_path):
    root = build_archive(tmp_path)
    done = run_archiver("verify", "--archive", str(root))
    assert done.returncode == 0 and "faults          0" in done.stdout, done.stdout
    shutil.rmtree(index_dir(root / "warc"))
    done = run_archiver("verify", "--archive", str(root))
    assert done.returncode == 1 and "not indexed" in done.stdout
    done = run_archiver("verify", "--archive", str(root), "--update-index")
    assert done.returncode == 0, done.stdout


def test_a_torn_last_line_is_a_fault_unless_a_crawl_is_still_writing_it(tmp_path):
    from archiver.storage.torn import lock_for_writing

    root = build_archive(tmp_path)
    records = root / "articles" / "crawl-0.jsonl"
    with open(records, "a") as lines:
        lines.write('{"url": "http://example.com/cut", "wa')
    report = verify_archive(root)  # a crawl killed (or a disk that filled) mid-line: no crawl holds the file
    assert not report.ok and any("crawl-0.jsonl" in f and "torn record" in f for f in report.faults), report.faults
    with open(records, "ab") as writing:  # a crawl writing it holds its lock: the line may still be finished
        lock_for_writing(writing.fileno())
        report = verify_archive(root)
    assert report.ok and any("still being written" in note for note in report.notes), report.faults
