"""`archiver reextract`: the crawl's records again, from the WARC files alone."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import shutil
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.extract import EXTRACTOR_VERSION
from archiver.record.items import FetchedPage
from archiver.record.build import CRAWL_ONLY_FIELDS, decide
from archiver.warc.records import Exchange
from archiver.warc.writer import RotatingWarcWriter
from charset_site import CharsetSite
from conftest import run_archiver, site_page

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def reextract(*args):
    done = run_archiver("reextract", *map(str, args))
    return done, output_records(args)


def output_records(args):
    out = args[list(args).index("--out") + 1]
    files = sorted(out.glob("*.jsonl")) if out.is_dir() else []
    return [json.loads(line) for path in files for line in path.read_text(encoding="utf-8").splitlines()]


def lines_of(archive):
    return sorted(line for path in (archive / "articles").glob("*.jsonl")
                  for line in path.read_text(encoding="utf-8").splitlines())


def test_reextract_reproduces_the_demo_crawl_byte_for_byte(demo_crawl, tmp_path):
    out = tmp_path / "out"
    done, records = reextract("--archive", demo_crawl.archive, "--out", out)
    assert done.returncode == 0, done.stderr
    new_lines = sorted((out / next(p.name for p in out.iterdir())).read_text(encoding="utf-8").splitlines())
    assert new_lines == lines_of(demo_crawl.archive)  # every field, WARC pointers and fetched_at included
    n = len(demo_crawl.records)
    assert f"articles        {n} written" in done.stdout
    assert f"re-extracted  {n} (crawl-only fields carried over" in done.stdout
    assert "no longer     0" in done.stdout and "missing       0" in done.stdout


def test_reextract_of_warc_files_alone_differs_only_in_crawl_only_fields(demo_crawl, tmp_path):
    done, records = reextract(*demo_crawl.warc_files, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    crawled = {r["id"]: r for r in demo_crawl.records}
    assert {r["id"] for r in records} == set(crawled)  # the same article/not-article decisions
    for record in records:
        before = crawled[record["id"]]
        assert {k: v for k, v in record.items() if k not in CRAWL_ONLY_FIELDS} == \
               {k: v for k, v in before.items() if k not in CRAWL_ONLY_FIELDS}
        assert record["discovered_via"] is None and record["version"] == 1


def test_pointers_of_reextracted_records_find_their_response(demo_crawl, tmp_path):
    _, records = reextract(*demo_crawl.warc_files, "--out", tmp_path / "out")
    for record in records:
        pointer = record["warc"]
        with open(demo_crawl.archive / pointer["filename"], "rb") as fh:
            fh.seek(pointer["offset"])
            member = fh.read(pointer["length"])
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")
        response = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert response.rec_headers.get_header("WARC-Record-ID") == record["id"]


def test_charsets_and_encodings_are_read_as_the_crawl_read_them(tmp_path):
    archive = tmp_path / "archive"
    with CharsetSite() as url:
        crawl = run_archiver("crawl", f"{url}/", "--archive", str(archive), *FAST)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    crawled = {r["url"].split("/", 3)[3]: r for r in
               (json.loads(line) for line in lines_of(archive))}
    assert set(crawled) == {"cafe/", "latin/", "gz/"}
    assert crawled["cafe/"]["headline"] == "Café Lumière reopens, coffee at 3 €"
    assert "3 € a cup" in crawled["cafe/"]["body"] and "“worth every cent”" in crawled["cafe/"]["body"]
    assert crawled["latin/"]["headline"] == "Señora Muñoz's café"
    assert crawled["gz/"]["authors"] == ["Jérôme Dupré"]
    out = tmp_path / "out"
    done, _ = reextract("--archive", archive, "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(next(out.iterdir()).read_text(encoding="utf-8").splitlines()) == lines_of(archive)
    # The index page, the PDF, and the two 404s (robots.txt, /missing/).
    assert "not articles    not-html 1, other 1, status 2" in done.stdout


def tamper(archive, changes):
    """Rewrite the archive's records, applying ``changes[i](record)`` to the i-th one."""
    path = next((archive / "articles").glob("*.jsonl"))
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for index, change in changes.items():
        change(records[index])
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return records


