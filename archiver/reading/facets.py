"""Facets: how many of a search's matches are of each site, language, section, author and year.

They are counted over the rows a search reads anyway (its newest ``WINDOW`` matches, see
``search.py``), so they cost no second pass over the index: exact when there are fewer matches
than that, and said to be "among the newest" otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archiver.reading.display import language_name
from archiver.reading.query import Query

# What a search reads of each match for its facets (authors as "A; B", as the index keeps them).
FACET_COLUMNS = "c.site, c.site_name, c.language, c.section, c.day, c.authors"
SHOWN = {"site": 8, "language": 8, "section": 10, "author": 10, "year": 12}


@dataclass
class FacetValue:
    """One value of a facet: what the filter takes (``value``), what a reader sees (``label``), how many match."""

    value: str
    label: str
    count: int
    active: bool = False


@dataclass
class Facets:
    groups: dict[str, list[FacetValue]] = field(default_factory=dict)
    capped: bool = False  # counted among the newest matches only

    def as_json(self) -> dict[str, Any]:
        return {"counted_among_newest": self.capped,
                **{name: [{"value": v.value, "label": v.label, "count": v.count, "active": v.active} for v in values]
                   for name, values in self.groups.items()}}


def _top(counter: Counter, kind: str, labels: dict[str, str], active: str | None) -> list[FacetValue]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], labels.get(item[0], item[0]).lower()))
    if kind == "year":
        ranked = sorted(counter.items(), reverse=True)
    shown = ranked[:SHOWN[kind]]
    if active and active not in {value for value, _count in shown}:  # the chosen value stays in view
        shown.append((active, counter.get(active, 0)))
    return [FacetValue(value, labels.get(value, value), count, value == active) for value, count in shown]


def active_year(query: Query) -> str | None:
    """The year a from/to pair covers exactly (what the year facet sets), else None."""
    if query.date_from and query.date_to and query.date_from[:4] == query.date_to[:4] \
            and query.date_from[4:] == "-01-01" and query.date_to[4:] == "-12-31":
        return query.date_from[:4]
    return None


def count_facets(rows: list[Any], query: Query, *, capped: bool) -> Facets:
    """Counts per site, language, section, author and year of ``rows``, whose last columns are FACET_COLUMNS."""
    width = len(rows[0]) if rows else 0
    site, name, language, section, day, authors = (width - 6, width - 5, width - 4, width - 3, width - 2, width - 1)
    sites = Counter(row[site] for row in rows)
    names = Counter((row[site], row[name]) for row in rows if row[name])
    site_labels: dict[str, str] = {}
    for (key, label), _count in sorted(names.items(), key=lambda item: item[1]):
        site_labels[key] = label  # the most frequent name of each site last, so it stays
    languages = Counter(row[language] for row in rows if row[language])
    sections = Counter(row[section] for row in rows if row[section])
    years = Counter(row[day][:4] for row in rows if row[day])
    authors_seen: Counter = Counter()
    author_case: dict[str, str] = {}
    for row in rows:
        if row[authors]:
            for author in row[authors].split("; "):
                key = author.casefold()  # the index matches authors in any case
                author_case.setdefault(key, author)
                authors_seen[key] += 1
    groups = {
        "site": _top(sites, "site", site_labels, query.site),
        "language": _top(languages, "language", {code: language_name(code) for code in languages}, query.language),
        "section": _top(sections, "section", {}, query.section),
        "author": _top(authors_seen, "author", author_case, query.author.casefold() if query.author else None),
        "year": _top(years, "year", {}, active_year(query)),
    }
    for value in groups["author"]:  # the filter takes the name as written
        value.value = author_case.get(value.value, query.author or value.value)
    return Facets({group: values for group, values in groups.items() if values}, capped)
