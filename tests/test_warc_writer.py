"""RotatingWarcWriter: record pairs, pointers, rotation, .open files and crash recovery."""

from __future__ import annotations

import gzip
import io

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.warc.records import Exchange
from archiver.warc.writer import RotatingWarcWriter, iter_member_ends, recover_open_files


def make_exchange(n: int, body: bytes = b"<html>hello</html>", **kwargs) -> Exchange:
    return Exchange(
        url=f"http://example.com/{n}",
        method="GET",
        request_headers=[("Host", "example.com"), ("Accept", "*/*")],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        response_body=body,
        ip_address="127.0.0.1",
        **kwargs,
    )


def read_record_at(path, offset):
    with open(path, "rb") as fh:
        fh.seek(offset)
        return next(iter(ArchiveIterator(fh)))


def test_pair_is_response_then_request_with_same_date(tmp_path):
    writer = RotatingWarcWriter(tmp_path / "warc", archive_root=tmp_path)
    pointer = writer.write_exchange(make_exchange(1))
    writer.close()
    [path] = writer.files_written
    with open(path, "rb") as fh:
        records = [(r.rec_type, r.rec_headers) for r in ArchiveIterator(fh, check_digests=True)]
    assert [kind for kind, _ in records] == ["warcinfo", "response", "request"]
    response, request = records[1][1], records[2][1]
    assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
    assert request.get_header("WARC-Date") == response.get_header("WARC-Date")
    assert response.get_header("WARC-IP-Address") == "127.0.0.1"
    assert response.get_header("WARC-Warcinfo-ID") == records[0][1].get_header("WARC-Record-ID")
    assert records[0][1].protocol == "WARC/1.1"
    assert pointer["filename"] == f"warc/{path.name}"
    assert pointer["record_id"] == response.get_header("WARC-Record-ID")


