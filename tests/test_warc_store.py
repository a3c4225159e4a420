"""WarcStore and the digest index: which fetches become revisits, and where the pointers go."""

from __future__ import annotations

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc.digests import SqliteDigestIndex
from archiver.warc.records import Exchange, Original, payload_digest
from archiver.warc.store import WarcStore, forget_lost_payloads
from archiver.warc.writer import RotatingWarcWriter, recover_open_files


def exchange(url: str = "http://example.com/a", body: bytes = b"<p>same story</p>", status: int = 200,
             **kwargs) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("Host", "example.com")], request_body=b"",
                    status=status, response_headers=[("Content-Type", "text/html")], response_body=body,
                    ip_address="127.0.0.1", **kwargs)


def open_store(root, **kwargs) -> WarcStore:
    writer = RotatingWarcWriter(root / "warc", archive_root=root)
    return WarcStore(writer, SqliteDigestIndex.from_archive(root), **kwargs)


def records(root):
    found = []
    for path in sorted((root / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            found += [(r.rec_type, r.rec_headers) for r in ArchiveIterator(fh, check_digests=True)]
    return found


def test_same_payload_becomes_a_revisit_pointing_at_the_original(tmp_path):
    store = open_store(tmp_path)
    first = store.store(exchange())
    second = store.store(exchange(url="http://example.com/b"))  # URL-agnostic: same payload, other URL
    store.close()
    assert first.revisit_pointer is None and second.is_revisit
    assert second.pointer == first.pointer  # the article record keeps pointing at the payload
    kinds = [kind for kind, _ in records(tmp_path)]
    assert kinds == ["warcinfo", "response", "request", "revisit", "request"]
    revisit = records(tmp_path)[3][1]
    assert revisit.get_header("WARC-Refers-To") == first.pointer["record_id"]
    assert revisit.get_header("WARC-Refers-To-Target-URI") == "http://example.com/a"
    assert second.revisit_pointer["record_id"] == revisit.get_header("WARC-Record-ID")


def test_digest_index_persists_across_crawls(tmp_path):
    store = open_store(tmp_path)
    first = store.store(exchange())
    store.close()
    store = open_store(tmp_path)  # the next crawl into the same archive
    again = store.store(exchange())
    store.close()
    assert again.is_revisit and again.pointer == first.pointer
    assert len(list((tmp_path / "warc").glob("*.warc.gz"))) == 2


@pytest.mark.parametrize("second", [
    exchange(status=304, body=b""),  # the scheduled-crawl branch writes server-not-modified revisits
    exchange(body=b"<p>same story</p>", truncated="disconnect"),  # a cut body is never shared
    exchange(body=b"<p>another story</p>"),
])
def test_no_revisit_without_a_whole_identical_payload(tmp_path, second):
    store = open_store(tmp_path)
    store.store(exchange())
    assert not store.store(second).is_revisit
    store.close()


def test_payloads_under_the_minimum_size_are_stored_in_full(tmp_path):
    store = open_store(tmp_path, dedup_min_size=1000)
    store.store(exchange())
    assert not store.store(exchange()).is_revisit
    store.close()


def test_an_original_whose_file_is_gone_is_stored_afresh(tmp_path):
    store = open_store(tmp_path)
    store.store(exchange())
    store.close()
    for path in (tmp_path / "warc").glob("*.warc.gz"):
        path.unlink()
    store = open_store(tmp_path)
    assert not store.store(exchange()).is_revisit
    store.close()


def test_digest_index_first_writer_wins_and_recovery_forgets_cut_records(tmp_path):
    digests = SqliteDigestIndex(tmp_path / "d.sqlite3")
    a = Original("<urn:uuid:a>", "http://x/", "2024-01-01T00:00:00Z", "warc/f.warc.gz", 100, 50)
    b = Original("<urn:uuid:b>", "http://y/", "2024-01-02T00:00:00Z", "warc/f.warc.gz", 900, 50)
    digests.add("sha1:A", a)
    digests.add("sha1:A", b)
    digests.add("sha1:B", b)
    assert digests.get("sha1:A") == a
    assert digests.forget_beyond("warc/f.warc.gz", 500) == 1
    assert digests.get("sha1:B") is None and dict(digests.items()) == {"sha1:A": a}
    digests.close()


def test_recovery_then_forget_lost_payloads_keeps_the_index_consistent(tmp_path):
    store = open_store(tmp_path)
    store.store(exchange(body=b"one"))
    store.store(exchange(body=b"two"))
    store.writer._raw.close()  # killed: the file stays .open
    [path] = (tmp_path / "warc").glob("*.open")
    path.write_bytes(path.read_bytes()[:-5])  # the last request record was cut
    recovered = recover_open_files(tmp_path / "warc")
    digests = SqliteDigestIndex.from_archive(tmp_path)
    assert forget_lost_payloads(digests, tmp_path, recovered) == 1
    assert digests.get(payload_digest(b"one")) is not None and digests.get(payload_digest(b"two")) is None
    digests.close()


def test_payload_digest_matches_warcio():
    assert payload_digest(b"abc") == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5"