@pytest.fixture
def archive_copy(demo_crawl, tmp_path):
    copy = tmp_path / "archive"
    shutil.copytree(demo_crawl.archive, copy)
    return copy


def test_since_version_redoes_only_records_of_older_extractors(archive_copy, tmp_path):
    records = tamper(archive_copy, {
        0: lambda r: r.update(extractor_version="0.0.1", headline="STALE"),
        1: lambda r: r.update(headline="KEPT AS IT WAS"),
    })
    done, out = reextract("--archive", archive_copy, "--out", tmp_path / "out", "--since-version", EXTRACTOR_VERSION)
    assert done.returncode == 0, done.stderr
    by_id = {r["id"]: r for r in out}
    assert len(by_id) == len(records)
    redone = by_id[records[0]["id"]]
    assert redone["headline"] != "STALE" and redone["extractor_version"] == EXTRACTOR_VERSION
    assert by_id[records[1]["id"]]["headline"] == "KEPT AS IT WAS"
    assert f"kept          {len(records) - 1} (extractor {EXTRACTOR_VERSION} or newer" in done.stdout
    assert "re-extracted  1 " in done.stdout


def test_crawl_only_fields_are_carried_over_by_id(archive_copy, tmp_path):
    sitemap = {"publication": {"name": "The Meridian Post", "language": "en"}, "title": "T"}
    records = tamper(archive_copy, {
        2: lambda r: r.update(discovered_via="news-sitemap", news_sitemap=sitemap, version=3,
                              previous_version_id="<urn:uuid:earlier>", headline="OLD"),
    })
    _, out = reextract("--archive", archive_copy, "--out", tmp_path / "out")
    record = next(r for r in out if r["id"] == records[2]["id"])
    assert (record["discovered_via"], record["news_sitemap"], record["version"], record["previous_version_id"]) == \
           ("news-sitemap", sitemap, 3, "<urn:uuid:earlier>")
    assert record["headline"] != "OLD"  # extracted again, not copied


def test_records_no_longer_articles_and_records_without_a_response_are_reported(archive_copy, demo_crawl, tmp_path):
    with open(demo_crawl.warc_files[0], "rb") as fh:
        home = next(r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)
                    if r.rec_type == "response" and urlsplit(r.rec_headers.get_header("WARC-Target-URI")).path == "/")
    tamper(archive_copy, {0: lambda r: r.update(id=home), 1: lambda r: r.update(id="<urn:uuid:nowhere>")})
    done, _ = reextract("--archive", archive_copy, "--out", tmp_path / "out")
    assert "no longer     1 existing records" in done.stdout
    assert "missing       1 existing records" in done.stdout


def write_warc(directory, exchanges, revisits=()):
    """WARC records made by the crawl's own writer; returns (path, pointers)."""
    writer = RotatingWarcWriter(directory / "warc", archive_root=directory)
    pointers = [writer.write_exchange(exchange) for exchange in exchanges]
    for make in revisits:
        pointers.append(writer.write_records([make(writer.builder, pointers)])[0])
    writer.close()
    return writer.files_written[0], pointers


def html_exchange(url, body, date, **changes):
    fields = dict(url=url, method="GET", request_headers=[("Host", "127.0.0.1")], request_body=b"", status=200,
                  response_headers=[("Content-Type", "text/html; charset=utf-8")], response_body=body,
                  warc_date=date)
    fields.update(changes)
    return Exchange(**fields)


