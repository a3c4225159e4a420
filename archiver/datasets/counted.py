"""What ``stats`` counts, counted where the records are parsed: in pass one's shard tasks.

A shard's task counts every record of the shard that passes the filters (``Counted.add``), as
if each were the version chosen; this process adds the shards up in shard order (``merge``) and
then takes back the few records the latest-version choice passes over (``take_back``). The
figures are then those of the chosen records, with no second look at the records that were.

Counts are exact whichever records are taken back; only the order of equal counts needs more:
sites, languages and versions are listed in the order the chosen records first name them. A
shard notes where it first met each (``firsts``); a record taken back that was where one was
first met sends this process to the chosen records for where the first chosen one names it
(``settle``), which is rare (an old version that is also a site's first record).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from archiver.datasets.summary import ORDERED, Summary

Position = tuple[int, int]  # (file, line): archive order


@dataclass
class Counted:
    summary: Summary = field(default_factory=Summary)
    pointers: Counter[str | None] = field(default_factory=Counter)  # records per WARC file named (None: no pointer)
    firsts: dict[str, dict[str, Position]] = field(default_factory=lambda: {name: {} for name in ORDERED})

    def add(self, facts: list[Any], warc: str | None, position: Position) -> None:
        """One record: its ``Summary.facts``, the WARC file it points at, where it is."""
        self.summary.add_facts(facts)
        self.pointers[warc] += 1
        for name, key in zip(ORDERED, Summary.ordered_keys(facts)):
            self.firsts[name].setdefault(key, position)

    def merge(self, other: Counted) -> None:
        """Another shard's counts (shards merged in order: a key's first position is its earliest)."""
        self.summary.merge(other.summary)
        self.pointers.update(other.pointers)
        for name, firsts in other.firsts.items():
            mine = self.firsts[name]
            for key, position in firsts.items():
                if key not in mine or position < mine[key]:
                    mine[key] = position

    def take_back(self, passed_over: Iterable[tuple[Position, list[Any], str | None]]) -> set[tuple[str, str]]:
        """Remove records the choice passed over; the (counter, key) pairs first met at one of them."""
        lost: set[tuple[str, str]] = set()
        for position, facts, warc in passed_over:
            one = Summary()
            one.add_facts(facts)
            self.summary.subtract(one)
            self.pointers.subtract([warc])
            for name, key in zip(ORDERED, Summary.ordered_keys(facts)):
                if self.firsts[name].get(key) == position:
                    lost.add((name, key))
        self.pointers = +self.pointers
        return lost

    def settle(self, lost: set[tuple[str, str]], chosen: Iterator[tuple[Position, list[Any]]]) -> None:
        """Put each ordered counter in the order the chosen records first name its keys; ``chosen``: the chosen
        records in archive order, read only as far as the first chosen record of every key in ``lost``."""
        firsts = {name: dict(found) for name, found in self.firsts.items()}
        for name, key in lost:
            firsts[name].pop(key, None)
        wanted = {pair for pair in lost if self.counter(pair[0])[pair[1]] > 0}
        for position, facts in chosen if wanted else ():
            for name, key in zip(ORDERED, Summary.ordered_keys(facts)):
                if (name, key) in wanted:
                    firsts[name][key] = position
                    wanted.discard((name, key))
            if not wanted:
                break
        for name in ORDERED:
            counter = self.counter(name)
            order = firsts[name]
            setattr(self.summary, name, Counter({key: counter[key] for key in sorted(counter, key=order.__getitem__)}))

    def counter(self, name: str) -> Counter[str]:
        return getattr(self.summary, name)
