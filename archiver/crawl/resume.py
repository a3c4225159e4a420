"""Resuming a crawl job: a journal in the job directory, and the captures a killed run left in the archive.

Scrapy's JOBDIR resumes exactly after a graceful stop (Ctrl-C, SIGTERM, a CLOSESPIDER
limit), but its queue state is only saved on close: after ``kill -9`` it is stale. The
journal (``archiver-job.json`` in the job directory) tells the two apart. After a
killed run, Scrapy's state is discarded and the job starts again from its start pages,
feeds and sitemaps, but every page the killed runs already captured is answered from
their WARC files instead of being fetched again (``archiver.middlewares.resume``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archiver.discovery.urls import url_key
from archiver.record.items import WarcPointer
from archiver.record.reader import iter_records
from archiver.crawl.seen import SeenEntry, SeenStore
from archiver.warc.reading import iter_warc
from archiver.warc.writer import WARC_SUFFIX

logger = logging.getLogger(__name__)

JOURNAL_NAME = "archiver-job.json"
# What Scrapy keeps in JOBDIR: the dupefilter, the disk queues, the spider's state.
SCRAPY_STATE = ("requests.seen", "requests.queue", "spider.state")
# Runs stopped because a write failed, or was about to (a full disk): Scrapy's state may be torn
# (it writes to the same disk), and the pages whose records were not written are in its dupefilter
# already. So the next run resumes as after a kill: from the start pages, with every page the
# stopped runs captured answered from the archive and every recorded article skipped.
REPLAY_AFTER = frozenset({"diskspace_low", "warc_write_failed", "records_write_failed"})


@dataclass(frozen=True)
class Run:
    """One process of a job: its pid and start stamp identify the files it wrote."""

    pid: int
    started: str  # UTC, "%Y%m%d%H%M%S%f"[:17], comparable with WARC and JSON Lines file names
    end: str | None = None  # close reason; None while running, or after kill -9

    def wrote(self, path: Path) -> bool:
        """True for a WARC or JSON Lines file this run created (its name holds the pid and a later stamp)."""
        name = path.name
        if name.endswith(WARC_SUFFIX):  # ARCHIVER-<stamp>-<serial>-<pid>~<host>.warc.gz
            head = name.split("~", 1)[0].split("-")
            return len(head) >= 4 and head[-1] == str(self.pid) and head[-3] >= self.started
        if name.endswith(".jsonl"):  # <stamp>-<pid>.jsonl, stamp to the second
            stamp, _, pid = name[: -len(".jsonl")].rpartition("-")
            return pid == str(self.pid) and stamp.replace("T", "").replace("Z", "") >= self.started[:14]
        return False


def now_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]


class JobJournal:
    """The runs of the job in ``jobdir`` since it last finished."""

    def __init__(self, jobdir: str | Path) -> None:
        self.jobdir = Path(jobdir)
        self.path = self.jobdir / JOURNAL_NAME

    def runs(self) -> list[Run]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            logger.warning("Unreadable job journal %s: treating the job as killed", self.path)
            return [Run(pid=-1, started="")]
        return [Run(**run) for run in data.get("runs", [])]

    def begin(self, pid: int | None = None) -> list[Run]:
        """Start a run; return the earlier runs to replay (all of them if the last was killed, else none)."""
        runs = self.runs()
        killed = bool(runs) and runs[-1].end is None
        stopped_by_a_write = bool(runs) and runs[-1].end in REPLAY_AFTER
        if killed or stopped_by_a_write:
            logger.warning("Job %s %s: its Scrapy state is discarded; pages it already captured are taken from "
                           "the archive instead of being fetched again", self.jobdir,
                           "was killed while running" if killed else f"stopped ({runs[-1].end})")
            self.discard_scrapy_state()
        self._write(runs + [Run(pid=os.getpid() if pid is None else pid, started=now_stamp())])
        return runs if killed or stopped_by_a_write else []

    def finish(self, reason: str) -> None:
        """End the run: a finished job forgets everything; a stopped one is resumed next time."""
        if reason == "finished":
            self.discard_scrapy_state()
            self.path.unlink(missing_ok=True)
            return
        runs = self.runs()
        if runs:
            try:
                self._write(runs[:-1] + [Run(runs[-1].pid, runs[-1].started, reason)])
            except OSError as error:  # the run stays unfinished in the journal: resumed as after a kill
                logger.warning("Job journal %s not updated (%s): the next run resumes as after a kill", self.path,
                               error.strerror or error)

    def discard_scrapy_state(self) -> None:
        for name in SCRAPY_STATE:
            path = self.jobdir / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def _write(self, runs: list[Run]) -> None:
        self.jobdir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps({"runs": [run.__dict__ for run in runs]}, indent=1), encoding="utf-8")
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, self.path)  # atomic: a kill leaves the old journal or the new one


@dataclass(frozen=True)
class Capture:
    """A response a killed run wrote to the archive."""

    url: str
    pointer: WarcPointer
    warc_date: str
    status: int


def iter_captures(archive: Path, warc_subdir: str, runs: list[Run]) -> Iterator[Capture]:
    """Every response record the runs wrote, in file order."""
    for path in sorted((archive / warc_subdir).glob(f"*{WARC_SUFFIX}")):
        if not any(run.wrote(path) for run in runs):
            continue
        relative = path.relative_to(archive).as_posix()
        for member in iter_warc(path):  # a damaged record is skipped (and logged): that page is fetched again
            record = member.record
            if record.rec_type != "response" or record.http_headers is None:
                continue
            yield Capture(
                url=record.rec_headers.get_header("WARC-Target-URI"),
                pointer=WarcPointer(filename=relative, record_id=record.rec_headers.get_header("WARC-Record-ID"),
                                    offset=member.offset, length=member.length),
                warc_date=record.rec_headers.get_header("WARC-Date"),
                status=int(record.http_headers.get_statuscode() or 0),
            )


def capture_index(archive: Path, warc_subdir: str, runs: list[Run]) -> dict[str, Capture]:
    """URL key -> the last capture of that URL by the runs."""
    return {url_key(capture.url): capture for capture in iter_captures(archive, warc_subdir, runs)}


def mark_written_records(store: SeenStore, archive: Path, jsonl_subdir: str, runs: list[Run]) -> int:
    """Mark in the seen-store every record the runs wrote (a kill can fall between writing and marking).

    A last line cut short by the kill is removed: its article was not marked, so it is extracted again.
    """
    marked = 0
    for path in sorted((archive / jsonl_subdir).glob("*.jsonl")):
        if not any(run.wrote(path) for run in runs):
            continue
        drop_partial_last_line(path)
        for line in iter_records([path]):  # a malformed line is skipped with a warning
            marked += mark_if_unmarked(store, line.record)
    return marked


def mark_if_unmarked(store: SeenStore, record: dict[str, Any]) -> bool:
    """Mark a written record's article in the seen-store unless it holds this record, or another of the same
    version or later: that record stands (in distributed mode, another worker's confirmed record of an article
    a dead worker also wrote; the dead worker's line is then dropped by archiver.distributed.records)."""
    known = store.get(record["url"])
    if known is not None and (known.record_id == record.get("id") or known.version >= record.get("version", 1)):
        return False
    entry = SeenEntry(url=record["url"], record_id=record.get("id"), fetched_at=record.get("fetched_at"),
                      content_sha1=record.get("content_sha1"), published=record.get("published"),
                      version=record.get("version", 1))
    store.mark(entry, aliases=[record.get("canonical_url") or record["url"]])
    return True


def drop_partial_last_line(path: Path) -> None:
    with open(path, "r+b") as fh:
        data = fh.read()
        if data and not data.endswith(b"\n"):
            logger.warning("Removing a record cut short by a killed crawl from %s", path)
            fh.truncate(data.rfind(b"\n") + 1)
