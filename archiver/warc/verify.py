"""Check an archive end to end: WARC files, records, references, article pointers and indexes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.timeutils import iso_date_to_timestamp

from archiver.warc.cdxj import INDEX_FILENAME, CdxjEntry
from archiver.warc.digests import DIGESTS_FILENAME, SqliteDigestIndex
from archiver.warc.reading import Damage, iter_warc
from archiver.warc.verify_articles import Duplicates, check_articles
from archiver.warc.writer import OPEN_SUFFIX, WARC_SUFFIX

CAPTURES = ("response", "revisit")
MAX_LISTED_FAULTS = 50


@dataclass(frozen=True)
class RecordInfo:
    """What verification needs to remember of one record."""

    filename: str  # relative to the archive folder
    offset: int
    length: int
    type: str
    record_id: str
    uri: str
    date: str
    digest: str | None
    concurrent_to: str | None
    refers_to: str | None
    refers_to_uri: str | None
    refers_to_date: str | None
    warcinfo_id: str | None


@dataclass
class VerifyReport:
    """Counts and faults of one verification; ``ok`` when there is no fault."""

    archive: Path
    files: int = 0
    open_files: int = 0
    bytes: int = 0
    members: int = 0
    record_types: Counter[str] = field(default_factory=Counter)
    digests_checked: int = 0
    pairs: int = 0
    references: int = 0
    article_files: int = 0
    articles: int = 0
    index_entries: int = 0
    digest_entries: int = 0
    damaged: int = 0  # damaged stretches of WARC files (one fault each)
    # Where they are (file -> [(start, end)]), and what points into them: counted once, in the damage.
    damage_spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # Records next to a damaged stretch: their partner (request or response) may have been lost in it.
    beside_damage: set[str] = field(default_factory=set)
    lost_ids: set[str] = field(default_factory=set)  # ids the digest index places in damaged data
    lost_to_damage: Counter[str] = field(default_factory=Counter)
    duplicates: Duplicates = field(default_factory=Duplicates)  # duplicate article records, for --dedupe
    # Page requisites, from the records' capture field (schema 1.2).
    pages_complete: int = 0
    pages_incomplete: list[str] = field(default_factory=list)  # "<records file>:<line> <url>: ..."
    pages_unrecorded: int = 0  # records without a capture field (requisites off, or older records)
    require_requisites: bool = False
    faults: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def in_damage(self, filename: str | None, offset: object) -> bool:
        return any(start <= offset < end for start, end in self.damage_spans.get(filename or "", ())
                   ) if isinstance(offset, int) else False

    def lost(self, what: str) -> None:
        """A reference into damaged data: not a fault of its own (the damage is one)."""
        self.lost_to_damage[what] += 1

    @property
    def ok(self) -> bool:
        return not self.faults

    def fault(self, where: str, message: str) -> None:
        self.faults.append(f"{where}: {message}")

    def summary(self) -> str:
        types = ", ".join(f"{n} {kind}" for kind, n in sorted(self.record_types.items()))
        lines = [
            f"archive         {self.archive}",
            f"WARC files      {self.files} closed, {self.open_files} open ({self.bytes / 2**20:.1f} MiB)",
            f"records         {sum(self.record_types.values())} in {self.members} gzip members ({types or 'none'})",
            f"digests         {self.digests_checked} records' digests checked",
            f"pairs           {self.pairs} captures with their request record",
            f"references      {self.references} WARC-Refers-To resolved",
            f"articles        {self.articles} records in {self.article_files} files, pointers checked, "
            f"{len(self.duplicates.lines)} duplicates",
            f"CDXJ index      {self.index_entries} entries checked",
            f"digest index    {self.digest_entries} entries checked",
            f"requisites      {self.pages_complete} pages complete, {len(self.pages_incomplete)} with missing "
            f"requisites, {self.pages_unrecorded} not recorded",
        ]
        if not self.require_requisites:  # else they are faults, listed below
            lines += [f"  incomplete    {page}" for page in self.pages_incomplete[:MAX_LISTED_FAULTS]]
            if len(self.pages_incomplete) > MAX_LISTED_FAULTS:
                lines.append(f"  ... and {len(self.pages_incomplete) - MAX_LISTED_FAULTS} more")
        lines += [f"note            {note}" for note in self.notes]
        if self.lost_to_damage:
            lost = ", ".join(f"{n} {what}" for what, n in sorted(self.lost_to_damage.items()))
            lines.append(f"damage          {self.damaged} damaged stretches of WARC data (one fault each); "
                         f"pointing into them: {lost}")
        lines.append(f"faults          {len(self.faults)}")
        lines += [f"  {fault}" for fault in self.faults[:MAX_LISTED_FAULTS]]
        if len(self.faults) > MAX_LISTED_FAULTS:
            lines.append(f"  ... and {len(self.faults) - MAX_LISTED_FAULTS} more")
        return "\n".join(lines)


def warc_files(warc_dir: Path) -> tuple[list[Path], list[Path]]:
    """(closed, open) WARC files of an archive."""
    return sorted(warc_dir.glob(f"*{WARC_SUFFIX}")), sorted(warc_dir.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}"))


def verify_archive(archive: Path, warc_subdir: str = "warc", articles_subdir: str = "articles", *,
                   require_requisites: bool = False) -> VerifyReport:
    """Check everything; with ``require_requisites`` a page with missing requisites is a fault."""
    archive = Path(archive)
    report = VerifyReport(archive, require_requisites=require_requisites)
    warc_dir = archive / warc_subdir
    closed, still_open = warc_files(warc_dir)
    report.files, report.open_files = len(closed), len(still_open)
    if not closed and not still_open:
        report.fault(str(warc_dir), "no WARC files")
    records: dict[str, RecordInfo] = {}
    by_position: dict[tuple[str, int], RecordInfo] = {}
    for path in closed + still_open:
        for info in check_warc_file(path, archive, report, is_open=path in still_open):
            if info.record_id in records:
                report.fault(f"{info.filename}@{info.offset}", f"duplicate WARC-Record-ID {info.record_id}")
            records[info.record_id] = info
            by_position[(info.filename, info.offset)] = info
    if report.damaged:
        report.lost_ids = _ids_in_damage(archive / DIGESTS_FILENAME, report)
    check_pairs_and_references(records, report)
    report.duplicates = check_articles(archive / articles_subdir, archive, by_position, report)
    check_cdxj_index(warc_dir, archive, closed, by_position, report)
    check_digest_index(archive / DIGESTS_FILENAME, by_position, report)
    return report


# -- one WARC file


def check_warc_file(path: Path, archive: Path, report: VerifyReport, *, is_open: bool) -> Iterator[RecordInfo]:
    """Whole gzip members, one record per member, digests, warcinfo first.

    Read with ``archiver.warc.reading``: a damaged stretch is one fault, and the records
    after it are still read and checked.
    """
    relative = path.relative_to(archive).as_posix()
    if is_open:
        relative = relative[: -len(OPEN_SUFFIX)]
        report.notes.append(f"{path.name} is still open (a crawl is running, or was killed: the next crawl "
                            "into this archive closes it)")
    report.bytes += path.stat().st_size

    neighbours: list[RecordInfo] = []  # records since the last non-metadata record

    def damaged(damage: Damage) -> None:
        nonlocal after_damage
        if is_open and damage.at_end:
            return  # the record being written, or cut by the kill: recovery cuts it off
        report.damaged += 1
        report.damage_spans.setdefault(relative, []).append((damage.offset, damage.end))
        report.beside_damage.update(info.record_id for info in neighbours)
        after_damage = True
        report.fault(f"{relative}@{damage.offset}", f"damaged: {damage.end - damage.offset} bytes hold no "
                     f"readable record ({damage.reason}); reading went on at byte {damage.end}")

    warcinfo_ids: set[str] = set()
    previous = -1
    after_damage = False
    for member in iter_warc(path, damaged, check_digests=True):
        record, start = member.record, member.offset
        stream = record.raw_stream
        while stream.read(1 << 16):
            pass
        info = _record_info(record, relative, start, member.length)
        if start == previous:
            report.fault(f"{relative}@{start}", "gzip member holds more than one record")
        else:
            report.members += 1
        previous = start
        _count_record(record, info, report)
        if info.type != "metadata":
            neighbours.clear()
        neighbours.append(info)
        if after_damage:
            report.beside_damage.add(info.record_id)
            after_damage = info.type == "metadata"
        if start == 0 and info.type != "warcinfo":
            report.fault(f"{relative}@0", "first record is not warcinfo")
        if info.type == "warcinfo":
            warcinfo_ids.add(info.record_id)
        if info.warcinfo_id and info.warcinfo_id not in warcinfo_ids:
            report.fault(f"{relative}@{start}", f"WARC-Warcinfo-ID {info.warcinfo_id} is not a warcinfo "
                         "record of this file")
        yield info


def _record_info(record: Any, filename: str, offset: int, length: int) -> RecordInfo:
    headers = record.rec_headers
    return RecordInfo(
        filename=filename,
        offset=offset,
        length=length,
        type=record.rec_type,
        record_id=headers.get_header("WARC-Record-ID") or "",
        uri=headers.get_header("WARC-Target-URI") or "",
        date=headers.get_header("WARC-Date") or "",
        digest=headers.get_header("WARC-Payload-Digest"),
        concurrent_to=headers.get_header("WARC-Concurrent-To"),
        refers_to=headers.get_header("WARC-Refers-To"),
        refers_to_uri=headers.get_header("WARC-Refers-To-Target-URI"),
        refers_to_date=headers.get_header("WARC-Refers-To-Date"),
        warcinfo_id=headers.get_header("WARC-Warcinfo-ID"),
    )


def _count_record(record: Any, info: RecordInfo, report: VerifyReport) -> None:
    report.record_types[info.type] += 1
    checker = record.digest_checker
    if checker.passed is False:
        report.fault(f"{info.filename}@{info.offset}", "; ".join(checker.problems))
    elif checker.passed:
        report.digests_checked += 1


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
    index = warc_dir / INDEX_FILENAME
    prefix = warc_dir.relative_to(archive).as_posix() + "/"
    indexed: set[tuple[str, int]] = set()
    if index.exists():
        previous = ""
        with open(index, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                where = f"{index.name}:{number}"
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
        report.fault(index.name, f"{len(missing)} captures in closed WARC files are not indexed, e.g. "
                     f"{missing[0].uri} (a crawl did not finish: run `archiver verify --update-index`)")


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
