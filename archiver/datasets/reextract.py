"""``archiver reextract``: run extraction again over archived responses, no network.

For every response record (and every revisit, through the record it refers to) the
spider's response is rebuilt (``rebuild.py``) and handed to the crawl's own code:
``archiver.record.build.fetched_page`` and ``archiver.record.build.decide``. Records keep the
WARC pointer, id and ``fetched_at`` of their response. What only the crawl knew
(``archiver.record.build.CRAWL_ONLY_FIELDS``) is carried over from the existing record
with the same id.

The work is split into byte ranges of the WARC files (``reextract_tasks.py``,
``archiver.warc.ranges``) and run on a ``workers.py`` runner: this process, a local
pool (``--workers``) or a Dask cluster (``--dask``); the output is the same file,
byte for byte, whichever runs it and however the files are cut.
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

from packaging.version import Version

from archiver.datasets.export_tasks import plan_shards
from archiver.datasets.parts import PARTIAL, concatenate
from archiver.datasets.progress import Progress
from archiver.datasets.reextract_tasks import DROPPED, UNSEEN, Counts, ExistingTask, Job, RangeTask, existing_rows, \
    parse_version, positions, resolve_range, scan_range
from archiver.datasets.scratch import scratch_db
from archiver.datasets.source import RecordFiles
from archiver.datasets.warc_responses import pointer_name
from archiver.datasets.workers import InlineRunner, PoolRunner, Runner, range_bytes, shared_tally, task_bytes
from archiver.system.domains import load_suffix_list
from archiver.warc.ranges import WarcRange, plan_ranges

logger = logging.getLogger(__name__)

__all__ = ["ExistingRecords", "ReextractReport", "Reextractor", "parse_version"]


class ExistingRecords:
    """The records already made, by id, on disk: carried fields, and whole lines for records kept as they are.

    The records files are parsed in shards on the runner; the rows go into the table in line order.
    """

    def __init__(self, directory: Path, files: RecordFiles | None, keep_from: Version | None,
                 runner: Runner | None = None, progress: Progress | None = None) -> None:
        self.db = scratch_db(directory / "existing.sqlite",
                             "CREATE TABLE existing (id TEXT PRIMARY KEY, carried TEXT, kept TEXT, stage INT)")
        self.count = 0
        if files is None:
            return
        runner = runner or InlineRunner()
        paths = [path.resolve() for path in files.paths]
        total = files.total_bytes
        tally = shared_tally(runner)
        tick = (lambda: progress.update(tally.done_bytes, tally.items, "records")) if progress else (lambda: None)
        if progress is not None:
            progress.stage("records", total)
        shards = plan_shards(paths, task_bytes(total, runner))
        tasks = (ExistingTask(paths, shard, keep_from) for shard in shards)
        for result in runner.map(existing_rows, tasks, tally, tick):
            self._insert(result.rows)
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
    tasks: int = 0  # ranges of WARC files the work was cut into


class Reextractor:
    """One run: phase one over every file, then phase two over the files with revisits, on ``runner``."""

    def __init__(self, warc_files: list[Path], archive_root: Path | None, out_dir: Path,
                 existing_files: RecordFiles | None, since_version: Version | None, progress: Progress,
                 runner: Runner | None = None, new_only: bool = False, task_size: int | None = None) -> None:
        self.warc_files = [Path(p).resolve() for p in warc_files]
        self.task_size = task_size  # bytes of WARC data per task (None: enough tasks for every worker)
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
        if isinstance(self.runner, PoolRunner):
            load_suffix_list()  # every record's site needs it: loaded once here, not in each forked worker
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
        existing = ExistingRecords(work, self.existing_files, self.since_version, self.runner, self.progress)
        job = Job(work, work / "existing.sqlite" if existing.count else None, new_only=self.new_only)
        counts = Counts()
        tally = shared_tally(self.runner)
        self.progress.stage("reading", self.report.warc_bytes)

        def tick() -> None:
            self.progress.update(tally.done_bytes, tally.items, "articles")

        ranges = plan_ranges(self.warc_files, range_bytes(self.report.warc_bytes, self.runner, self.task_size))
        self.report.tasks = len(ranges)

        def tasks(job: Job, chosen: list[WarcRange]):
            return (RangeTask(job, part, self.names[part.file]) for part in chosen)

        with_revisits = []
        for result in self.runner.map(scan_range, tasks(job, ranges), tally, tick):
            counts.add(result.counts)
            if result.counts.revisits:
                with_revisits.append(ranges[result.number])
        parts = [job.part("responses", part.number) for part in ranges]
        marks = [job.part("marks-r", part.number) for part in ranges]
        if with_revisits:
            job = dataclasses.replace(job, responses_db=self._response_table(job, ranges))
            for result in self.runner.map(resolve_range, tasks(job, with_revisits), tally, tick):
                counts.add(result.counts)
            parts += [job.part("revisits", part.number) for part in with_revisits]
            marks += [job.part("marks-v", part.number) for part in with_revisits]
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

    def _response_table(self, job: Job, ranges: list[WarcRange]) -> Path:
        """Where every response record is, from the positions phase one noted (the first one of an id wins)."""
        index = ResponseIndex(job.work)
        for part in ranges:
            rows = [(record_id, part.file, offset) for record_id, offset in positions(job, part.number, "response")]
            index.db.executemany("INSERT OR IGNORE INTO responses VALUES (?, ?, ?)", rows)
        index.db.executemany("INSERT INTO files VALUES (?, ?)", [(n, str(p)) for n, p in enumerate(self.warc_files)])
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
