"""What ``archiver verify`` reports: counts, faults, and the article lines that repeat a capture."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_LISTED_FAULTS = 50


@dataclass
class Duplicates:
    """Lines that repeat an earlier record's capture: (file, line number) -> where the first one is."""

    lines: dict[tuple[Path, int], str] = field(default_factory=dict)
    malformed: set[tuple[Path, int]] = field(default_factory=set)
    _first: dict[Any, str] = field(default_factory=dict)

    def check(self, path: Path, number: int, record: dict[str, Any], where: str) -> str | None:
        """Where the record this one duplicates is, or None (and remember it as a first)."""
        keys = [("id", record["id"])] if isinstance(record.get("id"), str) else []
        keys.append(("article", record.get("canonical_url") or record["url"], record.get("content_sha1"),
                     record.get("version")))
        for key in keys:
            if key in self._first:
                self.lines[(path, number)] = self._first[key]
                return self._first[key]
        for key in keys:
            self._first[key] = where
        return None


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
