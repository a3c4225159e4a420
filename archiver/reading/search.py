"""Reading the index: ranked search with snippets, one record, its versions, per-site and per-day counts."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from archiver.reading.index import ELLIPSIS, MARK_END, MARK_START, SEARCHED_COLUMNS, day_range, facet
from archiver.reading.query import Query

SNIPPET_TOKENS = 28
# bm25 is computed for every candidate; above this many matches only the newest are ranked
# (one-word p95 at 1M records: 60 ms CPU with 10,000, 39 ms with 3,000; bench/search.py).
RANK_WINDOW = 3_000
SUMMARY_CHARS = 240
# Result columns every list shows; `versions` counts the captures of the same article.
_RESULT = ("r.key, r.url, r.site, r.day, r.fetched_at, r.version, r.headline, r.authors, r.language, "
           "r.section, (SELECT count(*) FROM records v WHERE v.article = r.article) AS versions")


@dataclass
class Hit:
    key: str
    url: str
    site: str
    day: str | None
    fetched_at: str | None
    version: int
    versions: int
    headline: str
    authors: str
    language: str | None
    section: str | None
    snippet: str  # plain text, matched words between MARK_START and MARK_END

    @property
    def snippet_html(self) -> Markup:
        return Markup(str(escape(self.snippet)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))

    @property
    def snippet_text(self) -> str:
        return self.snippet.replace(MARK_START, "").replace(MARK_END, "")

    @property
    def matched(self) -> list[str]:
        """The words of the snippet the query matched."""
        parts = self.snippet.split(MARK_START)[1:]
        return [part.split(MARK_END, 1)[0] for part in parts]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.key, "url": self.url, "site": self.site, "date": self.day, "fetched_at": self.fetched_at,
                "version": self.version, "versions": self.versions, "headline": self.headline,
                "authors": [a for a in self.authors.split("; ") if a], "language": self.language,
                "section": self.section, "snippet": self.snippet_text, "snippet_html": str(self.snippet_html),
                "matched": self.matched, "links": {"page": f"/records/{self.key}", "record": f"/api/records/{self.key}"}}


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    has_more: bool = False


def _filters(query: Query) -> tuple[list[str], list[Any], list[str]]:
    """SQL conditions on ``records r`` (exact values) and the FTS5 facet tokens that find them fast."""
    where: list[str] = []
    args: list[Any] = []
    facets: list[str] = []
    if not query.all_versions:
        where.append("r.latest = 1")
    for column, kind, value in (("site", "site", query.site), ("language", "lang", query.language),
                                ("section", "sect", query.section)):
        if value:
            where.append(f"r.{column} = ?")
            args.append(value)
            facets.append(facet(kind, value))
    if query.author:
        where.append("r.n IN (SELECT n FROM authors WHERE name = ?)")
        args.append(query.author)
        facets.append(facet("auth", query.author))
    return where, args, facets


def search(db: sqlite3.Connection, query: Query) -> Results:
    """One page of hits: ids first (ranked or newest first), then the columns and snippets of those only."""
    where, args, facets = _filters(query)
    low, high = day_range(query.date_from, query.date_to)
    offset = (query.page - 1) * query.per_page
    limit = query.per_page + 1  # one more tells whether there is a next page
    text = f"{SEARCHED_COLUMNS} : ({query.match})" if query.match else None
    match = " AND ".join([*([text] if text else []), *(f'facets : "{f}"' for f in facets)])
    conditions = "".join(" AND " + w for w in where)
    if match:
        if text and query.sort == "relevance":
            # bm25 is computed for every candidate: rank the newest RANK_WINDOW matches only.
            edge = db.execute("SELECT rowid FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ? "
                              "ORDER BY rowid DESC LIMIT 1 OFFSET ?", (match, low, high, RANK_WINDOW)).fetchone()
            if edge is not None:
                low = edge[0] + 1
                query.notes.append(f"more than {RANK_WINDOW:,} articles match: the newest {RANK_WINDOW:,} are "
                                   f"ranked (narrow the search, or sort by date)")
        order = "fts.rank" if text and query.sort == "relevance" else "fts.rowid DESC"
        rows = db.execute(f"SELECT fts.rowid FROM fts JOIN records r ON r.n = fts.rowid WHERE fts MATCH ? "
                          f"AND fts.rowid BETWEEN ? AND ?{conditions} ORDER BY {order} LIMIT ? OFFSET ?",
                          (match, low, high, *args, limit, offset)).fetchall()
    else:
        rows = db.execute(f"SELECT r.n FROM records r WHERE r.n BETWEEN ? AND ?{conditions} "
                          f"ORDER BY r.n DESC LIMIT ? OFFSET ?", (low, high, *args, limit, offset)).fetchall()
    numbers = [row[0] for row in rows[: query.per_page]]
    return Results(query, _hits(db, numbers, text), has_more=len(rows) > query.per_page)


def _hits(db: sqlite3.Connection, numbers: list[int], text: str | None) -> list[Hit]:
    """The hits for these row numbers, in this order: columns in one query, snippets from FTS5."""
    if not numbers:
        return []
    marks = ",".join("?" * len(numbers))
    rows = {row["n"]: row for row in db.execute(
        f"SELECT r.n, {_RESULT}, substr(r.body, 1, {SUMMARY_CHARS}) AS snippet FROM records r WHERE r.n IN ({marks})",
        numbers)}
    snippets: dict[int, str] = {}
    if text:
        snippets = dict(db.execute(f"SELECT rowid, snippet(fts, -1, ?, ?, ?, {SNIPPET_TOKENS}) FROM fts "
                                   f"WHERE fts MATCH ? AND rowid IN ({marks})",
                                   (MARK_START, MARK_END, ELLIPSIS, text, *numbers)).fetchall())
    hits = []
    for n in numbers:
        row = rows.get(n)
        if row is None:
            continue
        hit = Hit(**{k: row[k] for k in row.keys() if k != "n"})
        if snippets.get(n):
            hit.snippet = snippets[n]
        elif len(hit.snippet) == SUMMARY_CHARS:
            hit.snippet += ELLIPSIS
        hits.append(hit)
    return hits


@dataclass
class Version:
    key: str
    version: int
    fetched_at: str | None
    headline: str
    latest: bool


def record(db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    """The full record with this key (as written to JSON Lines), or None."""
    row = db.execute("SELECT data, body, article FROM records WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    data = json.loads(row["data"])
    data["body"] = row["body"]
    return data


def article_of(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT article FROM records WHERE key = ?", (key,)).fetchone()
    return row["article"] if row else None


def versions(db: sqlite3.Connection, article: str) -> list[Version]:
    """Every capture of an article, oldest first."""
    rows = db.execute("SELECT key, version, fetched_at, headline, latest FROM records WHERE article = ? "
                      "ORDER BY version, fetched_at", (article,)).fetchall()
    return [Version(r["key"], r["version"], r["fetched_at"], r["headline"], bool(r["latest"])) for r in rows]


def counts(db: sqlite3.Connection, site: str | None = None) -> dict[str, Any]:
    """What ``archiver stats`` counts (latest version per article): per site, per published and fetch day.

    Days newest first; sites by their newest article. With ``site``, the days are that site's.
    """
    where, args = ("AND site = ?", (site,)) if site else ("", ())
    total = db.execute(f"SELECT count(*) FROM records WHERE latest = 1 {where}", args).fetchone()[0]
    sites = db.execute("SELECT site, count(*) AS n, max(day) AS newest FROM records WHERE latest = 1 "
                       "GROUP BY site ORDER BY newest DESC, n DESC").fetchall()
    days = db.execute(f"SELECT day, count(*) FROM records WHERE latest = 1 AND day IS NOT NULL {where} "
                      "GROUP BY day ORDER BY day DESC", args).fetchall()
    fetch_days = db.execute(f"SELECT fetch_day, count(*) FROM records WHERE latest = 1 AND fetch_day IS NOT NULL "
                            f"{where} GROUP BY fetch_day ORDER BY fetch_day DESC", args).fetchall()
    return {
        "site": site,
        "articles": total,
        "sites": [{"site": s, "articles": n, "newest": newest} for s, n, newest in sites],
        "per_day": [{"day": d, "articles": n} for d, n in days],
        "per_fetch_day": [{"day": d, "articles": n} for d, n in fetch_days],
    }
