"""``archiver verify``, the article records: each line a valid record, its pointer on its response, no duplicates.

A duplicate is a second record of one article capture: the same record id (the
``WARC-Record-ID`` of the response it was extracted from), or the same article (canonical
URL, else URL) with the same body and version. A crawl killed between writing a record and
marking the seen-store, then run again, used to leave one. ``dedupe`` writes a cleaned copy
of the records files (first record of each capture kept); nothing is changed in place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from archiver.datasets.export_tasks import plan_shards
from archiver.datasets.progress import Progress
from archiver.datasets.workers import InlineRunner, Runner, shared_tally, task_bytes
from archiver.record.reader import Malformed, record_files
from archiver.storage.torn import held_by_a_writer
from archiver.warc.verify_report import Duplicates, VerifyReport
from archiver.warc.verify_tasks import ArticleTask, RecordInfo, read_article_shard


def check_articles(articles_dir: Path, archive: Path, by_position: dict[tuple[str, int], RecordInfo],
                   report: VerifyReport, runner: Runner | None = None, progress: Progress | None = None) -> Duplicates:
    """Every line of the records files: parsed in shards on ``runner``, checked here in file order."""
    duplicates = Duplicates()
    _cut_last_line_number.cache_clear()  # files may have changed since an earlier verification
    files = record_files(articles_dir)
    report.article_files += len(files)
    runner = runner or InlineRunner()
    progress = progress or Progress(0, enabled=False)

    def malformed(bad: Malformed) -> None:
        where = f"{bad.path.relative_to(archive).as_posix()}:{bad.number}"
        duplicates.malformed.add((bad.path, bad.number))
        if _is_cut_last_line(bad) and held_by_a_writer(bad.path):
            report.notes.append(f"{where}: last line still being written by a running crawl, skipped")
        elif _is_cut_last_line(bad):
            report.fault(where, "torn record: the last line was cut while being written (a crawl killed, or a "
                         "disk that filled); the next crawl into this archive cuts it off, and its page is "
                         "fetched again")
        else:
            report.fault(where, f"malformed record: {bad.reason}")

    total = sum(path.stat().st_size for path in files)
    progress.stage("records", total)
    tally = shared_tally(runner)
    tasks = (ArticleTask(files, shard) for shard in plan_shards(files, task_bytes(total, runner)))
    for lines in runner.map(read_article_shard, tasks, tally, lambda: progress.update(tally.done_bytes, tally.items)):
        for kind, file, number, value in lines.events:
            path = files[file]
            if kind == "malformed":
                malformed(Malformed(path, number, value))
                continue
            where = f"{path.relative_to(archive).as_posix()}:{number}"
            report.articles += 1
            first = duplicates.check(path, number, value, where)
            if first is not None:
                report.fault(where, f"duplicate record of one article capture (first at {first}); "
                             "`archiver verify --dedupe` writes a copy without duplicates")
            _check_pointer(value, where, by_position, report)
            _check_capture(value, where, report)
    return duplicates


def _is_cut_last_line(bad: Malformed) -> bool:
    """A last line without its newline: what a crawl killed while writing leaves."""
    return _cut_last_line_number(bad.path) == bad.number


@lru_cache(maxsize=64)
def _cut_last_line_number(path: Path) -> int | None:
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return None
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return None
        fh.seek(0)
        return sum(1 for _ in fh)


def _check_pointer(record: dict, where: str, by_position: dict[tuple[str, int], RecordInfo],
                   report: VerifyReport) -> None:
    pointer = record.get("warc")
    if not pointer:
        report.fault(where, "article record without a warc pointer")
        return
    target = by_position.get((pointer.get("filename"), pointer.get("offset")))
    if target is None and report.in_damage(pointer.get("filename"), pointer.get("offset")):
        report.lost("article records")
    elif target is None:
        report.fault(where, f"warc pointer {pointer.get('filename')}@{pointer.get('offset')} is no record")
    elif target.record_id != pointer.get("record_id") or target.length != pointer.get("length"):
        report.fault(where, "warc pointer's record id or length does not match the record there")
    elif target.type != "response":
        report.fault(where, f"warc pointer names a {target.type} record, not a response")
    elif record.get("id") not in (None, target.record_id):
        report.fault(where, "record id differs from its pointer's WARC-Record-ID")


def _check_capture(record: dict, where: str, report: VerifyReport) -> None:
    """Count the page's completeness; a page with missing requisites is a fault only when required."""
    capture = record.get("capture") if isinstance(record, dict) else None
    if not isinstance(capture, dict):
        report.pages_unrecorded += 1
        return
    if capture.get("complete"):
        report.pages_complete += 1
        return
    missing = capture.get("missing") or []
    first = f", e.g. {missing[0].get('url')} ({missing[0].get('status') or missing[0].get('reason')})" if missing else ""
    page = (f"{where} {record.get('url')}: {capture.get('missing_count', len(missing))} of "
            f"{capture.get('requisites')} requisites missing, {capture.get('not_fetched', 0)} not fetched{first}")
    report.pages_incomplete.append(page)
    if report.require_requisites:
        report.faults.append(page)


@dataclass
class DedupeResult:
    folder: Path
    files: int = 0
    kept: int = 0
    duplicates: int = 0
    malformed: int = 0


def dedupe(articles_dir: Path, duplicates: Duplicates, out: Path) -> DedupeResult:
    """Copy every records file to ``out`` without its duplicate and malformed lines; the originals stay."""
    result = DedupeResult(out)
    out.mkdir(parents=True, exist_ok=True)
    for path in record_files(articles_dir):
        target = out / path.name
        partial = target.with_name(target.name + ".partial")
        with open(path, "rb") as source, open(partial, "wb") as copy:
            for number, line in enumerate(source, start=1):
                if (path, number) in duplicates.lines:
                    result.duplicates += 1
                elif (path, number) in duplicates.malformed:
                    result.malformed += 1
                elif line.strip():
                    copy.write(line if line.endswith(b"\n") else line + b"\n")
                    result.kept += 1
            copy.flush()
            os.fsync(copy.fileno())
        os.replace(partial, target)
        result.files += 1
    return result