def test_pointer_resolves_to_the_response_and_repeated_headers_survive(tmp_path):
    writer = RotatingWarcWriter(tmp_path / "warc", archive_root=tmp_path)
    pointers = [writer.write_exchange(make_exchange(n, body=b"x" * n)) for n in range(1, 6)]
    writer.close()
    for n, pointer in enumerate(pointers, start=1):
        record = read_record_at(tmp_path / pointer["filename"], pointer["offset"])
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == f"http://example.com/{n}"
        assert record.content_stream().read() == b"x" * n
        assert [v for k, v in record.http_headers.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
        # The pointer's length is exactly one gzip member.
        with open(tmp_path / pointer["filename"], "rb") as fh:
            fh.seek(pointer["offset"])
            member = fh.read(pointer["length"])
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")


def test_file_is_open_while_written_and_renamed_on_close(tmp_path):
    writer = RotatingWarcWriter(tmp_path, prefix="TEST")
    writer.write_exchange(make_exchange(1))
    [open_file] = list(tmp_path.iterdir())
    assert open_file.name.endswith(".warc.gz.open") and open_file.name.startswith("TEST-")
    writer.close()
    [closed] = list(tmp_path.iterdir())
    assert closed.name == open_file.name[: -len(".open")]


def test_rotates_at_max_size_and_every_file_starts_with_warcinfo(tmp_path):
    writer = RotatingWarcWriter(tmp_path, max_size=4000, gzip_level=0)
    for n in range(10):
        writer.write_exchange(make_exchange(n, body=b"y" * 1500))
    writer.close()
    assert len(writer.files_written) >= 3
    for path in writer.files_written:
        with open(path, "rb") as fh:
            types = [r.rec_type for r in ArchiveIterator(fh)]
        assert types[0] == "warcinfo"
        assert types[1:] == ["response", "request"] * ((len(types) - 1) // 2)


def test_non_ascii_header_bytes_are_kept_exactly(tmp_path):
    exchange = make_exchange(1)
    exchange.response_headers.append(("X-Title", b"caf\xe9".decode("latin-1")))
    writer = RotatingWarcWriter(tmp_path)
    writer.write_exchange(exchange)
    writer.close()
    raw = gzip.open(writer.files_written[0]).read()
    assert b"X-Title: caf\xe9\r\n" in raw


@pytest.mark.parametrize("cut", [1, 17, 200])
def test_recovery_cuts_a_killed_file_back_to_its_last_whole_fetch(tmp_path, cut):
    writer = RotatingWarcWriter(tmp_path)
    for n in range(3):
        writer.write_exchange(make_exchange(n))
    writer._raw.close()  # simulate kill -9: never renamed; the lock goes with the process
    [path] = list(tmp_path.glob("*.open"))
    data = path.read_bytes()
    ends = list(iter_member_ends(io.BytesIO(data)))
    assert ends[-1] == len(data) and len(ends) == 7
    path.write_bytes(data[: len(data) - cut])  # a half-written request record
    [recovered] = recover_open_files(tmp_path)
    assert not list(tmp_path.glob("*.open"))
    with open(recovered, "rb") as fh:
        types = [r.rec_type for r in ArchiveIterator(fh, check_digests=True)]
    # The third response lost its request: its fetch never finished, so it goes too.
    assert types == ["warcinfo", "response", "request", "response", "request"]
    assert recovered.stat().st_size == ends[-3]


def test_recovery_keeps_a_file_that_ends_with_a_whole_fetch(tmp_path):
    writer = RotatingWarcWriter(tmp_path)
    for n in range(2):
        writer.write_exchange(make_exchange(n))
    writer._raw.close()
    size = next(tmp_path.glob("*.open")).stat().st_size
    [recovered] = recover_open_files(tmp_path)
    assert recovered.stat().st_size == size


def test_recovery_leaves_a_file_another_crawl_is_writing_alone(tmp_path):
    writer = RotatingWarcWriter(tmp_path)
    writer.write_exchange(make_exchange(1))
    assert recover_open_files(tmp_path) == []
    [still_open] = list(tmp_path.glob("*.open"))
    writer.write_exchange(make_exchange(2))
    writer.close()
    assert not still_open.exists() and len(writer.files_written) == 1


def test_writers_started_in_the_same_millisecond_never_share_a_file_name(tmp_path):
    for n in range(8):
        writer = RotatingWarcWriter(tmp_path)
        writer.write_exchange(make_exchange(n))
        writer.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) == 8


@pytest.mark.parametrize("engine", ["isal", "zlib"])
def test_precompressed_payloads_are_stored_and_text_is_deflated_one_member_each(tmp_path, engine):
    import random

    jpeg = random.Random(1).randbytes(50_000)  # incompressible, like a JPEG
    html = b"<p>the council said the bridge would open</p>" * 2000
    writer = RotatingWarcWriter(tmp_path / "warc", archive_root=tmp_path, gzip_engine=engine)
    image = make_exchange(1, body=jpeg)
    image.response_headers = [("Content-Type", "image/jpeg")]
    encoded = make_exchange(2, body=gzip.compress(html))
    encoded.response_headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    pointers = [writer.write_exchange(image), writer.write_exchange(encoded), writer.write_exchange(make_exchange(3, body=html))]
    writer.close()
    [path] = writer.files_written
    data = path.read_bytes()
    members = []
    for pointer in pointers:
        member = data[pointer["offset"]:pointer["offset"] + pointer["length"]]
        members.append(member)
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")  # one whole gzip member per record
    # Stored blocks: the JPEG's bytes appear as they are, and cost only a few framing bytes.
    assert jpeg[:4096] in members[0] and len(members[0]) < len(jpeg) + 1200
    assert len(members[2]) < len(html) / 10  # text is still deflated
    with open(path, "rb") as fh:
        bodies = {r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
                  for r in ArchiveIterator(fh, check_digests=True) if r.rec_type == "response"}
    assert bodies["http://example.com/1"] == jpeg and bodies["http://example.com/3"] == html
