"""archiver verify: a sound archive passes; each kind of damage is found and makes it exit non-zero."""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from archiver.warc.cdxj import INDEX_FILENAME, update_index
from archiver.warc.digests import SqliteDigestIndex
from archiver.warc.store import WarcStore
from archiver.warc.verify import verify_archive
from archiver.warc.writer import RotatingWarcWriter, iter_member_ends
from archiver.items import Article
from conftest import run_archiver
from pipelines.jsonlines import record_json
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
    "index entry": (lambda root: (root / "warc" / INDEX_FILENAME).write_text(
        (root / "warc" / INDEX_FILENAME).read_text().replace('"offset": "', '"offset": "1', 1)),
        "index"),
    "index missing": (lambda root: (root / "warc" / INDEX_FILENAME).unlink(), "not indexed"),
    "digest entry": (lambda root: sqlite3.connect(root / "digests.sqlite3", isolation_level=None).execute(
        "UPDATE payloads SET offset = offset + 1"), "does not point at its original"),
}


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
    (root / "warc" / INDEX_FILENAME).unlink()
    done = run_archiver("verify", "--archive", str(root))
    assert done.returncode == 1 and "not indexed" in done.stdout
    done = run_archiver("verify", "--archive", str(root), "--update-index")
    assert done.returncode == 0, done.stdout


def test_a_killed_crawls_cut_last_line_is_a_note_not_a_fault(tmp_path):
    root = build_archive(tmp_path)
    with open(root / "articles" / "crawl-0.jsonl", "a") as lines:
        lines.write('{"url": "http://example.com/cut", "wa')
    report = verify_archive(root)
    assert report.ok and any("incomplete last line" in note for note in report.notes)
