"""Running counts over records: what the dataset card and ``archiver stats`` report.

Memory grows with the number of distinct sites, languages, days and versions, never
with the number of records.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from archiver.datasets.select import parse_moment
from archiver.system.domains import registrable_domain

NONE = "(none)"
COMPLETE, INCOMPLETE, UNRECORDED = 0, 1, 2  # what a record says of its page requisites
# The counters listed by count, equal counts in the order the records first name their keys.
ORDERED = ("sites", "languages", "schema_versions", "extractor_versions")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass
class Summary:
    records: int = 0
    sites: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    fetch_days: Counter[str] = field(default_factory=Counter)
    published_days: Counter[str] = field(default_factory=Counter)
    schema_versions: Counter[str] = field(default_factory=Counter)
    extractor_versions: Counter[str] = field(default_factory=Counter)
    published_first: str | None = None
    published_last: str | None = None
    fetched_first: str | None = None
    fetched_last: str | None = None
    # Quality: what a curator checks before publishing.
    empty_body: int = 0
    short_body: int = 0  # under SHORT_BODY characters
    truncated: int = 0
    paywalled: int = 0
    no_headline: int = 0
    no_published: int = 0
    no_language: int = 0
    no_authors: int = 0
    body_chars: int = 0
    # Page requisites (the records' capture field, schema 1.2), per site.
    capture_complete: Counter[str] = field(default_factory=Counter)
    capture_incomplete: Counter[str] = field(default_factory=Counter)
    capture_unrecorded: Counter[str] = field(default_factory=Counter)
    requisites_missing: int = 0

    SHORT_BODY = 200

    def add(self, record: dict[str, Any]) -> None:
        self.add_facts(self.facts(record))

    @staticmethod
    def facts(record: dict[str, Any]) -> list[Any]:
        """What ``add`` counts of a record, as a short JSON-able list: a worker makes it where it parses the
        record, and the process that knows which records are chosen adds only theirs (``add_facts``)."""
        # The `site` column (schema 1.1); records of 1.0 get it from their URL as exports do.
        site = (record["site"] if "site" in record else registrable_domain(record.get("url"))) or NONE
        capture, missing = record.get("capture"), 0
        if not isinstance(capture, dict):
            requisites = UNRECORDED
        elif capture.get("complete"):
            requisites = COMPLETE
        else:
            requisites = INCOMPLETE
            missing = capture.get("missing_count")
            missing = missing if isinstance(missing, int) else 0
        fetched = parse_moment(record.get("fetched_at"))
        # The page's own calendar day (an export row keeps the page's string in published_raw).
        published = _text(record.get("published_raw", record.get("published")))[:10]
        body = _text(record.get("body"))
        return [site, requisites, missing, _text(record.get("language")).lower(),
                _text(record.get("schema_version")) or NONE, _text(record.get("extractor_version")) or NONE,
                fetched.strftime("%Y-%m-%d") if fetched else None,
                published if published and parse_moment(published) else None,
                len(body), record.get("truncated") is True, record.get("paywalled") is True,
                bool(_text(record.get("headline"))), bool(record.get("authors"))]

    @staticmethod
    def ordered_keys(facts: list[Any]) -> tuple[str, str, str, str]:
        """The keys of the ``ORDERED`` counters that ``add_facts`` counts a record under."""
        return facts[0], facts[3] or NONE, facts[4], facts[5]

    def add_facts(self, facts: list[Any]) -> None:
        """Count one record from its ``facts``."""
        (site, requisites, missing, language, schema, extractor, day, published, body, truncated, paywalled,
         headline, authors) = facts
        self.records += 1
        self.sites[site] += 1
        if requisites == UNRECORDED:
            self.capture_unrecorded[site] += 1
        elif requisites == COMPLETE:
            self.capture_complete[site] += 1
        else:
            self.capture_incomplete[site] += 1
            self.requisites_missing += missing
        self.languages[language or NONE] += 1
        self.schema_versions[schema] += 1
        self.extractor_versions[extractor] += 1
        if day:
            self.fetch_days[day] += 1
            self.fetched_first = min(self.fetched_first or day, day)
            self.fetched_last = max(self.fetched_last or day, day)
        if published:
            self.published_days[published] += 1
            self.published_first = min(self.published_first or published, published)
            self.published_last = max(self.published_last or published, published)
        else:
            self.no_published += 1
        self.body_chars += body
        self.empty_body += not body
        self.short_body += 0 < body < self.SHORT_BODY
        self.truncated += truncated
        self.paywalled += paywalled
        self.no_headline += not headline
        self.no_language += not language
        self.no_authors += not authors

    def completeness(self) -> dict[str, dict[str, int]]:
        """Per site: articles whose requisites are all archived, some missing, or not recorded."""
        return {site: {"complete": self.capture_complete[site], "incomplete": self.capture_incomplete[site],
                       "not_recorded": self.capture_unrecorded[site]} for site, _ in self.sites.most_common()}

    def merge(self, other: Summary) -> None:
        """Add the counts of ``other`` (another shard's rows): the same as having added its rows here."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, Counter):
                mine.update(value)
            elif isinstance(value, int):
                setattr(self, name, mine + value)
            elif name.endswith("_first") and value is not None:
                setattr(self, name, min(mine or value, value))
            elif name.endswith("_last") and value is not None:
                setattr(self, name, max(mine or value, value))

    def subtract(self, other: Summary) -> None:
        """Take back the counts of ``other`` (rows added here before): as if they had never been added."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, Counter):
                mine.subtract(value)
                setattr(self, name, +mine)  # keys counted only in ``other`` are gone, in the order they were
            elif isinstance(value, int):
                setattr(self, name, mine - value)
        # Every first and last day is a key of its counter: what is left of the counter says them.
        self.fetched_first, self.fetched_last = min(self.fetch_days, default=None), max(self.fetch_days, default=None)
        self.published_first = min(self.published_days, default=None)
        self.published_last = max(self.published_days, default=None)

    def published_months(self) -> dict[str, int]:
        months: Counter[str] = Counter()
        for day, count in self.published_days.items():
            months[day[:7]] += count
        return dict(sorted(months.items()))

    def quality(self) -> dict[str, int]:
        return {
            "empty_body": self.empty_body,
            f"short_body_under_{self.SHORT_BODY}_chars": self.short_body,
            "truncated": self.truncated,
            "paywalled": self.paywalled,
            "no_headline": self.no_headline,
            "no_published_date": self.no_published,
            "no_language": self.no_language,
            "no_authors": self.no_authors,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "sites": dict(self.sites.most_common()),
            "languages": dict(self.languages.most_common()),
            "per_fetch_day": dict(sorted(self.fetch_days.items())),
            "per_published_day": dict(sorted(self.published_days.items())),
            "published": {"first": self.published_first, "last": self.published_last},
            "fetched": {"first": self.fetched_first, "last": self.fetched_last},
            "schema_versions": dict(self.schema_versions.most_common()),
            "extractor_versions": dict(self.extractor_versions.most_common()),
            "body_chars": self.body_chars,
            "quality": self.quality(),
            "requisites": {"per_site": self.completeness(), "missing": self.requisites_missing},
        }
