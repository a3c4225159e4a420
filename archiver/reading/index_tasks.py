"""``archiver index`` on every core: the records parsed and turned into index rows in shards, on a runner.

What costs most in a rebuild besides SQLite's own work is reading the records: JSON,
the schema check, and ``Row.of``. Tasks do that for one shard of the records files
(``archiver.datasets.export_tasks.plan_shards``) and return the rows; this process
writes them into the index in shard order, numbering them as one process would, so
the index is the same for any number of workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archiver.datasets import workers
from archiver.datasets.export_tasks import Shard, plan_shards, shard_lines
from archiver.datasets.progress import Progress
from archiver.datasets.source import RecordFiles
from archiver.reading.index import Row


@dataclass(frozen=True)
class RowsTask:
    paths: list[Path]
    shard: Shard


@dataclass
class ShardRows:
    rows: list[Row | None]  # None: a record without what any page needs (URL, body)
    done_bytes: int
    items: int


def shard_rows(task: RowsTask) -> ShardRows:
    """The index rows of one shard's valid records, in line order."""
    files = RecordFiles(task.paths)
    rows: list[Row | None] = []
    for line in shard_lines(task.paths, task.shard):
        record = files.parse(line)
        if record is not None:
            rows.append(Row.of(record))
    workers.report(task.shard.size, len(rows))
    return ShardRows(rows, task.shard.size, len(rows))


def rows_of_archive(archive: Path, runner: workers.Runner, progress: Progress | None = None,
                    task_size: int | None = None) -> Iterator[Row | None]:
    """Every record of the archive as an index row, in archive order, made on ``runner``."""
    paths = [path.resolve() for path in RecordFiles.locate(archive).paths]
    total = sum(path.stat().st_size for path in paths)
    tally = workers.shared_tally(runner)
    tick = (lambda: progress.update(tally.done_bytes, tally.items)) if progress else (lambda: None)
    if progress is not None:
        progress.stage("indexing", total)
    tasks = (RowsTask(paths, shard) for shard in plan_shards(paths, workers.task_bytes(total, runner, task_size)))
    for result in runner.map(shard_rows, tasks, tally, tick):
        yield from result.rows
