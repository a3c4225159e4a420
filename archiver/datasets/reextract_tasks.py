"""The work of ``archiver reextract`` cut into tasks, for any runner (``workers.py``).

A task is one byte range of a WARC file (``archiver.warc.ranges``: cut where a capture
starts, so a big file is shared by every worker). Phase one (``scan_range``) reads its
range with ``warc_responses.scan``: it re-extracts the responses and notes where each
response and revisit is. Phase two (``resolve_range``) takes one range's revisits and
rebuilds each from the record it refers to, wherever that is (the parent gathers the
response positions of every range into a SQLite table the tasks read). Each task writes
its records, its notes and the existing records it settled to part files in the job's
folder; the parent concatenates them in range order, which is archive order, so the
output does not depend on the workers or on where the files were cut.

Before that, ``existing_rows`` reads the existing records a shard of lines at a time
(``export_tasks.plan_shards``), so the records of a big archive are parsed on every core too.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from packaging.version import InvalidVersion, Version

from archiver.datasets import workers
from archiver.datasets.export_tasks import Shard, shard_lines
from archiver.datasets.parts import PartFile
from archiver.datasets.rebuild import NotAPage, may_be_html, rebuild_response
from archiver.datasets.source import RecordFiles
from archiver.datasets.warc_responses import READ_ERRORS, RecordHead, resolve_revisit, scan
from archiver.record.build import ARTICLE_STATUS, CRAWL_ONLY_FIELDS, decide, fetched_page, is_html_page
from archiver.record.json_line import record_json
from archiver.warc.ranges import WarcRange
from archiver.warc.reading import Damage, log_damage

# Stages of an existing record: not met yet, met and re-extracted, met and no longer an article.
UNSEEN, REDONE, DROPPED = 0, 1, 2


@dataclass
class Counts:
    """What tasks count; the parent sums them in task order."""

    responses: int = 0
    written: int = 0
    kept: int = 0
    carried: int = 0
    new: int = 0
    revisits: int = 0
    revisits_resolved: int = 0
    revisits_unresolved: int = 0
    already: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    kinds: Counter[tuple[str, str]] = field(default_factory=Counter)
    file_errors: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)  # damaged stretches skipped, one warning each

    def add(self, other: Counts) -> None:
        for name in ("responses", "written", "kept", "carried", "new", "revisits", "revisits_resolved",
                     "revisits_unresolved", "already"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped.update(other.skipped)
        self.kinds.update(other.kinds)
        self.file_errors += other.file_errors
        self.damaged += other.damaged


@dataclass(frozen=True)
class Job:
    """What every task of one run reads: paths on storage every worker sees (small: sent with each task)."""

    work: Path  # the run's folder of part files and tables
    existing_db: Path | None  # ExistingRecords' table, when there are existing records
    responses_db: Path | None = None  # phase two: response record id -> (file, offset), and file -> path
    new_only: bool = False  # write only articles without a record (what an earlier crawl skipped)

    def part(self, kind: str, number: int) -> Path:
        return self.work / f"{kind}-{number:06d}"


@dataclass(frozen=True)
class RangeTask:
    job: Job
    range: WarcRange  # range.number is the task's place in the run
    name: str  # the file's name in WARC pointers

    @property
    def number(self) -> int:
        return self.range.number


@dataclass
class RangeResult:
    number: int
    counts: Counts
    done_bytes: int = 0
    items: int = 0


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


class RecordMaker:
    """One response in, one article record out (or a counted skip); notes which existing records it settled."""

    def __init__(self, job: Job, output: IO[str], marks: IO[str], counts: Counts) -> None:
        self.new_only = job.new_only
        self.existing = read_only(job.existing_db) if job.existing_db else None
        self.output = output
        self.marks = marks
        self.counts = counts

    def close(self) -> None:
        if self.existing is not None:
            self.existing.close()

    def _existing(self, record_id: str) -> tuple[dict[str, Any], str | None] | None:
        if self.existing is None:
            return None
        row = self.existing.execute("SELECT carried, kept FROM existing WHERE id = ?", (record_id,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def _mark(self, record_id: str, stage: int) -> None:
        if self.existing is not None:
            self.marks.write(json.dumps([record_id, stage]) + "\n")

    def handle(self, head: RecordHead, response) -> None:
        counts = self.counts
        if response is None:
            self.skip(head, "status" if head.status != ARTICLE_STATUS else "not-html")
            return
        existing = self._existing(head.record_id)
        if existing and self.new_only:
            self._mark(head.record_id, REDONE)
            counts.already += 1
            return
        if existing and existing[1] is not None:
            self.output.write(existing[1] + "\n")  # made by a new enough extractor: kept as it is
            self._mark(head.record_id, REDONE)
            counts.kept += 1
            counts.written += 1
            return
        try:
            scrapy_response = rebuild_response(response)
        except NotAPage as reason:
            self.skip(head, str(reason))
            return
        if not is_html_page(scrapy_response):
            self.skip(head, "not-html")
            return
        decision = decide(fetched_page(scrapy_response))
        counts.kinds[decision.kind, decision.reason] += 1
        if decision.article is None:
            self.skip(head, decision.kind)
            return
        article = decision.article
        if existing:
            for name, value in existing[0].items():
                setattr(article, name, value)
            self._mark(head.record_id, REDONE)
            counts.carried += 1
        else:
            counts.new += 1
        self.output.write(record_json(article) + "\n")
        counts.written += 1

    def skip(self, head: RecordHead, reason: str) -> None:
        self.counts.skipped[reason] += 1
        self._mark(head.record_id, DROPPED)


def wants_body(head: RecordHead) -> bool:
    return head.status == ARTICLE_STATUS and head.headers is not None and may_be_html(head.url, head.headers)


def scan_range(task: RangeTask) -> RangeResult:
    """Phase one for one range of a WARC file: its responses re-extracted, its records' positions noted."""
    job, number, name, part = task.job, task.number, task.name, task.range
    path = part.path
    counts = Counts()
    tell, reported = [part.start], part.start
    with PartFile(job.part("responses", number)) as output, PartFile(job.part("marks-r", number)) as marks, \
            PartFile(job.part("positions", number)) as positions:
        maker = RecordMaker(job, output, marks, counts)
        try:
            # The reader's own per-file function: damaged members are its business, not this loop's.
            def damaged(damage: Damage) -> None:
                log_damage(damage)
                counts.damaged.append(str(damage))

            for head, response in scan(path, name, wants_body, tell, damaged, start=part.start, end=part.end):
                if head.rec_type == "response":
                    counts.responses += 1
                    positions.write(json.dumps(["response", head.record_id, head.offset]) + "\n")
                    written = counts.written
                    maker.handle(head, response)
                    workers.report(tell[0] - reported, counts.written - written)
                    reported = tell[0]
                elif head.rec_type == "revisit":
                    counts.revisits += 1
                    positions.write(json.dumps(["revisit", head.record_id, head.offset, head.length, head.url,
                                                head.status]) + "\n")
        except READ_ERRORS as error:
            # Records before the bad member are kept; the report names the file.
            counts.file_errors.append(f"{path}: {error}")
        finally:
            maker.close()
    workers.report(max(part.start + part.size - reported, 0))
    return RangeResult(number, counts, done_bytes=part.size, items=counts.written)


