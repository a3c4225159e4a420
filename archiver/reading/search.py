"""Reading the index: ranked search with snippets, counts and facets, one record, its versions, per-site and
per-day counts."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from archiver.reading.facets import FACET_COLUMNS, Facets, count_facets
from archiver.reading.index import ELLIPSIS, MARK_END, MARK_START, day_range, facet
from archiver.reading.query import Query

SNIPPET_TOKENS = 28
# A search reads the newest WINDOW matches once, in the index's newest-first order: that gives the
# count (exact up to WINDOW, else "more than"), the facet counts and, sorted by bm25, the ranking.
# p95 CPU ms at 1M records, one-word / phrase / filtered / newest-first (bench/search.py, shared
# machine, phrases still by bm25): 59 / 54 / 28 / 42 with 3,000; 21 / 36 / 24 / 11 with 1,000.
WINDOW = 1_000
SUMMARY_CHARS = 240
_WORD = re.compile(r"\w+")
# Result columns every list shows; `versions` counts the captures of the same article.
_RESULT = ("r.key, r.url, r.site, r.site_name, r.day, r.fetched_at, r.version, r.headline, r.authors, r.language, "
           "r.section, (SELECT count(*) FROM records v WHERE v.article = r.article) AS versions")


@dataclass
class Hit:
    key: str
    url: str
    site: str
    site_name: str | None
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

    @property
    def author_list(self) -> list[str]:
        return [a for a in self.authors.split("; ") if a]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.key, "url": self.url, "site": self.site, "site_name": self.site_name or self.site,
                "date": self.day, "fetched_at": self.fetched_at, "version": self.version, "versions": self.versions,
                "headline": self.headline, "authors": self.author_list, "language": self.language,
                "section": self.section, "snippet": self.snippet_text, "snippet_html": str(self.snippet_html),
                "matched": self.matched, "links": {"page": f"/records/{self.key}", "record": f"/api/records/{self.key}"}}


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    has_more: bool = False
    total: int | None = None  # matches, exactly; None: more than WINDOW
    facets: Facets | None = None

    @property
    def first(self) -> int:
        return (self.query.page - 1) * self.query.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1

    @property
    def pages(self) -> int | None:
        """How many pages there are (None: more than WINDOW matches, so not known)."""
        return None if self.total is None else max(1, -(-self.total // self.query.per_page))


def _filters(query: Query) -> tuple[list[str], list[Any], list[str]]:
    """SQL conditions on the matches' ``cards c`` and the FTS5 facet tokens that find them fast.

    With words to match, only the filters that pick few articles (a site, an author) join the FTS5
    expression: a language or a section holds a good share of the archive, and intersecting its long
    posting list costs more than checking the matches' cards. Without words, every filter is a token.
    """
    where: list[str] = []
    args: list[Any] = []
    tokens: list[str] = []
    if not query.all_versions:
        where.append("c.latest = 1")
    for column, kind, value, selective in (("site", "site", query.site, True),
                                           ("language", "lang", query.language, False),
                                           ("section", "sect", query.section, False)):
        if value:
            where.append(f"c.{column} = ?")
            args.append(value)
            if selective or not query.match:
                tokens.append(facet(kind, value))
    if query.author:
        where.append("c.n IN (SELECT n FROM authors WHERE name = ?)")
        args.append(query.author)
        tokens.append(facet("auth", query.author))
    return where, args, tokens


def search(db: sqlite3.Connection, query: Query) -> Results:
    """One page of hits, the number of matches and the facet counts.

    The newest WINDOW matches are read once, newest first, with their cards (what the facets count)
    and, when the sort is by relevance, their bm25 rank. Then the columns and snippets of the page's
    hits only.
    """
    where, args, tokens = _filters(query)
    low, high = day_range(query.date_from, query.date_to)
    offset = (query.page - 1) * query.per_page
    # No column filter: the filter tokens' column cannot match what a reader types (query.py), and a column
    # filter makes FTS5 read every position list of the terms (bm25's document counts included).
    text = f"({query.match})" if query.match else None
    match = " AND ".join([*([text] if text else []), *(f'facets : "{t}"' for t in tokens)])
    conditions = "".join(" AND " + w for w in where)
    phrase = query.phrase if query.sort == "relevance" else None
    ranked = bool(text) and query.sort == "relevance" and phrase is None
    reading = db.cursor()
    reading.row_factory = None  # plain tuples (n, rank, headline, *FACET_COLUMNS): thousands of rows, read in C
    head = "c.headline" if phrase else "NULL"
    if match:
        window = reading.execute(f"SELECT fts.rowid AS n, {'fts.rank' if ranked else '0'} AS rank, {head}, {FACET_COLUMNS} "
                            f"FROM fts JOIN cards c ON c.n = fts.rowid WHERE fts MATCH ? AND fts.rowid BETWEEN ? "
                            f"AND ?{conditions} ORDER BY fts.rowid DESC LIMIT ?",
                            (match, low, high, *args, WINDOW + 1)).fetchall()
    else:
        window = reading.execute(f"SELECT c.n AS n, 0 AS rank, NULL, {FACET_COLUMNS} FROM cards c WHERE c.n BETWEEN ? AND ?"
                            f"{conditions} ORDER BY c.n DESC LIMIT ?", (low, high, *args, WINDOW + 1)).fetchall()
    total = len(window) if len(window) <= WINDOW else None
    window = window[:WINDOW]
    if ranked or phrase:
        if total is None:
            query.notes.append(f"more than {WINDOW:,} articles match: the newest {WINDOW:,} are ranked (narrow the "
                               "search, or sort by date)")
        if phrase:
            order = headline_first(window, phrase)
        else:
            order = sorted(window, key=lambda row: (row[1], -row[0]))  # bm25 (lower is better), then the newest
        numbers = [row[0] for row in order[offset:offset + query.per_page]]
        has_more = offset + query.per_page < len(order)
    elif offset + query.per_page <= len(window) or total is not None:
        numbers = [row[0] for row in window[offset:offset + query.per_page]]
        has_more = offset + query.per_page < len(window) or (total is None and bool(numbers))
    else:  # newest first beyond the window: the page itself, from the index's order
        numbers, has_more = _page_beyond_window(db, match, low, high, conditions, args, offset, query.per_page)
    return Results(query, _hits(db, numbers, text), has_more=has_more, total=total,
                   facets=count_facets(window, query, capped=total is None))


def _plain(text: str) -> str:
    """Words as FTS5's tokenizer sees them, near enough to find a phrase: case and accents folded, one space apart."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " " + " ".join(_WORD.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))) + " "


