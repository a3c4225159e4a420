"""The selection passes over record shards that ``export`` and ``stats`` share, on any runner.

Pass one (``select``) parses every shard on the runner's workers and gathers, in this
process, the selection rows of the records that pass the filters (``VersionIndex``);
SQLite then picks the latest version of each article. Pass two runs a task per shard
that holds chosen lines (``chosen``): ``export`` normalises and writes them (``stats``
needs no pass two: pass one counts the records). Shards are planned once (``plan``), at
byte offsets, small enough to give every worker work when the archive is a single
records file; a record's place is (shard, line in the shard), in archive order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import groupby
from operator import itemgetter

from archiver.datasets.counted import Counted
from archiver.datasets.export_tasks import (
    ExportTask,
    IndexTask,
    Job,
    Shard,
    index_shard,
    plan_cuts,
)
from archiver.datasets.progress import Progress
from archiver.datasets.select import VersionIndex
from archiver.datasets.workers import Runner, shared_tally, task_bytes
from archiver.record.reader import Malformed, Warnings


@dataclass
class SelectCounts:
    records_read: int = 0
    unreadable: int = 0
    matched: int = 0
    counted: Counted | None = None  # what the tasks counted of the rows (``Job.facts``), shards merged in order


def plan(job: Job, runner: Runner, wanted: int | None = None) -> list[Shard]:
    """The shards of the job's record files: ``wanted`` bytes each, else enough for every worker (cut at byte
    offsets, no file read here: ``plan_cuts``)."""
    total = sum(path.stat().st_size for path in job.paths)
    return plan_cuts(job.paths, task_bytes(total, runner, wanted))


def ticker(progress: Progress, tally, noun: str):
    def tick() -> None:
        progress.update(tally.done_bytes, tally.items, noun)
    return tick


def select(job: Job, shards: list[Shard], runner: Runner, index: VersionIndex, progress: Progress) -> SelectCounts:
    """Pass one: every shard's selection rows into ``index``, in shard order; a warning for each unreadable line,
    numbered in its file."""
    progress.stage("indexing")
    counts = SelectCounts()
    tally = shared_tally(runner)
    warn, lines_before = Warnings(), [0] * len(job.paths)
    reading = replace(job, columns=[])  # pass one makes no rows of the export's columns: none to send each task
    tasks = (IndexTask(reading, shard) for shard in shards)
    results = runner.map(index_shard, tasks, tally, ticker(progress, tally, "records"))
    for result, shard in zip(results, shards):  # results first: the runner's map runs to its end
        for line, reason in result.malformed:
            warn(Malformed(job.paths[shard.file], lines_before[shard.file] + line + 1, reason))
        lines_before[shard.file] += result.lines
        index.add_rows(result.rows)
        counts.records_read += result.records_read
        counts.unreadable += result.unreadable
        if result.counted is not None:
            if counts.counted is None:
                counts.counted = result.counted
            else:
                counts.counted.merge(result.counted)
    progress.update(progress.total, counts.records_read, force=True)
    counts.matched = index.count
    return counts


def chosen(job: Job, shards: list[Shard], index: VersionIndex, per: str) -> Iterator[ExportTask]:
    """Pass two's tasks: each shard with the lines chosen in it (shards with none are left out)."""
    for number, places in groupby(index.best(per), key=itemgetter(0)):
        yield ExportTask(job, shards[number], tuple(line for _, line in places))
