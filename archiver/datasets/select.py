"""Which records an export (or ``stats``) takes: filters, then the latest version of each article.

Selection streams in two passes so memory stays flat however large the archive:
pass one reads every record once and keeps only ``(key, version, time, position)``
of those that pass the filters, in a SQLite file in a temporary folder; SQLite
picks the best position per key; pass two reads the files again and yields the
records at those positions, in archive order.

"Latest" is per canonical URL (``canonical_url``, else ``url``): the highest
``version``, then the latest ``fetched_at``, then the one read last. With
``all_versions`` every record is kept once per ``id`` (a record copied into two
files is exported once).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.datasets.progress import Progress
from archiver.datasets.scratch import scratch_db
from archiver.datasets.source import RecordFiles

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BATCH = 5000


def site_of(url: str | None) -> str:
    """A URL's host, lower case, without ``www.`` and port: how sites are named in filters and stats."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def normalize_site(value: str) -> str:
    value = value.strip().lower()
    return site_of(value if "://" in value else f"http://{value}") or value


def parse_moment(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (naive ones are taken as UTC)."""
    if isinstance(value, datetime):  # a timestamp read back from Parquet
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def sort_time(value: Any) -> str:
    """A fetch time as a string that sorts in time order whatever its precision ("" when unknown)."""
    moment = parse_moment(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") if moment else ""


@dataclass(frozen=True)
class Bound:
    """A ``--since``/``--until`` value: a day (compared with the record's own calendar date) or an instant."""

    text: str
    day: date | None = None
    instant: datetime | None = None

    @classmethod
    def parse(cls, text: str) -> Bound:
        text = text.strip()
        if DATE_ONLY.match(text):
            try:
                return cls(text, day=date.fromisoformat(text))
            except ValueError:
                pass
        moment = parse_moment(text)
        if moment is None:
            raise ValueError(f"not a date (YYYY-MM-DD) or ISO 8601 date-time: {text!r}")
        return cls(text, instant=moment)

    def allows(self, value: Any, *, after: bool) -> bool:
        """Whether a record dated ``value`` is on the right side (``after`` for --since); undated never is."""
        if not isinstance(value, str):
            return False
        if self.day is not None:
            try:
                mine: date | datetime | None = date.fromisoformat(value[:10])
            except ValueError:
                return False
            limit: date | datetime = self.day
        else:
            mine, limit = parse_moment(value), self.instant  # type: ignore[assignment]
        if mine is None:
            return False
        return mine >= limit if after else mine <= limit  # type: ignore[operator]


@dataclass
class Filters:
    """``--site``, ``--language``, ``--since``/``--until`` (on ``published``, else on ``fetched_at``)."""

    sites: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    since: Bound | None = None
    until: Bound | None = None
    by: str = "published"  # or "fetched"

    def __post_init__(self) -> None:
        self._names = {s.strip().lower() for s in self.sites if s.strip()}  # a site may be named by site_name
        self.sites = [normalize_site(s) for s in self.sites if s.strip()]
        self.languages = [lang.strip().lower() for lang in self.languages if lang.strip()]

    @property
    def active(self) -> bool:
        return bool(self.sites or self.languages or self.since or self.until)

    def describe(self) -> list[str]:
        parts = []
        if self.sites:
            parts.append("site " + ", ".join(self.sites))
        if self.languages:
            parts.append("language " + ", ".join(self.languages))
        if self.since:
            parts.append(f"{self.by} since {self.since.text}")
        if self.until:
            parts.append(f"{self.by} until {self.until.text}")
        return parts

    def match(self, record: dict[str, Any]) -> bool:
        if self.sites and not self._site_matches(record):
            return False
        if self.languages and str(record.get("language") or "").lower() not in self.languages:
            return False
        if self.since or self.until:
            value = (record.get("published") if self.by == "published" else None) or record.get("fetched_at")
            if self.since and not self.since.allows(value, after=True):
                return False
            if self.until and not self.until.allows(value, after=False):
                return False
        return True

    def _site_matches(self, record: dict[str, Any]) -> bool:
        host = site_of(record.get("url"))
        name = str(record.get("site_name") or "").strip().lower()
        return any(host == site or host.endswith("." + site) for site in self.sites) or name in self._names


def record_key(record: dict[str, Any]) -> str:
    """The article a record is a version of: its canonical URL, else its URL."""
    return str(record.get("canonical_url") or record.get("url") or "")


def record_version(record: dict[str, Any]) -> int:
    version = record.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


class VersionIndex:
    """Pass one's on-disk table: one row per matching record, a few dozen bytes each. ``file, line`` place a record
    in archive order (pass one's tasks give (shard, line in the shard): ``export_tasks.plan_cuts``)."""

    def __init__(self, directory: Path) -> None:
        self.db = scratch_db(directory / "index.sqlite", "CREATE TABLE recs (key TEXT, id TEXT, version INT,"
                             " time TEXT, sha TEXT, file INT, line INT, facts TEXT)")
        self._pending: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, record: dict[str, Any], file: int, line: int) -> None:
        record_id = record.get("id")
        self._pending.append((record_key(record), record_id if isinstance(record_id, str) else f"#{file}:{line}",
                              record_version(record), sort_time(record.get("fetched_at")),
                              record.get("content_sha1") if isinstance(record.get("content_sha1"), str) else None,
                              file, line, None))
        self.count += 1
        if len(self._pending) >= BATCH:
            self.flush()

    def add_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Rows made elsewhere (a shard task) with ``add``'s layout, and a last item: what ``stats`` counts of
        the record (``export_tasks.facts_text``) or None. Inserted at once: while the workers make the next
        shards' rows, not all after the last."""
        self._pending.extend(rows)
        self.count += len(rows)
        self.flush()

    def flush(self) -> None:
        if self._pending:
            self.db.executemany("INSERT INTO recs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending)
            self._pending = []

    def best(self, per: str) -> Iterator[tuple[int, int]]:
        """Positions ``(file, line)`` of the best record per ``key`` (latest version) or per ``id``, in order."""
        self.choose(per)
        yield from self.db.execute("SELECT file, line FROM chosen ORDER BY file, line")

    def chosen_facts(self) -> Iterator[tuple[tuple[int, int], str]]:
        """Position and ``facts`` of each record ``choose`` picked, in archive order."""
        for file, line, facts in self.db.execute("SELECT chosen.file, chosen.line, facts FROM chosen JOIN recs"
                                                 " ON recs.rowid = chosen.rid ORDER BY chosen.file, chosen.line"):
            yield (file, line), facts

    def passed_over(self) -> Iterator[tuple[tuple[int, int], str]]:
        """Position and ``facts`` of each record ``choose`` did not pick (older versions, copies), in archive order."""
        for file, line, facts in self.db.execute("SELECT file, line, facts FROM recs WHERE rowid NOT IN"
                                                 " (SELECT rid FROM chosen) ORDER BY file, line"):
            yield (file, line), facts

    def choose(self, per: str) -> None:
        """The best record per ``key`` (latest version) or per ``id``, into the table ``chosen``."""
        assert per in ("key", "id")
        self.flush()
        self.db.execute(f"""CREATE TABLE chosen AS SELECT rid, file, line, key, sha FROM (
            SELECT rowid AS rid, file, line, key, sha, ROW_NUMBER() OVER (
                PARTITION BY {per} ORDER BY version DESC, time DESC, file DESC, line DESC) AS rank
            FROM recs) WHERE rank = 1""")

    def keys_with_versions(self) -> int:
        """Articles (keys) with more than one record among those that passed the filters."""
        self.flush()
        return self.db.execute(
            "SELECT COUNT(*) FROM (SELECT key FROM recs GROUP BY key HAVING COUNT(DISTINCT id) > 1)").fetchone()[0]

    def duplicate_bodies(self) -> int:
        """Chosen records whose body (``content_sha1``) another chosen record of a different article shares."""
        return self.db.execute("""SELECT COALESCE(SUM(n), 0) FROM (SELECT COUNT(*) AS n FROM chosen
            WHERE sha IS NOT NULL GROUP BY sha HAVING COUNT(DISTINCT key) > 1)""").fetchone()[0]

    def close(self) -> None:
        self.db.close()


@dataclass
class Selection:
    """The two passes, as a context manager: iterate inside ``with``; the index answers until it closes."""

    files: RecordFiles
    filters: Filters = field(default_factory=Filters)
    all_versions: bool = False
    progress: Progress = field(default_factory=lambda: Progress(0, enabled=False))
    records_read: int = 0
    matched: int = 0
    selected: int = 0

    def __enter__(self) -> Selection:
        self._scratch = tempfile.TemporaryDirectory(prefix="archiver-select-")
        self.index = VersionIndex(Path(self._scratch.name))
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.close()
        self.index.close()
        self._scratch.cleanup()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        progress, index = self.progress, self.index
        progress.stage("indexing")
        for line, record in self.files.records():
            self.records_read += 1
            if self.filters.match(record):
                index.add(record, line.file, line.number)
            progress.update(self.files.bytes_read, self.records_read)
        progress.update(progress.total, self.records_read, force=True)
        self.matched = index.count
        progress.stage("exporting")
        chosen = index.best("id" if self.all_versions else "key")
        want = next(chosen, None)
        for line in self.files.lines():
            if want is None:
                break
            if (line.file, line.number) != want:
                continue
            want = next(chosen, None)
            record = self.files.parse(line)
            if record is not None:
                self.selected += 1
                progress.update(self.files.bytes_read, self.selected)
                yield record
        progress.update(progress.total, self.selected, force=True)