def headline_first(window: list[Any], phrase: list[str]) -> list[Any]:
    """The matches of a phrase alone, best first: those with the phrase in their headline, then the others, newest
    first in each. (bm25 would read the whole index a second time to count the documents holding the phrase: for a
    pair of common words, as long again as finding the matches.)"""
    wanted = _plain(" ".join(phrase))
    first = wanted.split()[0]

    def in_headline(headline: str | None) -> bool:
        folded = (headline or "").casefold()
        if folded.isascii():  # most headlines: no accents to fold, and a quick look for the first word first
            return first in folded and wanted in " " + " ".join(_WORD.findall(folded)) + " "
        return wanted in _plain(folded)

    return sorted(window, key=lambda row: (not in_headline(row[2]), -row[0]))


def _page_beyond_window(db: sqlite3.Connection, match: str, low: int, high: int, conditions: str, args: list[Any],
                        offset: int, per_page: int) -> tuple[list[int], bool]:
    if match:
        rows = db.execute(f"SELECT fts.rowid FROM fts JOIN cards c ON c.n = fts.rowid WHERE fts MATCH ? "
                          f"AND fts.rowid BETWEEN ? AND ?{conditions} ORDER BY fts.rowid DESC LIMIT ? OFFSET ?",
                          (match, low, high, *args, per_page + 1, offset)).fetchall()
    else:
        rows = db.execute(f"SELECT c.n FROM cards c WHERE c.n BETWEEN ? AND ?{conditions} "
                          f"ORDER BY c.n DESC LIMIT ? OFFSET ?", (low, high, *args, per_page + 1, offset)).fetchall()
    return [row[0] for row in rows[:per_page]], len(rows) > per_page


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


def archived_keys(db: sqlite3.Connection, urls: list[str]) -> dict[str, str]:
    """For each URL the archive holds an article of (as its URL or canonical URL), its latest record's key."""
    found = {}
    for url in urls:
        row = db.execute("SELECT key FROM records WHERE url = ? OR article = ? ORDER BY latest DESC, version DESC "
                         "LIMIT 1", (url, url)).fetchone()
        if row is not None:
            found[url] = row["key"]
    return found


def counts(db: sqlite3.Connection, site: str | None = None) -> dict[str, Any]:
    """What ``archiver stats`` counts (latest version per article): per site, per published and fetch day.

    Days newest first; sites by their newest article. With ``site``, the days are that site's.
    """
    where, args = ("AND site = ?", (site,)) if site else ("", ())
    total = db.execute(f"SELECT count(*) FROM records WHERE latest = 1 {where}", args).fetchone()[0]
    sites = db.execute("SELECT site, count(*) AS n, max(day) AS newest, max(site_name) AS name FROM records "
                       "WHERE latest = 1 GROUP BY site ORDER BY newest DESC, n DESC").fetchall()
    days = db.execute(f"SELECT day, count(*) FROM records WHERE latest = 1 AND day IS NOT NULL {where} "
                      "GROUP BY day ORDER BY day DESC", args).fetchall()
    fetch_days = db.execute(f"SELECT fetch_day, count(*) FROM records WHERE latest = 1 AND fetch_day IS NOT NULL "
                            f"{where} GROUP BY fetch_day ORDER BY fetch_day DESC", args).fetchall()
    return {
        "site": site,
        "articles": total,
        "sites": [{"site": s, "name": name or s, "articles": n, "newest": newest} for s, n, newest, name in sites],
        "per_day": [{"day": d, "articles": n} for d, n in days],
        "per_fetch_day": [{"day": d, "articles": n} for d, n in fetch_days],
    }
