"""Package one crawl of an archive as a WACZ 1.1.1 file (WARCs, CDXJ index, pages, thumbnails, datapackage)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import archiver
from archiver.record.reader import Warnings, iter_records
from archiver.warc.cdxj import index_lines, is_whole, warc_index_path
from archiver.warc.digests import DIGESTS_FILENAME, SqliteDigestIndex
from archiver.warc.reading import iter_warc
from archiver.warc.thumbnails import index_lines as thumbnail_lines
from archiver.warc.thumbnails import write_thumbnails
from archiver.warc.wacz_pages import Page, html_pages, take_inventory
from archiver.warc.writer import WARC_SUFFIX

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Pages (articles have \"kind\": \"article\")"}


class WaczError(Exception):
    """The crawl cannot be packaged (unknown crawl, no WARC files); the message says why."""


@dataclass
class Crawl:
    """One crawl of an archive: its id, WARC files and article records file."""

    crawl_id: str
    warcs: list[Path] = field(default_factory=list)
    articles: Path | None = None


@dataclass
class WaczResult:
    path: Path
    warcs: list[str]
    pages: int
    bytes: int
    articles: int = 0
    thumbnails: dict[str, int] = field(default_factory=dict)  # how many from each source


def read_warcinfo(path: Path) -> dict[str, str]:
    """The fields of a WARC file's first record, when it is a warcinfo record."""
    for member in iter_warc(path):
        if member.rec_type != "warcinfo":
            return {}
        fields = {}
        for line in member.record.content_stream().read().decode("utf-8", "replace").splitlines():
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip()] = value.strip()
        return fields
    return {}


def find_crawls(archive: Path) -> dict[str, Crawl]:
    """Every crawl named in the archive's warcinfo records, oldest first."""
    crawls: dict[str, Crawl] = {}
    for warc in sorted((archive / "warc").glob(f"*{WARC_SUFFIX}")):
        crawl_id = read_warcinfo(warc).get("crawl") or "unknown"
        crawls.setdefault(crawl_id, Crawl(crawl_id)).warcs.append(warc)
    for crawl in crawls.values():
        articles = archive / "articles" / f"{crawl.crawl_id}.jsonl"
        crawl.articles = articles if articles.exists() else None
    return dict(sorted(crawls.items()))


def referenced_originals(warcs: Iterable[Path]) -> dict[str, str]:
    """WARC-Refers-To record id -> payload digest, for every revisit in ``warcs``."""
    wanted = {}
    for warc in warcs:
        for member in iter_warc(warc):
            refers_to = member.header("WARC-Refers-To")
            if member.rec_type == "revisit" and refers_to:
                wanted[refers_to] = member.header("WARC-Payload-Digest") or ""
    return wanted


def files_holding(archive: Path, wanted: dict[str, str], have: set[Path]) -> list[Path]:
    """The WARC files (beyond ``have``) that hold the records ``wanted``: digest index first, then a scan."""
    found: set[Path] = set()
    missing = dict(wanted)
    digests_path = archive / DIGESTS_FILENAME
    if digests_path.exists():
        digests = SqliteDigestIndex(digests_path)
        try:
            for record_id, digest in list(missing.items()):
                original = digests.get(digest)
                if original is not None and original.record_id == record_id:
                    found.add(archive / original.filename)
                    del missing[record_id]
        finally:
            digests.close()
    for warc in sorted((archive / "warc").glob(f"*{WARC_SUFFIX}")):
        if not missing:
            break
        if warc in have or warc in found:
            continue
        ids = {member.header("WARC-Record-ID") for member in iter_warc(warc)}
        if ids & missing.keys():
            found.add(warc)
            for record_id in ids & missing.keys():
                del missing[record_id]
    if missing:
        raise WaczError(f"{len(missing)} revisit records refer to originals missing from the archive")
    return sorted(found - have)


# Malformed record lines (the cut last line of a killed crawl, say) are skipped, one warning each.
_warnings = Warnings()


def article_records(archive: Path) -> dict[str, dict[str, Any]]:
    """Every article URL of the archive with its latest record (headline, pictures): the pages that are articles."""
    records: dict[str, dict[str, Any]] = {}
    for articles in sorted((archive / "articles").glob("*.jsonl")):
        for line in iter_records([articles], _warnings):
            record = line.record
            known = records.get(record["url"])
            if known is None or (record.get("version") or 1) >= (known.get("version") or 1):
                records[record["url"]] = record
    return records


