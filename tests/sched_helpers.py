"""Helpers for the scheduled-crawl tests: sites files for the fixture sites, crawls, reading archives back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from conftest import run_archiver

# The fixture site is local: no need to be gentle with it.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "DOWNLOAD_DELAY=0"]


def write_sites_file(path: Path, site, name: str = "fixture", **keys: object) -> Path:
    """A sites file for a FixtureSite: how each layout is found is the point of the layout."""
    lines = ["[[site]]", f'name = "{name}"']
    if site.layout == "news-sitemap":
        lines.append(f'sitemaps = ["{site.url}/news-sitemap.xml.gz"]')
    else:
        lines.append(f'start = ["{site.url}/"]')  # robots.txt, <link rel=alternate> or section links do the rest
    for key, value in keys.items():
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl(sites: Path, archive: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_archiver("crawl", "--sites", str(sites), "--archive", str(archive), *FAST, *extra)


def read_records(archive: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((archive / "articles").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def warc_records(archive: Path, rec_type: str | None = None) -> list:
    """(file, record headers, http headers) of every record, digests checked while reading."""
    out = []
    for path in sorted((archive / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                if rec_type is None or record.rec_type == rec_type:
                    out.append((path, record.rec_headers, record.http_headers))
    return out


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]
