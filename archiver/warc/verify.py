"""Check an archive end to end: WARC files, records, references, article pointers and indexes.

The reading of every WARC byte and every record line runs as tasks on a runner
(``verify_tasks.py``: byte ranges of the WARC files, shards of the records files);
this process replays what they found in order and makes the checks across the archive.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from warcio.timeutils import iso_date_to_timestamp

from archiver.datasets.progress import Progress
from archiver.datasets.workers import InlineRunner, Runner, range_bytes, shared_tally
from archiver.warc.cdxj import INDEX_DIRNAME, CdxjEntry, index_dir, sources as cdxj_sources
from archiver.warc.digests import DIGESTS_FILENAME, SqliteDigestIndex
from archiver.warc.ranges import plan_ranges
from archiver.warc.verify_articles import check_articles
from archiver.warc.verify_report import VerifyReport
from archiver.warc.verify_tasks import RangeFindings, RangeTask, RecordInfo, check_range
from archiver.warc.writer import OPEN_SUFFIX, WARC_SUFFIX
from archiver.warc.zipnum import ZipNumSet

__all__ = ["RecordInfo", "VerifyReport", "verify_archive", "warc_files"]

CAPTURES = ("response", "revisit")


def warc_files(warc_dir: Path) -> tuple[list[Path], list[Path]]:
    """(closed, open) WARC files of an archive."""
    return sorted(warc_dir.glob(f"*{WARC_SUFFIX}")), sorted(warc_dir.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}"))


def verify_archive(archive: Path, warc_subdir: str = "warc", articles_subdir: str = "articles", *,
                   require_requisites: bool = False, runner: Runner | None = None, task_size: int | None = None,
                   progress: Progress | None = None) -> VerifyReport:
    """Check everything; with ``require_requisites`` a page with missing requisites is a fault.

    ``runner`` reads the WARC files (in ranges of ``task_size`` bytes; None: enough for
    every worker) and the records files; the report is the same for any runner.
    """
    archive = Path(archive)
    runner = runner or InlineRunner()
    progress = progress or Progress(0, enabled=False)
    report = VerifyReport(archive, require_requisites=require_requisites)
    warc_dir = archive / warc_subdir
    closed, still_open = warc_files(warc_dir)
    report.files, report.open_files = len(closed), len(still_open)
    if not closed and not still_open:
        report.fault(str(warc_dir), "no WARC files")
    records: dict[str, RecordInfo] = {}
    by_position: dict[tuple[str, int], RecordInfo] = {}
    check_warc_files(archive, closed, still_open, report, records, by_position, runner, task_size, progress)
    if report.damaged:
        report.lost_ids = _ids_in_damage(archive / DIGESTS_FILENAME, report)
    check_pairs_and_references(records, report)
    report.duplicates = check_articles(archive / articles_subdir, archive, by_position, report, runner, progress)
    check_cdxj_index(warc_dir, archive, closed, by_position, report)
    check_digest_index(archive / DIGESTS_FILENAME, by_position, report)
    progress.close()
    return report


# -- the WARC files


def check_warc_files(archive: Path, closed: list[Path], still_open: list[Path], report: VerifyReport,
                     records: dict[str, RecordInfo], by_position: dict[tuple[str, int], RecordInfo],
                     runner: Runner, task_size: int | None, progress: Progress) -> None:
    """Every range of every file checked on the runner (``verify_tasks.check_range``), its findings replayed here.

    A file still being written is one range: it may grow while it is read.
    """
    paths = closed + still_open
    names = [_relative(path, archive, path in still_open) for path in paths]
    for path in still_open:
        report.notes.append(f"{path.name} is still open (a crawl is running, or was killed: the next crawl "
                            "into this archive closes it)")
    sizes = [path.stat().st_size for path in paths]
    report.bytes += sum(sizes)
    ranges = plan_ranges(paths, range_bytes(sum(sizes), runner, task_size),
                         split=[path not in still_open for path in paths])
    progress.stage("WARC files", sum(sizes))
    tally = shared_tally(runner)
    tasks = (RangeTask(part, names[part.file], part.file >= len(closed)) for part in ranges)
    warcinfo_ids: set[str] = set()  # of the file being replayed
    after_damage = False
    for found in runner.map(check_range, tasks, tally, lambda: progress.update(tally.done_bytes, tally.items)):
        if found.range.start == 0:
            warcinfo_ids, after_damage = set(), False
        if after_damage:  # damage at the end of the range before: these records are beside it
            report.beside_damage.update(found.leading)
        after_damage = found.after_damage or (after_damage and found.only_metadata)
        _replay(found, names[found.range.file], warcinfo_ids, report, records, by_position)
        warcinfo_ids |= found.warcinfo_ids


def _relative(path: Path, archive: Path, is_open: bool) -> str:
    relative = path.relative_to(archive).as_posix()
    return relative[: -len(OPEN_SUFFIX)] if is_open else relative


def _replay(found: RangeFindings, relative: str, warcinfo_ids: set[str], report: VerifyReport,
            records: dict[str, RecordInfo], by_position: dict[tuple[str, int], RecordInfo]) -> None:
    report.members += found.members
    report.record_types.update(found.record_types)
    report.digests_checked += found.digests_checked
    report.damaged += found.damaged
    if found.damage_spans:
        report.damage_spans.setdefault(relative, []).extend(found.damage_spans)
    report.beside_damage.update(found.beside_damage)
    for event in found.events:
        if event[0] == "fault":
            report.fault(event[1], event[2])
        elif event[0] == "warcinfo":
            if event[2] not in warcinfo_ids:
                report.fault(event[1], f"WARC-Warcinfo-ID {event[2]} is not a warcinfo record of this file")
        else:
            info = event[1]
            if info.record_id in records:
                report.fault(f"{info.filename}@{info.offset}", f"duplicate WARC-Record-ID {info.record_id}")
            records[info.record_id] = info
            by_position[(info.filename, info.offset)] = info


# -- across files


def _ids_in_damage(path: Path, report: VerifyReport) -> set[str]:
    """Record ids of originals the digest index places inside damaged data (revisits may name them)."""
    if not path.exists():
        return set()
    digests = SqliteDigestIndex(path)
    try:
        return {original.record_id for _, original in digests.items()
                if report.in_damage(original.filename, original.offset)}
    finally:
        digests.close()


def check_pairs_and_references(records: dict[str, RecordInfo], report: VerifyReport) -> None:
    paired: set[str] = set()
    for info in records.values():
        where = f"{info.filename}@{info.offset}"
        if info.type == "request":
            capture = records.get(info.concurrent_to or "")
            if capture is None and info.record_id in report.beside_damage:
                report.lost("requests of damaged captures")
            elif capture is None or capture.type not in CAPTURES:
                report.fault(where, f"request's WARC-Concurrent-To {info.concurrent_to} is no response/revisit")
            elif capture.date != info.date:
                report.fault(where, "request and response have different WARC-Date")
            else:
                paired.add(capture.record_id)
        if info.refers_to:
            _check_reference(info, records.get(info.refers_to), where, report)
    for info in records.values():
        if info.type in CAPTURES:
            if info.record_id in paired:
                report.pairs += 1
            elif info.record_id in report.beside_damage:
                report.lost("captures whose request record is damaged")
            else:
                report.fault(f"{info.filename}@{info.offset}", f"{info.type} without a request record")


def _check_reference(info: RecordInfo, target: RecordInfo | None, where: str, report: VerifyReport) -> None:
    if target is None and (info.record_id in report.beside_damage or info.refers_to in report.lost_ids):
        report.lost("WARC-Refers-To naming a damaged record")
        return
    if target is None:
        report.fault(where, f"WARC-Refers-To {info.refers_to} not found in the archive")
        return
    if info.type == "revisit":
        if target.type != "response":
            report.fault(where, f"revisit refers to a {target.type} record")
        elif target.digest != info.digest:
            report.fault(where, "revisit and original payload digests differ")
        elif (info.refers_to_uri, info.refers_to_date) != (target.uri, target.date):
            report.fault(where, "WARC-Refers-To-Target-URI/-Date do not match the original")
    report.references += 1


def check_cdxj_index(warc_dir: Path, archive: Path, closed: list[Path],
                     by_position: dict[tuple[str, int], RecordInfo], report: VerifyReport) -> None:
    """Every index of the folder (per-file CDXJ and ZipNum sets): sorted, pointing at its records, complete."""
    prefix = warc_dir.relative_to(archive).as_posix() + "/"
    indexed: set[tuple[str, int]] = set()
    for zipnum in ZipNumSet.find_all(index_dir(warc_dir)):
        check_zipnum_set(zipnum, report)
    for name, lines in cdxj_sources(warc_dir):
        previous = ""
        for number, line in enumerate(lines, start=1):
            where = f"{name}:{number}"
            if line < previous:
                report.fault(where, "index is not sorted")
            previous = line
            try:
                entry = CdxjEntry.parse(line)
                position = (prefix + entry.fields["filename"], int(entry.fields["offset"]))
            except (ValueError, KeyError):
                report.fault(where, "not a CDXJ line")
                continue
            report.index_entries += 1
            indexed.add(position)
            if position not in by_position and report.in_damage(*position):
                report.lost("CDXJ index entries")
                continue
            _check_index_entry(entry, by_position.get(position), where, report)
    closed_names = {prefix + path.name for path in closed}
    missing = [info for key, info in by_position.items()
               if info.type in CAPTURES and info.filename in closed_names and key not in indexed]
    if missing:
        report.fault(INDEX_DIRNAME, f"{len(missing)} captures in closed WARC files are not indexed, e.g. "
                     f"{missing[0].uri} (a crawl did not finish: run `archiver verify --update-index`)")


def check_zipnum_set(zipnum: ZipNumSet, report: VerifyReport) -> None:
    """The summary's blocks: in order, each a whole gzip member of its shard starting with the key named."""
    try:
        shards = dict(zipnum.shards())
        previous = ""
        for block in zipnum.blocks():
            where = f"{zipnum.summary.name}:{block.number}"
            if block.key < previous:
                report.fault(where, "summary is not sorted")
            previous = block.key
            with open(shards[block.shard], "rb") as fh:
                fh.seek(block.offset)
                first = zlib.decompress(fh.read(block.length), wbits=31).split(b"\n", 1)[0].decode("utf-8")
            if not first.startswith(block.key + " "):
                report.fault(where, "block does not start with the key the summary names")
    except (OSError, KeyError, ValueError, zlib.error) as error:
        report.fault(zipnum.summary.name, f"unreadable ZipNum set: {error}")


def _check_index_entry(entry: CdxjEntry, target: RecordInfo | None, where: str, report: VerifyReport) -> None:
    if target is None:
        report.fault(where, "index entry points at no record")
    elif target.type not in CAPTURES or str(target.length) != str(entry.fields.get("length")):
        report.fault(where, "index entry's type or length does not match the record")
    elif target.uri != entry.fields.get("url") or iso_date_to_timestamp(target.date) != entry.timestamp:
        report.fault(where, "index entry's URL or timestamp does not match the record")
    elif entry.fields.get("digest") != target.digest:
        report.fault(where, "index entry's digest does not match the record")


def check_digest_index(path: Path, by_position: dict[tuple[str, int], RecordInfo], report: VerifyReport) -> None:
    if not path.exists():
        return
    digests = SqliteDigestIndex(path)
    try:
        for digest, original in digests.items():
            report.digest_entries += 1
            target = by_position.get((original.filename, original.offset))
            if target is None and report.in_damage(original.filename, original.offset):
                report.lost("digest index entries")
            elif target is None or target.record_id != original.record_id or target.digest != digest:
                report.fault(DIGESTS_FILENAME, f"entry {digest} does not point at its original record")
    finally:
        digests.close()