def revisit_of(index, url, date, profile="identical-payload-digest", refers_to=None, status="200 OK"):
    def make(builder, pointers):
        from warcio.statusandheaders import StatusAndHeaders

        http = StatusAndHeaders(status, [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = builder.create_revisit_record(url, "sha1:AAAA", url, "2024-01-01T00:00:00Z", http_headers=http)
        record.rec_headers.replace_header("WARC-Date", date)
        record.rec_headers.replace_header("WARC-Profile", f"http://netpreserve.org/warc/1.1/revisit/{profile}")
        record.rec_headers.add_header("WARC-Refers-To", refers_to or pointers[index]["record_id"])
        return record
    return make


def pipeline_record(url, body, pointer, date, truncated=False):
    """What the crawl's extraction pipeline makes of the same page."""
    page = FetchedPage(url=url, status=200, body=body, encoding="utf-8", fetched_at=date, warc=pointer,
                       truncated=truncated)
    return json.loads(json.dumps(dataclasses.asdict(decide(page).article)))


def test_revisits_truncation_and_a_cut_file(tmp_path):
    base = "http://127.0.0.1:8000"
    path_a = "/world/2021/09/06/taliban-gains-control-of-panjshir-valley/"
    path_b = "/culture/2024/06/18/community-orchestra-marks-50-years/"
    body_a, body_b = site_page(path_a, base), site_page(path_b, base)
    date1, date2, date3 = "2024-01-01T00:00:00.000001Z", "2024-01-02T00:00:00.000002Z", "2024-01-03T00:00:00Z"
    warc, pointers = write_warc(tmp_path, [
        html_exchange(base + path_a, gzip.compress(body_a), date1,
                      response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]),
        html_exchange(base + path_b, body_b, date1, truncated="disconnect"),
        html_exchange(base + "/logo.png", b"\x89PNG....", date1, response_headers=[("Content-Type", "image/png")]),
        html_exchange(base + "/gone/", b"<html>gone</html>", date1, status=404),
    ], revisits=[
        revisit_of(0, base + path_a, date2),
        revisit_of(0, base + path_a, date3, refers_to="<urn:uuid:not-in-any-file>"),
        revisit_of(0, base + path_a, date3, profile="server-not-modified", status="304 Not Modified"),
    ])
    done, records = reextract(warc, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "revisits 1 resolved, 1 unresolved" in done.stdout
    assert "not articles    not-html 1, revisit-unresolved 1, status 2" in done.stdout  # the 404 and the 304
    by_id = {r["id"]: r for r in records}
    assert set(by_id) == {pointers[0]["record_id"], pointers[1]["record_id"], pointers[4]["record_id"]}
    assert by_id[pointers[0]["record_id"]] == pipeline_record(base + path_a, body_a, pointers[0], date1)
    assert by_id[pointers[1]["record_id"]] == pipeline_record(base + path_b, body_b, pointers[1], date1, truncated=True)
    assert by_id[pointers[1]["record_id"]]["truncated"] is True
    # The revisit: its own id, date and pointer; the payload of the record it refers to.
    assert by_id[pointers[4]["record_id"]] == pipeline_record(base + path_a, body_a, pointers[4], date2)
    # A copy of the file cut in the last record: what is before the cut is kept, the cut is reported.
    cut = tmp_path / "cut" / "warc" / warc.name
    cut.parent.mkdir(parents=True)
    data = warc.read_bytes()
    cut.write_bytes(data[: pointers[4]["offset"] + pointers[4]["length"] // 2])
    done, records = reextract(cut, "--out", tmp_path / "out-cut")
    assert done.returncode == 1
    assert f"{cut}@{pointers[4]['offset']}: damaged WARC data" in done.stderr
    assert "damaged         1 stretch(es) of WARC data skipped" in done.stdout
    assert {r["id"] for r in records} == {pointers[0]["record_id"], pointers[1]["record_id"]}


@pytest.mark.parametrize("args, message", [
    ([], "give --archive DIR or WARC files"),
    (["--archive", "/nonexistent"], "no such archive folder"),
    (["/nonexistent.warc.gz"], "no such WARC file"),
])
def test_bad_input_gets_one_clear_line(tmp_path, args, message):
    done = run_archiver("reextract", *args, "--out", str(tmp_path / "out"))
    assert done.returncode == 1 and done.stderr == f"archiver reextract: {message}" + done.stderr.split(message)[1]
    assert len(done.stderr.strip().splitlines()) == 1


def test_since_version_needs_existing_records(demo_crawl, tmp_path):
    done = run_archiver("reextract", str(demo_crawl.warc_files[0]), "--out", str(tmp_path / "o"),
                        "--since-version", "0.1.0")
    assert done.returncode == 1 and "--since-version needs the existing records" in done.stderr
