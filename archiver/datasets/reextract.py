"""``archiver reextract``: run extraction again over archived responses, no network.

For every response record (and every revisit, through the record it refers to) the
spider's response is rebuilt (``rebuild.py``) and handed to the crawl's own code:
``archiver.records.fetched_page`` and ``archiver.records.decide``. Records keep the
WARC pointer, id and ``fetched_at`` of their response. What only the crawl knew
(``archiver.records.CRAWL_ONLY_FIELDS``) is carried over from the existing record
with the same id.

The work is split by WARC file (``reextract_tasks.py``) and run on a ``workers.py``
runner: this process, a local pool (``--workers``) or a Dask cluster (``--dask``);
the output is the same file, byte for byte, whichever runs it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from archiver.datasets.parts import PARTIAL, concatenate
from archiver.datasets.progress import Progress
from archiver.datasets.reextract_tasks import DROPPED, UNSEEN, Counts, FileTask, Job, positions, resolve_file, \
    scan_file
from archiver.datasets.scratch import scratch_db
from archiver.datasets.source import RecordFiles
from archiver.datasets.warc_responses import pointer_name
from archiver.datasets.workers import InlineRunner, PoolRunner, Runner, Tally
from archiver.records import CRAWL_ONLY_FIELDS

logger = logging.getLogger(__name__)



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
        self.db.commit()  # tasks read the table from their own processes

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
    """Where each response record is (to resolve revisits), on disk, for the tasks of phase two."""

    def __init__(self, directory: Path) -> None:
        self.db = scratch_db(directory / "responses.sqlite",
                             "CREATE TABLE responses (id TEXT PRIMARY KEY, file INT, offset INT);"
                             "CREATE TABLE files (number INT PRIMARY KEY, path TEXT)")


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
    workers: int = 1


class Reextractor:
    """One run: phase one over every file, then phase two over the files with revisits, on ``runner``."""

    def __init__(self, warc_files: list[Path], archive_root: Path | None, out_dir: Path,
                 existing_files: RecordFiles | None, since_version: Version | None, progress: Progress,
                 runner: Runner | None = None, new_only: bool = False) -> None:
        self.warc_files = [Path(p).resolve() for p in warc_files]
        self.names = [pointer_name(path, archive_root or _layout_root(path)) for path in warc_files]
        self.out_dir = out_dir
        self.existing_files = existing_files
        self.since_version = since_version
        self.new_only = new_only  # write only articles without a record (what an earlier crawl skipped)
        self.progress = progress
        self.runner = runner or InlineRunner()
        self.report = ReextractReport(warc_files=len(warc_files), warc_bytes=sum(p.stat().st_size for p in warc_files),
                                      workers=self.runner.workers)

    def run(self) -> ReextractReport:
        started = time.monotonic()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = self.out_dir / f"{stamp}-{os.getpid()}-reextract.jsonl"
        # Beside the output, so every worker of a cluster sees it; removed whatever happens.
        work = self.out_dir / f".{out.stem}.parts"
        work.mkdir()
        self.out: Path | None = out
        try:
            self._run(work, out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            self.progress.close()
        self.report.out, self.report.seconds = self.out, time.monotonic() - started
        return self.report

    def _run(self, work: Path, out: Path) -> None:
        existing = ExistingRecords(work, self.existing_files, self.since_version)
        job = Job(work, work / "existing.sqlite" if existing.count else None, new_only=self.new_only)
        counts = Counts()
        tally = Tally(shared=isinstance(self.runner, PoolRunner))
        self.progress.stage("reading")

        def tick() -> None:
            self.progress.update(tally.done_bytes, tally.items, "articles")

        def tasks(job: Job, numbers):
            return (FileTask(job, n, self.warc_files[n], self.names[n]) for n in numbers)

        files = range(len(self.warc_files))
        with_revisits = []
        for result in self.runner.map(scan_file, tasks(job, files), tally, tick):
            counts.add(result.counts)
            if result.counts.revisits:
                with_revisits.append(result.number)
        parts = [job.part("responses", n) for n in files]
        marks = [job.part("marks-r", n) for n in files]
        if with_revisits:
            job = dataclasses.replace(job, responses_db=self._response_table(job))
            for result in self.runner.map(resolve_file, tasks(job, with_revisits), tally, tick):
                counts.add(result.counts)
            parts += [job.part("revisits", n) for n in with_revisits]
            marks += [job.part("marks-v", n) for n in with_revisits]
        self._settle(existing, marks, counts)
        existing.db.close()
        if self.new_only and not counts.written:
            self.out = None  # nothing recovered: no empty file left beside the records
            return
        partial = out.with_name(out.name + PARTIAL)
        try:
            with open(partial, "wb") as output:
                concatenate(parts, output)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)

    def _response_table(self, job: Job) -> Path:
        """Where every response record is, from the positions phase one noted (the first one of an id wins)."""
        index = ResponseIndex(job.work)
        for number, path in enumerate(self.warc_files):
            rows = [(record_id, number, offset) for record_id, offset in positions(job, number, "response")]
            index.db.executemany("INSERT OR IGNORE INTO responses VALUES (?, ?, ?)", rows)
            index.db.execute("INSERT INTO files VALUES (?, ?)", (number, str(path)))
        index.db.commit()
        index.db.close()
        return job.work / "responses.sqlite"

    def _settle(self, existing: ExistingRecords, marks: list[Path], counts: Counts) -> None:
        report = self.report
        for name in ("responses", "written", "kept", "carried", "new", "revisits_resolved", "revisits_unresolved",
                     "already"):
            setattr(report, name, getattr(counts, name))
        report.skipped, report.kinds, report.file_errors = counts.skipped, counts.kinds, counts.file_errors
        report.damaged = counts.damaged
        if not existing.count:
            return
        for path in marks:  # in the order a single worker settles them: the last mark of an id wins
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    record_id, stage = json.loads(line)
                    existing.mark(record_id, stage)
        report.dropped = existing.count_stage(DROPPED)
        report.missing = existing.count_stage(UNSEEN)


def _layout_root(path: Path) -> Path | None:
    """The archive folder of ``<archive>/warc/<file>``; None for a WARC file kept elsewhere."""
    return path.resolve().parent.parent if path.resolve().parent.name == "warc" else None
