"""The selection passes over record shards that ``export`` and ``stats`` share, on any runner.

Pass one (``select``) parses every shard on the runner's workers and gathers, in this
process, the selection rows of the records that pass the filters (``VersionIndex``);
SQLite then picks the latest version of each article. Pass two runs a task per shard
that holds chosen lines (``chosen``): ``export`` normalises and writes them (``stats``
needs no pass two: pass one keeps what it counts of each record). Shards are planned once
(``plan``), small enough to give every worker work when the archive is a single records
file, as pass one's tasks ask for them (``Shards``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from archiver.datasets.counted import Counted
from archiver.datasets.export_tasks import ExportTask, IndexTask, Job, Shard, index_shard, plan_shards
from archiver.datasets.progress import Progress
from archiver.datasets.select import VersionIndex
from archiver.datasets.workers import Runner, shared_tally, task_bytes


@dataclass
class SelectCounts:
    records_read: int = 0
    unreadable: int = 0
    matched: int = 0
    counted: Counted | None = None  # what the tasks counted of the rows (``Job.facts``), shards merged in order


class Shards:
    """The shards of a job, planned as pass one asks for them: its first tasks run while the rest of the files
    are read for line starts. Iterated again (pass two), the same shards."""

    def __init__(self, planned: Iterator[Shard]) -> None:
        self._planned = planned
        self._known: list[Shard] = []

    def __iter__(self) -> Iterator[Shard]:
        yield from self._known
        for shard in self._planned:
            self._known.append(shard)
            yield shard


def plan(job: Job, runner: Runner, wanted: int | None = None) -> Shards:
    """The shards of the job's record files: ``wanted`` bytes each, else enough for every worker."""
    total = sum(path.stat().st_size for path in job.paths)
    return Shards(plan_shards(job.paths, task_bytes(total, runner, wanted)))


def ticker(progress: Progress, tally, noun: str):
    def tick() -> None:
        progress.update(tally.done_bytes, tally.items, noun)
    return tick


def select(job: Job, shards: Shards, runner: Runner, index: VersionIndex, progress: Progress) -> SelectCounts:
    """Pass one: every shard's selection rows into ``index``, in shard order."""
    progress.stage("indexing")
    counts = SelectCounts()
    tally = shared_tally(runner)
    tasks = (IndexTask(job, shard) for shard in shards)
    for result in runner.map(index_shard, tasks, tally, ticker(progress, tally, "records")):
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


def chosen(job: Job, shards: Shards, index: VersionIndex, per: str) -> Iterator[ExportTask]:
    """Pass two's tasks: each shard with the lines chosen in it (shards with none are left out)."""
    lines_chosen = index.best(per)
    want = next(lines_chosen, None)
    for shard in shards:
        lines = []
        while want is not None and shard.holds(*want):
            lines.append(want[1])
            want = next(lines_chosen, None)
        if lines:
            yield ExportTask(job, shard, tuple(lines))