def _resource_name(path: str) -> str:
    # Frictionless allows lower-case letters, digits and -._/ in resource names.
    return re.sub(r"[^-a-z0-9._/]", "-", os.path.basename(path).lower())


def _sha256(data: bytes | Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    if isinstance(data, Path):
        with open(data, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    else:
        digest.update(data)
        size = len(data)
    return "sha256:" + digest.hexdigest(), size


def warc_lines(warc: Path) -> list[str]:
    """One WARC file's CDXJ lines: its own index file when the crawl wrote one and the file is still whole
    (a quick zlib pass), else indexed now from its readable records."""
    own = warc_index_path(warc.parent, warc.name)
    if own.exists() and is_whole(warc):
        with open(own, encoding="utf-8") as lines:
            return [line for line in lines if line.strip()]
    return index_lines(warc)


def write_wacz(archive: Path, crawl: Crawl, output: Path) -> WaczResult:
    """Write ``output``: the crawl's WARC files plus those holding originals its revisits refer to, every HTML
    page the crawl archived (articles marked) and a thumbnail of each."""
    if not crawl.warcs:
        raise WaczError(f"crawl {crawl.crawl_id} has no closed WARC files")
    extra = files_holding(archive, referenced_originals(crawl.warcs), set(crawl.warcs))
    warcs = sorted(set(crawl.warcs) | set(extra))
    inventory = take_inventory(crawl.warcs, warcs)
    records = article_records(archive)
    pages = html_pages(inventory, records)
    if not pages:
        raise WaczError(f"crawl {crawl.crawl_id} archived no HTML page: nothing to package; `archiver wacz --list` "
                        "shows the crawls, --crawl ID picks one")
    output.parent.mkdir(parents=True, exist_ok=True)
    thumbnails = output.with_name(f"thumbnails-{crawl.crawl_id}.warc.gz")
    names = {_site(r["url"]): r["site_name"] for r in records.values() if isinstance(r.get("site_name"), str)}
    try:
        sources = write_thumbnails(pages, inventory, thumbnails,
                                   site_name=lambda url: names.get(_site(url)) or _site(url))
        return _package(crawl, warcs, pages, thumbnails, sources, output)
    finally:
        thumbnails.unlink(missing_ok=True)


def _site(url: str) -> str:
    return urlsplit(url).netloc


def _package(crawl: Crawl, warcs: list[Path], pages: list[Page], thumbnails: Path, sources: dict[str, int],
             output: Path) -> WaczResult:
    index = "".join(sorted([line for warc in warcs for line in warc_lines(warc)] + thumbnail_lines(thumbnails)))
    pages_bytes = "".join(json.dumps(page, ensure_ascii=False) + "\n"
                          for page in [PAGES_HEADER, *(p.as_json() for p in pages)]).encode("utf-8")
    members: list[tuple[str, bytes | Path]] = [(f"archive/{warc.name}", warc) for warc in [*warcs, thumbnails]]
    members += [("indexes/index.cdxj", index.encode("utf-8")), ("pages/pages.jsonl", pages_bytes)]
    resources = []
    for name, data in members:
        hash_, size = _sha256(data)
        resources.append({"name": _resource_name(name), "path": name, "hash": hash_, "bytes": size})
    package = {
        "profile": "data-package",
        "resources": resources,
        "wacz_version": WACZ_VERSION,
        "title": f"archiver crawl {crawl.crawl_id}",
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "software": f"archiver {archiver.__version__}",
        "mainPageURL": pages[0].url,
        "mainPageDate": pages[0].ts,
    }
    package_bytes = json.dumps(package, indent=2).encode("utf-8")
    digest_bytes = json.dumps({"path": "datapackage.json", "hash": _sha256(package_bytes)[0]}, indent=2).encode()
    temporary = output.with_name(output.name + ".tmp")
    # Stored, not deflated: replay tools read WARC records by offset straight from the ZIP.
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as wacz:
        for name, data in members:
            if isinstance(data, Path):
                wacz.write(data, name)
            else:
                wacz.writestr(name, data)
        wacz.writestr("datapackage.json", package_bytes)
        wacz.writestr("datapackage-digest.json", digest_bytes)
    os.replace(temporary, output)
    return WaczResult(output, [warc.name for warc in warcs], len(pages), output.stat().st_size,
                      articles=sum(p.article for p in pages), thumbnails=sources)
