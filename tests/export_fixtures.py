"""A crawled demo archive with later versions of some articles added: the fixture of the dataset tests.

``versioned_archive`` copies the session's demo crawl and adds a second records file,
as a later crawl would, holding:

- ``A`` version 2, fetched a day later (latest: the highest version);
- ``B`` a second version-1 record fetched an hour later (latest: the later fetch);
- ``C`` version 2 fetched a day *earlier* (latest: the version wins over the time);
- ``D`` version 2 without ``canonical_url`` (grouped with D by its URL);
- ``E`` a new article on another site, in German, with an empty, truncated body and
  a pointer to a WARC file that is not there;
- one line cut short, as a killed crawl leaves it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

LATER_FILE = "29990101T000000Z-1-later.jsonl"


def shifted(fetched_at: str, delta: timedelta) -> str:
    moment = datetime.fromisoformat(fetched_at.replace("Z", "+00:00")) + delta
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class VersionedArchive:
    archive: Path
    crawl_records: list[dict]  # the demo crawl's records
    added: dict[str, dict]  # A, B, C, D, E as written
    originals: dict[str, dict]  # the crawl records A, B, C, D are versions of

    @property
    def all_records(self) -> list[dict]:
        return self.crawl_records + list(self.added.values())

    @property
    def latest(self) -> list[dict]:
        """The expected latest version of every article."""
        replaced = {r["id"] for r in self.originals.values()}
        return [r for r in self.crawl_records if r["id"] not in replaced] + list(self.added.values())


def version_of(record: dict, label: str, *, version: int, delta: timedelta, **changes) -> dict:
    new = copy.deepcopy(record)
    new.update(id=f"<urn:uuid:00000000-0000-4000-8000-00000000000{label.lower()}>", version=version,
               previous_version_id=record["id"] if version > 1 else None,
               fetched_at=shifted(record["fetched_at"], delta), headline=f"{record['headline']} ({label} later)")
    new["body"] = record["body"] + f"\n\nUpdate {label}: a paragraph added later."
    new["content_sha1"] = sha1(new["body"])
    new.update(changes)
    return new


def build_versioned_archive(demo_crawl, root: Path) -> VersionedArchive:
    archive = root / "archive"
    shutil.copytree(demo_crawl.archive, archive)
    english = sorted((r for r in demo_crawl.records if r["language"] == "en"), key=lambda r: r["url"])
    a, b, c, d = english[:4]
    added = {
        "A": version_of(a, "A", version=2, delta=timedelta(days=1)),
        "B": version_of(b, "B", version=1, delta=timedelta(hours=1)),
        "C": version_of(c, "C", version=2, delta=timedelta(days=-1)),
        "D": version_of(d, "D", version=2, delta=timedelta(days=2), canonical_url=None),
    }
    e = copy.deepcopy(a)
    e.update(url="https://news.example.org/2025/01/15/leer/", site="example.org", canonical_url="https://news.example.org/2025/01/15/leer/",
             id="<urn:uuid:00000000-0000-4000-8000-00000000000e>", language="de", body="", truncated=True,
             content_sha1=sha1(""), published="2025-01-15T10:00:00+01:00", site_name="Beispiel Zeitung",
             headline="Leer", version=1, previous_version_id=None, captions=[], authors=[],
             warc={"filename": "warc/missing.warc.gz", "record_id": "<urn:uuid:00000000-0000-4000-8000-00000000000e>",
                   "offset": 0, "length": 100})
    added["E"] = e
    lines = [json.dumps(r, ensure_ascii=False) for r in added.values()]
    (archive / "articles" / LATER_FILE).write_text("\n".join(lines) + '\n{"url": "http://cut', encoding="utf-8")
    return VersionedArchive(archive, demo_crawl.records, added, {"A": a, "B": b, "C": c, "D": d})


@pytest.fixture(scope="session")
def versioned_archive(demo_crawl, tmp_path_factory) -> VersionedArchive:
    assert demo_crawl.returncode == 0, demo_crawl.stdout
    return build_versioned_archive(demo_crawl, tmp_path_factory.mktemp("versioned"))
