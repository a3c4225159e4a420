"""CDXJ lines made while writing (archiver.warc.live_index) are the lines cdxj-indexer reads back from the file."""

from __future__ import annotations

import dataclasses

import pytest

import archiver.warc.cdxj as cdxj
from archiver.warc.cdxj import index_lines, update_index, warc_index_path
from archiver.warc.digests import SqliteDigestIndex
from archiver.warc.live_index import LiveIndex
from archiver.warc.store import WarcStore
from archiver.warc.writer import RotatingWarcWriter
from test_warc_store import exchange as page


def exchange(url, body, **changes):
    return dataclasses.replace(page(url, body), **changes)

PEM = b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n"


def fetches():
    """Every kind of exchange a crawl writes: pages, requisites, errors, redirects, copies (revisits), TLS."""
    body = b"<html><body><p>The harbour report</p></body></html>"
    yield exchange("http://news.example/2026/harbour/", body)
    yield exchange("http://news.example/2026/harbour/?amp=1", body)  # the same payload: a revisit
    yield exchange("http://news.example/missing.png", b"<h1>Not Found</h1>", status=404)
    yield exchange("http://news.example/old", b"", status=301,
                   response_headers=[("Location", "/2026/harbour/"), ("Content-Length", "0")])
    yield exchange("http://news.example/style.css", b"body{}",
                   response_headers=[("Content-Type", "text/css; charset=utf-8")])
    yield exchange("http://news.example/logo", b"\x89PNG", response_headers=[])  # no Content-Type
    yield exchange("http://news.example/empty-type", b"x", response_headers=[("Content-Type", "")])
    yield exchange("https://cdn.example/app.js?v=3&x=%20y", b"let a = 1;", certificate_pem=PEM,
                   response_headers=[("Content-Type", "application/javascript")])
    yield exchange("http://news.example/2026/harbour/", body, reason="Fine")


def write(root, extra=(), max_size=1024**3):
    index = LiveIndex()
    writer = RotatingWarcWriter(root / "warc", archive_root=root, max_size=max_size, index_lines=index)
    store = WarcStore(writer, SqliteDigestIndex.from_archive(root))
    for fetch in [*fetches(), *extra]:
        store.store(fetch)
    store.close()
    return writer.files_written, index


def read_back(monkeypatch):
    """The files update_index reads (not covered by the lines made while writing)."""
    read = []

    def spy(task):
        read.append(task.range.path.name)
        return original(task)

    original = cdxj.index_range
    monkeypatch.setattr(cdxj, "index_range", spy)
    return read


def test_the_lines_made_while_writing_are_cdxj_indexers_lines_and_no_file_is_read(tmp_path, monkeypatch):
    files, index = write(tmp_path, max_size=2500)  # several files: lines follow each record's own file
    assert len(files) > 2
    read = read_back(monkeypatch)
    update = update_index(tmp_path / "warc", known=index)
    assert read == [] and sorted(update.files_indexed) == sorted(f.name for f in files)
    for warc in files:
        made = warc_index_path(tmp_path / "warc", warc.name).read_text().splitlines(keepends=True)
        assert made == index_lines(warc), warc.name
    assert update.entries_added == 9


POST = exchange("http://news.example/search", b"[]", method="POST", request_body=b"q=harbour&page=2",
                request_headers=[("Host", "news.example"), ("Content-Type", "application/x-www-form-urlencoded")])
LATIN = exchange("http://news.example/latin", b"<p>caf\xe9</p>", response_headers=[("Content-Type", "text/html\xe9")])


@pytest.mark.parametrize("odd", [POST, LATIN], ids=["post", "non-ascii-header"])
def test_a_file_with_a_post_or_a_header_only_a_parser_can_read_is_read_back(tmp_path, monkeypatch, odd):
    # cdxj-indexer keys a POST by its body; a header byte past ASCII is what its parser decodes it as.
    files, index = write(tmp_path, [odd])
    read = read_back(monkeypatch)
    update_index(tmp_path / "warc", known=index)
    assert read == [f.name for f in files]
    [warc] = files
    lines = warc_index_path(tmp_path / "warc", warc.name).read_text().splitlines(keepends=True)
    assert lines == index_lines(warc) and len(lines) == 10


def test_a_file_of_more_records_than_are_worth_holding_lines_for_is_read_back(tmp_path, monkeypatch):
    import archiver.warc.live_index as live

    monkeypatch.setattr(live, "MAX_LINES", 4)
    [warc], index = write(tmp_path)
    read = read_back(monkeypatch)
    update_index(tmp_path / "warc", known=index)
    assert read == [warc.name]
    assert warc_index_path(tmp_path / "warc", warc.name).read_text().splitlines(keepends=True) == index_lines(warc)


def test_files_the_writer_did_not_write_are_read(tmp_path, monkeypatch):
    [earlier], _ = write(tmp_path)
    [later], index = write(tmp_path)
    read = read_back(monkeypatch)
    update_index(tmp_path / "warc", known=index)
    assert read == [earlier.name]
    for warc in (earlier, later):
        assert warc_index_path(tmp_path / "warc", warc.name).read_text().splitlines(keepends=True) == \
            index_lines(warc)


def test_a_crawls_index_is_what_cdxj_indexer_reads_back(demo_crawl):
    # The demo: pages, listings, feeds, requisites, redirects, robots.txt, a 404; made while writing.
    warcs = sorted((demo_crawl.archive / "warc").glob("*.warc.gz"))
    assert warcs
    for warc in warcs:
        assert warc_index_path(warc.parent, warc.name).read_text().splitlines(keepends=True) == index_lines(warc)
