"""``archiver reextract``: run extraction again over archived responses, no network.

For every response record (and every revisit, through the record it refers to) the
spider's response is rebuilt (``rebuild.py``) and handed to the crawl's own code:
``archiver.records.fetched_page`` and ``archiver.records.decide``. Records keep the
WARC pointer, id and ``fetched_at`` of their response. What only the crawl knew
(``archiver.records.CRAWL_ONLY_FIELDS``) is carried over from the existing record
with the same id.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from archiver.datasets.progress import Progress
from archiver.datasets.scratch import scratch_db
from archiver.datasets.rebuild import NotAPage, may_be_html, rebuild_response
from archiver.datasets.source import RecordFiles
from archiver.datasets.warc_responses import READ_ERRORS, RecordHead, pointer_name, resolve_revisit, scan
from archiver.warc.reading import Damage, log_damage
from archiver.records import ARTICLE_STATUS, CRAWL_ONLY_FIELDS, decide, fetched_page, is_html_page
from pipelines.jsonlines import record_json

logger = logging.getLogger(__name__)

# Stages of an existing record in the index: not met yet, met and re-extracted, met and no longer an article.
UNSEEN, REDONE, DROPPED = 0, 1, 2


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


class ExistingRecords:
    """The records already made, by id, on disk: carried fields, and whole lines for records kept as they are."""

    def __init__(self, directory: Path, files: RecordFiles | None, keep_from: Version | None) -> None:
        self.db = scratch_db(directory / "existing.sqlite",
                             "CREATE TABLE existing (id TEXT PRIMARY KEY, carried TEXT, kept TEXT, stage INT)")
        self.count = 0
        if files is None:
            return
        rows = []
        for line, record in files.records():
            record_id = record.get("id")
            if not isinstance(record_id, str):
                continue
            version = parse_version(record.get("extractor_version"))  # type: ignore[arg-type]
            kept = line.text.decode("utf-8").rstrip("\r\n") if keep_from and version and version >= keep_from \
                else None
            carried = json.dumps({name: record[name] for name in CRAWL_ONLY_FIELDS if name in record})
            rows.append((record_id, carried, kept, UNSEEN))
            if len(rows) >= 5000:
                self._insert(rows)
                rows = []
        self._insert(rows)

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        # The last record with an id wins (a later file re-did it).
        self.db.executemany("INSERT OR REPLACE INTO existing VALUES (?, ?, ?, ?)", rows)
        self.count += len(rows)

    def get(self, record_id: str) -> tuple[dict[str, Any], str | None] | None:
        row = self.db.execute("SELECT carried, kept FROM existing WHERE id = ?", (record_id,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def mark(self, record_id: str, stage: int) -> None:
        self.db.execute("UPDATE existing SET stage = ? WHERE id = ?", (stage, record_id))

    def count_stage(self, stage: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM existing WHERE stage = ?", (stage,)).fetchone()[0]


class ResponseIndex:
    """Where each response record is (to resolve revisits), and the revisits met, on disk."""

    def __init__(self, directory: Path) -> None:
        self.db = scratch_db(directory / "responses.sqlite",
                             "CREATE TABLE responses (id TEXT PRIMARY KEY, file INT, offset INT);"
                             "CREATE TABLE revisits (file INT, offset INT, length INT, id TEXT, url TEXT, status INT)")

    def add_response(self, head: RecordHead, file: int) -> None:
        self.db.execute("INSERT OR IGNORE INTO responses VALUES (?, ?, ?)", (head.record_id, file, head.offset))

    def add_revisit(self, head: RecordHead, file: int) -> None:
        self.db.execute("INSERT INTO revisits VALUES (?, ?, ?, ?, ?, ?)",
                        (file, head.offset, head.length, head.record_id, head.url, head.status))

    def find(self, record_id: str) -> tuple[int, int] | None:
        return self.db.execute("SELECT file, offset FROM responses WHERE id = ?", (record_id,)).fetchone()

    def revisits(self) -> Iterator[tuple[int, int, int, str, str, int | None]]:
        self.db.commit()
        yield from self.db.execute("SELECT * FROM revisits ORDER BY file, offset")


@dataclass
class ReextractReport:
    out: Path | None = None
    warc_files: int = 0
    warc_bytes: int = 0
    responses: int = 0
    written: int = 0
    kept: int = 0  # copied unchanged: made by an extractor at --since-version or newer
    carried: int = 0  # re-extracted, crawl-only fields carried over from the existing record
    new: int = 0  # articles with no existing record
    dropped: int = 0  # existing records whose response is no longer judged an article
    missing: int = 0  # existing records whose response was not in the WARC files read
    revisits_resolved: int = 0
    revisits_unresolved: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> responses
    kinds: Counter[tuple[str, str]] = field(default_factory=Counter)  # (page kind, deciding signal) -> pages
    already: int = 0  # with --new-only: responses that have a record already (not extracted again)
    file_errors: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # damaged stretches of WARC files, skipped (one each)
    seconds: float = 0.0


class Reextractor:
    def __init__(self, warc_files: list[Path], archive_root: Path | None, out_dir: Path,
                 existing_files: RecordFiles | None, since_version: Version | None, progress: Progress,
                 new_only: bool = False) -> None:
        self.warc_files = warc_files
        self.names = [pointer_name(path, archive_root or _layout_root(path)) for path in warc_files]
        self.out_dir = out_dir
        self.existing_files = existing_files
        self.since_version = since_version
        self.new_only = new_only  # write only articles without a record (what an earlier crawl skipped)
        self.progress = progress
        self.report = ReextractReport(warc_files=len(warc_files), warc_bytes=sum(p.stat().st_size for p in warc_files))

    def run(self) -> ReextractReport:
        started = time.monotonic()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = self.out_dir / f"{stamp}-{os.getpid()}-reextract.jsonl"
        partial = out.with_name(out.name + ".partial")
        with tempfile.TemporaryDirectory(prefix="archiver-reextract-") as scratch, \
                open(partial, "w", encoding="utf-8") as self.output:
            self.existing = ExistingRecords(Path(scratch), self.existing_files, self.since_version)
            self.index = ResponseIndex(Path(scratch))
            self._scan_files()
            self._resolve_revisits()
            report = self.report
            if self.existing.count:
                report.dropped = self.existing.count_stage(DROPPED)
                report.missing = self.existing.count_stage(UNSEEN)
            self.existing.db.close()
            self.index.db.close()
        if self.new_only and not self.report.written:
            partial.unlink()  # nothing recovered: no empty file left beside the records
            out = None
        else:
            os.replace(partial, out)
        self.progress.close()
        report.out, report.seconds = out, time.monotonic() - started
        return report

    def _scan_files(self) -> None:
        done, tell = 0, [0]
        self.progress.stage("reading")
        for number, (path, name) in enumerate(zip(self.warc_files, self.names)):
            try:
                for head, response in scan(path, name, self._wants_body, tell, self._damaged):
                    if head.rec_type == "response":
                        self.report.responses += 1
                        self.index.add_response(head, number)
                        self._handle(head, response)
                    elif head.rec_type == "revisit":
                        self.index.add_revisit(head, number)
                    self.progress.update(done + tell[0], self.report.written, "articles")
            except READ_ERRORS as error:
                # A file that cannot be read at all (damage inside a file is skipped and reported).
                self.report.file_errors.append(f"{path}: {error}")
            done += path.stat().st_size
        self.index.db.commit()

    def _damaged(self, damage: Damage) -> None:
        log_damage(damage)
        self.report.damaged.append(str(damage))

    @staticmethod
    def _wants_body(head: RecordHead) -> bool:
        return head.status == ARTICLE_STATUS and head.headers is not None and may_be_html(head.url, head.headers)

    def _handle(self, head: RecordHead, response) -> None:
        if response is None:
            self._skip(head, "status" if head.status != ARTICLE_STATUS else "not-html")
            return
        existing = self.existing.get(head.record_id)
        if existing and self.new_only:
            self.existing.mark(head.record_id, REDONE)
            self.report.already += 1
            return
        if existing and existing[1] is not None:
            self.output.write(existing[1] + "\n")  # made by a new enough extractor: kept as it is
            self.existing.mark(head.record_id, REDONE)
            self.report.kept += 1
            self.report.written += 1
            return
        try:
            scrapy_response = rebuild_response(response)
        except NotAPage as reason:
            self._skip(head, str(reason))
            return
        if not is_html_page(scrapy_response):
            self._skip(head, "not-html")
            return
        decision = decide(fetched_page(scrapy_response))
        self.report.kinds[decision.kind, decision.reason] += 1
        if decision.article is None:
            self._skip(head, decision.kind)
            return
        article = decision.article
        if existing:
            for name, value in existing[0].items():
                setattr(article, name, value)
            self.existing.mark(head.record_id, REDONE)
            self.report.carried += 1
        else:
            self.report.new += 1
        self.output.write(record_json(article) + "\n")
        self.report.written += 1

    def _skip(self, head: RecordHead, reason: str) -> None:
        self.report.skipped[reason] += 1
        if self.existing.count:
            self.existing.mark(head.record_id, DROPPED)

    def _resolve_revisits(self) -> None:
        for file, offset, length, record_id, url, status in self.index.revisits():
            head = RecordHead("revisit", record_id, url, offset=offset, length=length, status=status)
            if status is not None and status != ARTICLE_STATUS:
                self._skip(head, "status")  # e.g. a server-not-modified revisit of a 304
                continue
            try:
                response = resolve_revisit(self.warc_files[file], self.names[file], head, self._find_original)
            except READ_ERRORS as error:
                logger.warning("revisit %s: %s", record_id, error)
                response = None
            if response is None:
                self.report.revisits_unresolved += 1
                self._skip(head, "revisit-unresolved")
                continue
            self.report.revisits_resolved += 1
            head.status = response.status
            if response.status != ARTICLE_STATUS or not may_be_html(response.url, response.headers):
                response = None
            self._handle(head, response)

    def _find_original(self, record_id: str) -> tuple[Path, int] | None:
        found = self.index.find(record_id)
        return (self.warc_files[found[0]], found[1]) if found else None


def _layout_root(path: Path) -> Path | None:
    """The archive folder of ``<archive>/warc/<file>``; None for a WARC file kept elsewhere."""
    return path.resolve().parent.parent if path.resolve().parent.name == "warc" else None
