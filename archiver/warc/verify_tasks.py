"""The work of ``archiver verify`` that reads every byte, cut into tasks for any runner.

``check_range`` checks one byte range of a WARC file (``archiver.warc.ranges``): whole
members, one record per member, digests, damage. ``read_article_shard`` parses one shard
of the records files. Both return what they found as an ordered list of events, which
``verify.py`` replays in range (or shard) order through the checks that need the whole
archive (duplicate ids, warcinfo references across ranges, pairs, pointers), so the
report is the same, fault for fault and in the same order, for any number of workers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.datasets import workers
from archiver.datasets.export_tasks import Shard, shard_lines
from archiver.record.reader import parse_line
from archiver.warc.ranges import WarcRange
from archiver.warc.reading import Damage, iter_warc

# What the article checks read of a record (verify_articles.py); the rest stays in the task.
ARTICLE_FIELDS = ("id", "url", "canonical_url", "content_sha1", "version", "warc", "capture")


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


def record_info(record: Any, filename: str, offset: int, length: int) -> RecordInfo:
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


@dataclass(frozen=True)
class RangeTask:
    range: WarcRange
    relative: str  # the file's name relative to the archive folder (an open file's final name)
    is_open: bool


@dataclass
class RangeFindings:
    """One range's records and faults, as events in file order.

    Events: ``("fault", where, message)``; ``("warcinfo", where, id)``, a WARC-Warcinfo-ID no
    warcinfo record of this range has (an earlier range of the file may); ``("record", info)``.
    """

    range: WarcRange
    events: list[tuple[Any, ...]] = field(default_factory=list)
    record_types: Counter[str] = field(default_factory=Counter)
    members: int = 0
    digests_checked: int = 0
    damaged: int = 0
    damage_spans: list[tuple[int, int]] = field(default_factory=list)
    beside_damage: set[str] = field(default_factory=set)
    warcinfo_ids: set[str] = field(default_factory=set)
    # For damage at the end of the range before: its first records, to the first that is not metadata.
    leading: list[str] = field(default_factory=list)
    only_metadata: bool = True
    after_damage: bool = False  # the range ends in damage or in metadata records right after it
    done_bytes: int = 0
    items: int = 0


def check_range(task: RangeTask) -> RangeFindings:
    """Whole gzip members, one record per member, digests, warcinfo first, in one range of a file.

    Read with ``archiver.warc.reading``: a damaged stretch is one fault, and the records
    after it are still read and checked.
    """
    part, relative = task.range, task.relative
    found = RangeFindings(part, done_bytes=part.size)
    neighbours: list[RecordInfo] = []  # records since the last non-metadata record
    after_damage = False

    def damaged(damage: Damage) -> None:
        nonlocal after_damage
        if task.is_open and damage.at_end:
            return  # the record being written, or cut by the kill: recovery cuts it off
        found.damaged += 1
        found.damage_spans.append((damage.offset, damage.end))
        found.beside_damage.update(info.record_id for info in neighbours)
        after_damage = True
        found.events.append(("fault", f"{relative}@{damage.offset}", f"damaged: {damage.end - damage.offset} "
                             f"bytes hold no readable record ({damage.reason}); reading went on at byte {damage.end}"))

    previous = -1
    leading = True
    for member in iter_warc(part.path, damaged, check_digests=True, start=part.start, end=part.end):
        record, start = member.record, member.offset
        stream = record.raw_stream
        while stream.read(1 << 16):
            pass
        info = record_info(record, relative, start, member.length)
        where = f"{relative}@{start}"
        if start == previous:
            found.events.append(("fault", where, "gzip member holds more than one record"))
        else:
            found.members += 1
        previous = start
        found.record_types[info.type] += 1
        checker = record.digest_checker
        if checker.passed is False:
            found.events.append(("fault", where, "; ".join(checker.problems)))
        elif checker.passed:
            found.digests_checked += 1
        if leading:
            found.leading.append(info.record_id)
            leading = info.type == "metadata"
        if info.type != "metadata":
            found.only_metadata = False
            neighbours.clear()
        neighbours.append(info)
        if after_damage:
            found.beside_damage.add(info.record_id)
            after_damage = info.type == "metadata"
        if start == 0 and info.type != "warcinfo":
            found.events.append(("fault", f"{relative}@0", "first record is not warcinfo"))
        if info.type == "warcinfo":
            found.warcinfo_ids.add(info.record_id)
        if info.warcinfo_id and info.warcinfo_id not in found.warcinfo_ids:
            found.events.append(("warcinfo", where, info.warcinfo_id))
        found.events.append(("record", info))
        found.items += 1
    found.after_damage = after_damage
    workers.report(part.size, found.items)
    return found


@dataclass(frozen=True)
class ArticleTask:
    paths: list[Path]  # the records files
    shard: Shard


@dataclass
class ArticleLines:
    """One shard's lines: ``("record", file, number, fields)`` or ``("malformed", file, number, reason)``."""

    events: list[tuple[Any, ...]]
    done_bytes: int
    items: int


def read_article_shard(task: ArticleTask) -> ArticleLines:
    """The fields the article checks read, of every line of one shard (line numbers from 1)."""
    events: list[tuple[Any, ...]] = []
    for line in shard_lines(task.paths, task.shard):
        record, reason = parse_line(line.text)
        if record is None:
            events.append(("malformed", line.file, line.number + 1, reason or "malformed"))
            continue
        fields = {name: record[name] for name in ARTICLE_FIELDS if name in record}
        capture = fields.get("capture")
        if isinstance(capture, dict) and isinstance(capture.get("missing"), list):
            # Only the first missing requisite is shown; how many there were is kept.
            fields["capture"] = {"missing_count": len(capture["missing"]), **capture,
                                 "missing": capture["missing"][:1]}
        events.append(("record", line.file, line.number + 1, fields))
    workers.report(task.shard.size, len(events))
    return ArticleLines(events, task.shard.size, len(events))
