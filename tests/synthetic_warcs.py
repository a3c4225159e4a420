"""Archives of many pages, written straight to WARC files with warcio (no crawl): for tests and bench/.

Pages are the demo site's articles under new URLs, each with its number in the
headline and body so every record differs. Every ``revisit_every``-th page is also
captured again later as a revisit of its first capture (as a re-crawl writes them).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.demo import SITE_DIR

START = datetime(2024, 1, 1, tzinfo=timezone.utc)


def templates() -> list[bytes]:
    pages = sorted(p for p in SITE_DIR.rglob("index.html") if p.parent.parent.parent.parent.name.isdigit()
                   or p.parent.parent.parent.name.isdigit())
    return [p.read_bytes().replace(b"__SITE__", b"https://news.example.com") for p in pages]


def page(templates_: list[bytes], number: int) -> tuple[str, bytes]:
    html = templates_[number % len(templates_)]
    url = f"https://news{number % 7}.example.com/{2020 + number % 5}/story-{number}/"
    marker = f" (no. {number})".encode()
    html = html.replace(b"</h1>", marker + b"</h1>", 1).replace(b"</p>", marker + b"</p>", 1)
    return url, html


def write_archive(archive: Path, files: int, pages_per_file: int, *, revisit_every: int = 0) -> list[Path]:
    """``files`` WARC files of ``pages_per_file`` captures each in ``<archive>/warc``; returns them."""
    folder = archive / "warc"
    folder.mkdir(parents=True, exist_ok=True)
    source = templates()
    firsts: dict[int, tuple[str, str, str]] = {}  # page -> (record id, date, digest) of its first capture
    paths = []
    number = 0
    for file_number in range(files):
        path = folder / f"SYNTH-{file_number:05d}.warc.gz"
        with open(path, "wb") as out:
            writer = WARCWriter(out, gzip=True)
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "synthetic_warcs"}))
            for slot in range(pages_per_file):
                again = revisit_every and file_number and slot % revisit_every == 0
                target = (slot + (file_number - 1) * pages_per_file) if again else number
                moment = START + timedelta(seconds=number)
                if again and target in firsts:
                    _write_revisit(writer, source, target, moment, firsts[target])
                else:
                    firsts[number] = _write_response(writer, source, number, moment)
                number += 1
        paths.append(path)
    return paths


def _http(html: bytes) -> StatusAndHeaders:
    return StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                       ("Content-Length", str(len(html)))], protocol="HTTP/1.1")


def _write_response(writer: WARCWriter, source: list[bytes], number: int, moment: datetime
                    ) -> tuple[str, str, str]:
    url, html = page(source, number)
    date = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(html), http_headers=_http(html),
                                         warc_headers_dict={"WARC-Date": date})
    writer.write_record(response)
    record_id = response.rec_headers.get_header("WARC-Record-ID")
    request = writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""),
        http_headers=StatusAndHeaders(f"GET /{number}/ HTTP/1.1", [("Host", "news.example.com")], is_http_request=True),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id})
    writer.write_record(request)
    return record_id, date, response.rec_headers.get_header("WARC-Payload-Digest")


def _write_revisit(writer: WARCWriter, source: list[bytes], number: int, moment: datetime,
                   first: tuple[str, str, str]) -> None:
    url, html = page(source, number)
    record_id, date, digest = first
    revisit = writer.create_revisit_record(url, digest, url, date, http_headers=_http(html))
    revisit.rec_headers.replace_header("WARC-Date", moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    revisit.rec_headers.add_header("WARC-Refers-To", record_id)
    writer.write_record(revisit)