def positions(job: Job, number: int, kind: str):
    with open(job.part("positions", number), encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            if entry[0] == kind:
                yield entry[1:]


def resolve_range(task: RangeTask) -> RangeResult:
    """Phase two for one range of a WARC file: each revisit rebuilt from the response it refers to."""
    job, number, path, name = task.job, task.number, task.range.path, task.name
    counts = Counts()
    assert job.responses_db is not None
    responses = read_only(job.responses_db)

    def find_original(record_id: str) -> tuple[Path, int] | None:
        found = responses.execute("SELECT files.path, responses.offset FROM responses JOIN files "
                                  "ON files.number = responses.file WHERE responses.id = ?", (record_id,)).fetchone()
        return (Path(found[0]), found[1]) if found else None

    with PartFile(job.part("revisits", number)) as output, PartFile(job.part("marks-v", number)) as marks:
        maker = RecordMaker(job, output, marks, counts)
        try:
            for record_id, offset, length, url, status in positions(job, number, "revisit"):
                head = RecordHead("revisit", record_id, url, offset=offset, length=length, status=status)
                if status is not None and status != ARTICLE_STATUS:
                    maker.skip(head, "status")  # e.g. a server-not-modified revisit of a 304
                    continue
                try:
                    response = resolve_revisit(path, name, head, find_original)
                except READ_ERRORS:
                    response = None
                if response is None:
                    counts.revisits_unresolved += 1
                    maker.skip(head, "revisit-unresolved")
                    continue
                counts.revisits_resolved += 1
                head.status = response.status
                if response.status != ARTICLE_STATUS or not may_be_html(response.url, response.headers):
                    response = None
                maker.handle(head, response)
        finally:
            maker.close()
            responses.close()
    workers.report(0, counts.written)
    return RangeResult(number, counts, items=counts.written)


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


@dataclass(frozen=True)
class ExistingTask:
    paths: list[Path]  # the existing records files
    shard: Shard
    keep_from: Version | None  # records made by this extractor version or newer are kept as they are


@dataclass
class ExistingResult:
    rows: list[tuple[str, str, str | None, int]]  # ExistingRecords rows, in line order
    unreadable: int
    done_bytes: int
    items: int


def existing_rows(task: ExistingTask) -> ExistingResult:
    """The rows of one shard of the existing records: id, crawl-only fields, and the line itself if kept."""
    files = RecordFiles(task.paths)
    rows = []
    for line in shard_lines(task.paths, task.shard):
        record = files.parse(line)
        if record is None:
            continue
        record_id = record.get("id")
        if not isinstance(record_id, str):
            continue
        version = parse_version(record.get("extractor_version"))  # type: ignore[arg-type]
        kept = line.text.decode("utf-8").rstrip("\r\n") if task.keep_from and version and \
            version >= task.keep_from else None
        carried = json.dumps({name: record[name] for name in CRAWL_ONLY_FIELDS if name in record})
        rows.append((record_id, carried, kept, UNSEEN))
    workers.report(task.shard.size, len(rows))
    return ExistingResult(rows, files.unreadable, task.shard.size, len(rows))
