"""Archive-wide commands cut WARC files into byte ranges (and records files into shards): whatever the cut,
and whatever runs the tasks, the output is the one reading the whole files gives, damage reports included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from archiver.datasets.progress import Progress
from archiver.datasets.reextract import Reextractor
from archiver.datasets.source import RecordFiles
from archiver.datasets.export_tasks import all_lines, plan_cuts, plan_shards, shard_lines
from archiver.datasets.workers import InlineRunner, PoolRunner, TaskSizes, task_bytes
from archiver.warc.cdxj import compact_index, index_dir, update_index
from archiver.warc.ranges import (Steps, _scanned_capture_starts, capture_cuts, even_bounds, index_cut_candidates,
                                  plan_ranges)
from archiver.warc.reading import iter_warc
from archiver.warc.verify import verify_archive
from conftest import run_archiver
from synthetic_warcs import write_archive

SMALL = 12 * 1024  # a task size that cuts each test file into several ranges


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """Two WARC files of 60 captures (revisits among them): the first indexed, the second not."""
    root = tmp_path_factory.mktemp("split") / "archive"
    first, _ = write_archive(root, files=2, pages_per_file=60, revisit_every=5)
    update_index(root / "warc", only=[first])
    return root


def damaged_copy(archive: Path, folder: Path) -> Path:
    """The archive with bytes overwritten in two places of its second file: inside a member, and over the
    first bytes of a member (the scan stops there, so the file's ranges end in damage)."""
    copy = folder / "archive"
    shutil.copytree(archive, copy)
    warc = sorted((copy / "warc").glob("*.warc.gz"))[1]
    members = [member.offset for member in iter_warc(warc)]
    data = bytearray(warc.read_bytes())
    middle = members[len(members) // 3]
    data[middle + 40: middle + 90] = b"\0" * 50
    later = members[2 * len(members) // 3]
    data[later: later + 8] = b"\xff" * 8
    warc.write_bytes(bytes(data))
    return copy


def members_and_damage(path: Path, ranges=None) -> tuple[list, list]:
    damage: list = []
    parts = ranges or [None]
    found = [(m.offset, m.length, m.header("WARC-Record-ID"))
             for part in parts
             for m in iter_warc(path, damage.append, **({} if part is None else {"start": part.start, "end": part.end}))]
    return found, [(d.offset, d.end, d.reason) for d in damage]


def scanned_cuts(path: Path, target: int) -> list[int]:
    steps = Steps(even_bounds(target, path.stat().st_size))
    with open(path, "rb") as fh:
        for offset in _scanned_capture_starts(fh):
            steps.add(offset)
    return steps.cuts()


def test_cuts_come_from_the_index_or_a_scan_and_fall_where_captures_start(archive, tmp_path):
    first, second = sorted((archive / "warc").glob("*.warc.gz"))
    from_index = index_cut_candidates([first, second], SMALL)
    assert set(from_index) == {first}  # the second file has no index: it is scanned
    assert from_index[first] == scanned_cuts(first, SMALL) and len(from_index[first]) >= 3
    assert capture_cuts(first, SMALL, from_index[first]) == from_index[first]
    captures = {m.offset for m in iter_warc(first) if m.rec_type in ("response", "revisit")}
    assert set(from_index[first]) <= captures
    ranges = plan_ranges([first, second], SMALL)
    assert {r.file for r in ranges} == {0, 1} and [r.number for r in ranges] == list(range(len(ranges)))
    for before, after in zip(ranges, ranges[1:]):
        assert before.end == after.start if before.file == after.file else (before.end is None and after.start == 0)
    # Compacted into a ZipNum set (no per-file index left), the index gives the same cuts.
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    update_index(copy / "warc")
    compact_index(copy / "warc")
    assert not list(index_dir(copy / "warc").glob("*.cdxj"))
    moved = sorted((copy / "warc").glob("*.warc.gz"))
    assert index_cut_candidates(moved, SMALL) == {moved[0]: from_index[first], moved[1]: scanned_cuts(second, SMALL)}


def test_an_index_that_does_not_match_its_file_is_not_trusted(archive, tmp_path):
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    first = sorted((copy / "warc").glob("*.warc.gz"))[0]
    [index] = index_dir(copy / "warc").glob("*.cdxj")
    index.write_text(index.read_text().replace('"offset": "', '"offset": "1', 5))  # five offsets now point nowhere
    candidates = index_cut_candidates([first], SMALL)[first]
    assert candidates != scanned_cuts(first, SMALL)
    assert capture_cuts(first, SMALL, candidates) == scanned_cuts(first, SMALL)


def test_ranges_read_the_records_and_damage_of_the_whole_file(archive, tmp_path):
    copy = damaged_copy(archive, tmp_path)
    for path in sorted((copy / "warc").glob("*.warc.gz")):
        whole = members_and_damage(path)
        ranges = plan_ranges([path], 4 * 1024)
        assert len(ranges) > 3
        assert members_and_damage(path, ranges) == whole
    assert len(whole[1]) == 2  # the second file: both stretches, each reported once


def reextract(archive: Path, out: Path, runner, task_size, records: Path | None = None):
    existing = RecordFiles.locate(None, [records]) if records else None
    report = Reextractor(sorted((archive / "warc").glob("*.warc.gz")), archive, out, existing, None,
                         Progress(0, enabled=False), runner, task_size=task_size).run()
    return report, report.out.read_bytes()


def test_reextract_writes_the_same_bytes_for_any_cut_and_any_runner(archive, tmp_path):
    first, whole = reextract(archive, tmp_path / "whole", InlineRunner(), None)
    assert first.tasks == 2 and first.revisits_resolved > 0
    records = first.out
    kept, expected = reextract(archive, tmp_path / "carried", InlineRunner(), None, records)
    assert kept.carried == first.written
    cut, got = reextract(archive, tmp_path / "cut", InlineRunner(), SMALL, records)
    assert cut.tasks > 6 and got == expected
    pool, got = reextract(archive, tmp_path / "pool", PoolRunner(2), SMALL, records)
    assert got == expected
    for report in (cut, pool):
        assert (report.responses, report.carried, report.revisits_resolved, report.dropped, report.missing) == \
            (kept.responses, kept.carried, kept.revisits_resolved, kept.dropped, kept.missing)


def test_verify_reports_the_same_faults_for_any_cut(archive, tmp_path):
    copy = damaged_copy(archive, tmp_path)
    whole = verify_archive(copy)
    assert whole.damaged == 2 and not whole.ok
    for runner in (InlineRunner(), PoolRunner(2)):
        cut = verify_archive(copy, runner=runner, task_size=4 * 1024)
        assert cut.summary() == whole.summary()
        assert cut.beside_damage == whole.beside_damage and cut.damage_spans == whole.damage_spans


def test_cdx_update_writes_the_same_index_for_any_cut(archive, tmp_path):
    copy = damaged_copy(archive, tmp_path)
    shutil.rmtree(index_dir(copy / "warc"))
    update_index(copy / "warc")
    whole = {p.name: p.read_bytes() for p in index_dir(copy / "warc").iterdir()}
    shutil.rmtree(index_dir(copy / "warc"))
    update = update_index(copy / "warc", runner=PoolRunner(2), task_size=4 * 1024)
    assert len(update.files_indexed) == 2
    assert {p.name: p.read_bytes() for p in index_dir(copy / "warc").iterdir()} == whole


@pytest.fixture(scope="module")
def with_records(archive, tmp_path_factory) -> Path:
    """The archive with its records (as reextract makes them) in articles/, as a crawl leaves them."""
    root = tmp_path_factory.mktemp("records") / "archive"
    shutil.copytree(archive, root)
    update_index(root / "warc")
    report, _ = reextract(root, root / "articles", InlineRunner(), None)
    assert report.written > 100
    return root


@pytest.mark.parametrize("command,output", [
    (["stats", "--json"], None),
    (["index"], "state/reading.sqlite3"),
    (["verify"], None),
])
def test_every_command_gives_the_same_output_on_two_workers_and_small_tasks(with_records, tmp_path, command,
                                                                            output):
    results = []
    for options in (["--workers", "1"], ["--workers", "2", "--task-size", "8KB"]):
        archive = tmp_path / f"run{len(results)}"
        shutil.copytree(with_records, archive)
        done = run_archiver(*command, "--archive", str(archive), *options)
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr[-2000:]
        text = done.stdout.replace(str(archive), "ARCHIVE")
        results.append((done.returncode, text if output is None else (archive / output).read_bytes()))
    assert results[0] == results[1]
    if command[0] == "stats":
        assert json.loads(results[0][1])["articles"] > 20


def last_bar(stderr: str, label: str) -> str:
    """The last drawn state of a progress bar's stage (redraws are separated by carriage returns)."""
    return [line for line in stderr.replace("\r", "\n").splitlines() if line.startswith(label)][-1]


def test_the_progress_bar_counts_every_workers_records_and_the_jobs_rate(archive, tmp_path):
    out = tmp_path / "out"
    done = run_archiver("reextract", "--archive", str(archive), "--out", str(out), "--progress",
                        "--workers", "2", "--task-size", "12KB")
    assert done.returncode == 0, done.stderr[-2000:]
    bar = last_bar(done.stderr, "reading")
    assert " 100% [" in bar and " articles/s " in bar and bar.endswith(" MB/s")
    shown = int(bar.split("] ")[1].split(" articles")[0].replace(",", ""))
    # What both workers made, summed: every record written.
    [written] = out.glob("*.jsonl")
    assert shown == len(written.read_text().splitlines()) > 100


def test_task_sizes_taper_at_the_end_of_the_input_for_several_workers():
    # One worker, or a size asked for: every task alike, as before.
    assert task_bytes(100 * 2**20, 1).bounds(0, 100 * 2**20)[:3] == [12_800 * 1024, 25_600 * 1024, 38_400 * 1024]
    asked = task_bytes(100 * 2**20, 2, wanted=2**20)
    assert not asked.tapers and asked.bounds(0, 5 * 2**20 + 10) == [2**20 * n for n in range(1, 6)]
    sizes = TaskSizes(1000, total=20_000, workers=2)
    bounds = sizes.bounds(0, 20_000)
    steps = [b - a for a, b in zip([0, *bounds], [*bounds, 20_000])]
    assert steps[:10] == [1000] * 10  # the bulk at the usual size
    assert steps == sorted(steps, reverse=True)[:-1] + steps[-1:]  # then smaller and smaller ...
    assert min(steps[:-1]) == 250 and 125 <= steps[-1] < 375  # ... down to a quarter; no crumb of a last task
    # Along several files, the input's position counts: the second file is the input's end.
    assert sizes.bounds(0, 10_000) == [1000 * n for n in range(1, 10)]
    assert sizes.bounds(10_000, 10_000) == [b - 10_000 for b in bounds if b > 10_000]
    # A Dask cluster gets fewer, larger tasks (each costs a round trip through its scheduler).
    from archiver.datasets.workers import DASK_TASKS_PER_WORKER, DaskRunner

    cluster = DaskRunner.__new__(DaskRunner)
    cluster.workers, cluster.tasks_per_worker = 2, DASK_TASKS_PER_WORKER
    assert task_bytes(64 * 2**20, cluster).target == 16 * 2**20 and task_bytes(64 * 2**20, 2).target == 4 * 2**20


def test_tapered_cuts_read_every_record_once_and_reextract_the_same_bytes(archive, tmp_path):
    paths = sorted((archive / "warc").glob("*.warc.gz"))
    total = sum(p.stat().st_size for p in paths)
    tapered = plan_ranges(paths, TaskSizes(SMALL, total, workers=2))
    assert [r.number for r in tapered] == list(range(len(tapered))) and len(tapered) > 8
    second = [r.size for r in tapered if r.file == 1]
    assert second[-2] < second[0]  # smaller tasks at the end of the input
    for file, path in enumerate(paths):
        mine = [r for r in tapered if r.file == file]
        assert members_and_damage(path, mine) == members_and_damage(path)
    # Records files: shards of whole lines, each line in one shard, in order.
    records = tmp_path / "records.jsonl"
    records.write_bytes(b"".join(b'{"n": %d, "pad": "%s"}\n' % (n, b"x" * (n % 97)) for n in range(3000)))
    shards = list(plan_shards([records], TaskSizes(8 * 1024, records.stat().st_size, workers=2)))
    assert [s.size for s in shards][-2] < shards[0].size
    lines = [line.text for shard in shards for line in shard_lines([records], shard)]
    assert lines == records.read_bytes().splitlines(keepends=True)
    assert [s.first_line for s in shards[1:]] == [s.stop_line for s in shards[:-1]]


def test_byte_cuts_give_every_line_to_the_shard_it_starts_in(tmp_path):
    """``export`` and ``stats`` cut records files at byte offsets without reading them: a cut inside a line,
    right at a line start, or in a run of blank lines still gives each line (blank ones counted) to one shard."""
    records = tmp_path / "records.jsonl"
    text = b"".join(b'{"n": %d, "pad": "%s"}\n' % (n, b"x" * (n % 97)) + b"\n" * (n % 5 == 0) for n in range(500))
    records.write_bytes(text + b'{"last": "no newline"}')
    whole = (text + b'{"last": "no newline"}').splitlines(keepends=True)
    starts = [0]
    for line in whole[:-1]:
        starts.append(starts[-1] + len(line))
    for size in (1, 7, 100, starts[3], 4096, 10**6):  # starts[3]: cuts that fall on line starts
        shards = plan_cuts([records], TaskSizes(size))
        assert [s.start for s in shards] == list(range(0, records.stat().st_size, size))
        got = [[line.text for line in all_lines([records], shard)] for shard in shards]
        assert [text for lines in got for text in lines] == whole
        assert all(line.number == n for shard in shards for n, line in enumerate(all_lines([records], shard)))
        assert [t for shard in shards for t in (line.text for line in shard_lines([records], shard))] == \
            [line for line in whole if line.strip()]


def test_reextract_on_tapered_ranges_writes_the_same_bytes(archive, tmp_path, monkeypatch):
    _, whole = reextract(archive, tmp_path / "whole", InlineRunner(), None)
    import archiver.datasets.reextract as module

    monkeypatch.setattr(module, "range_bytes", lambda total, runner, wanted=None: TaskSizes(SMALL, total, 2))
    report, got = reextract(archive, tmp_path / "tapered", PoolRunner(2), None)
    assert report.tasks > 8 and got == whole
