"""``archiver stats``: the numbers a curator checks before publishing a dataset from an archive.

The records are read once, in record shards on any runner, as ``export``'s pass one reads
them (``passes.py``): each shard's task counts the records of its shard that pass the filters
(``counted.py``) and keeps, beside each one's selection row, the few facts ``stats`` counts of it
(``export_tasks.facts_and_warc``). Once SQLite has picked the latest versions, this process adds up the
shards' counts and takes back the facts of the records the choice passed over, so the figures are
the chosen records', do not depend on the workers, and no record is parsed twice.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.datasets import passes
from archiver.datasets.counted import Counted
from archiver.datasets.export_tasks import Job
from archiver.datasets.progress import Progress
from archiver.datasets.select import Filters, VersionIndex
from archiver.datasets.source import RecordFiles
from archiver.datasets.summary import Summary
from archiver.datasets.workers import InlineRunner, Runner
from archiver.warc.files import find_warc_files


@dataclass
class WarcFiles:
    closed: int = 0
    still_open: int = 0
    bytes: int = 0
    empty: int = 0  # files of zero bytes

    @classmethod
    def of(cls, archive: Path) -> WarcFiles:
        closed, still_open = find_warc_files(archive)
        sizes = [p.stat().st_size for p in closed + still_open]
        return cls(len(closed), len(still_open), sum(sizes), sum(1 for s in sizes if s == 0))


@dataclass
class ArchiveStats:
    archive: Path | None
    record_files: int
    records_read: int
    unreadable: int
    matched: int
    all_versions: bool
    filters: list[str]
    summary: Summary
    articles_with_versions: int
    duplicate_bodies: int
    no_pointer: int
    dangling_pointers: int  # records whose WARC file is not in the archive
    warc: WarcFiles | None = None
    checked_pointers: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.archive) if self.archive else None,
            "record_files": self.record_files,
            "records_read": self.records_read,
            "unreadable_lines": self.unreadable,
            "matched": self.matched,
            "selection": "all versions" if self.all_versions else "latest version per canonical URL",
            "filters": self.filters,
            "articles": self.summary.records,
            "articles_with_several_versions": self.articles_with_versions,
            "duplicate_bodies": self.duplicate_bodies,
            "records_without_warc_pointer": self.no_pointer,
            "records_pointing_at_missing_warc": self.dangling_pointers if self.checked_pointers else None,
            "warc": None if self.warc is None else {
                "files": self.warc.closed, "open_files": self.warc.still_open,
                "bytes": self.warc.bytes, "empty_files": self.warc.empty},
            **self.summary.as_dict(),
        }


def collect(archive: Path | None, records: list[Path], filters: Filters, *, all_versions: bool = False,
            progress: Progress | None = None, runner: Runner | None = None,
            task_size: int | None = None) -> ArchiveStats:
    files = RecordFiles.locate(archive, records)
    runner = runner or InlineRunner()
    progress = progress or Progress(0, enabled=False)
    progress.total = max(files.total_bytes, 1)
    job = Job(None, [path.resolve() for path in files.paths], filters=filters, facts=True)
    shards = passes.plan(job, runner, task_size)
    with tempfile.TemporaryDirectory(prefix="archiver-select-") as scratch:
        index = VersionIndex(Path(scratch))
        try:
            selected = passes.select(job, shards, runner, index, progress)
            progress.stage("counting")
            index.choose("id" if all_versions else "key")
            counted = _count(selected.counted or Counted(), index, archive)
            progress.update(progress.total, counted.summary.records, force=True)
            progress.close()
            return ArchiveStats(
                archive=archive, record_files=len(files.paths), records_read=selected.records_read,
                unreadable=selected.unreadable, matched=selected.matched, all_versions=all_versions,
                filters=filters.describe(), summary=counted.summary,
                articles_with_versions=index.keys_with_versions(), duplicate_bodies=index.duplicate_bodies(),
                no_pointer=counted.no_pointer, dangling_pointers=counted.dangling,
                warc=WarcFiles.of(archive) if archive is not None else None, checked_pointers=archive is not None,
            )
        finally:
            index.close()


@dataclass
class _Counted:
    summary: Summary = field(default_factory=Summary)
    no_pointer: int = 0
    dangling: int = 0  # records whose WARC file is not in the archive (0 when there is no archive to look in)


def _count(counted: Counted, index: VersionIndex, archive: Path | None) -> _Counted:
    """The chosen records' figures: what pass one's tasks counted of every record, less the records the
    latest-version choice passed over (``counted.py``); no second read of the records."""
    lost = counted.take_back((position, *json.loads(text)) for position, text in index.passed_over())
    counted.settle(lost, ((position, json.loads(text)[0]) for position, text in index.chosen_facts()))
    pointers = counted.pointers
    dangling = 0
    if archive is not None:
        dangling = sum(count for name, count in pointers.items() if name is not None and not (archive / name).is_file())
    return _Counted(counted.summary, pointers[None], dangling)


def _block(title: str, items: dict[str, int]) -> list[str]:
    if not items:
        return [title, "  (none)"]
    width = max(len(k) for k in items)
    return [title, *(f"  {k:<{width}}  {v:>8,}" for k, v in items.items())]


def _completeness_block(summary: Summary) -> list[str]:
    """Articles per site whose page requisites are all archived / some missing / not recorded."""
    per_site = summary.completeness()
    if not per_site:
        return ["page requisites per site", "  (none)"]
    width = max(len(site) for site in per_site)
    lines = [f"page requisites per site ({summary.requisites_missing:,} missing in all)",
             f"  {'site':<{width}}  {'complete':>8}  {'missing':>8}  {'unknown':>8}"]
    lines += [f"  {site:<{width}}  {c['complete']:>8,}  {c['incomplete']:>8,}  {c['not_recorded']:>8,}"
              for site, c in per_site.items()]
    return lines


def render_text(stats: ArchiveStats) -> str:
    s = stats.summary
    selection = "every version" if stats.all_versions else "latest version per canonical URL"
    lines = [
        f"archive           {stats.archive or '-'}",
        f"record files      {stats.record_files:,} ({stats.records_read:,} records, "
        f"{stats.unreadable:,} unreadable lines)",
    ]
    if stats.filters:
        lines.append(f"filters           {'; '.join(stats.filters)} ({stats.matched:,} records match)")
    lines += [
        f"articles          {s.records:,} ({selection}); {stats.articles_with_versions:,} with several versions",
        f"published         {s.published_first or '?'} to {s.published_last or '?'}",
        f"fetched           {s.fetched_first or '?'} to {s.fetched_last or '?'}",
    ]
    if stats.warc is not None:
        w = stats.warc
        lines.append(f"WARC files        {w.closed:,} ({w.bytes / 2**20:,.1f} MiB)"
                     + (f"; {w.still_open:,} still open" if w.still_open else "")
                     + (f"; {w.empty:,} empty" if w.empty else ""))
    lines += ["", "checks"]
    checks = {**{k.replace("_", " "): v for k, v in s.quality().items()},
              "duplicate bodies (other URL)": stats.duplicate_bodies,
              "no WARC pointer": stats.no_pointer}
    if stats.checked_pointers:
        checks["WARC file missing"] = stats.dangling_pointers
    width = max(len(k) for k in checks)
    lines += [f"  {k:<{width}}  {v:>8,}" for k, v in checks.items()]
    lines += ["", *_completeness_block(s),
              "", *_block("per site", dict(s.sites.most_common())),
              "", *_block("per language", dict(s.languages.most_common())),
              "", *_block("per fetch day", dict(sorted(s.fetch_days.items()))),
              "", *_block("per month published", s.published_months()),
              "", *_block("schema versions", dict(s.schema_versions.most_common())),
              "", *_block("extractor versions", dict(s.extractor_versions.most_common()))]
    return "\n".join(lines)
