"""What a reader types into the search box, made into a safe FTS5 query and SQL filters.

Nothing the reader types reaches FTS5 as syntax: words and phrases are quoted as strings,
and only the few operators the reading room documents (``"phrase"``, ``word*``, ``OR``,
``-word``) are rebuilt by us. So ``AND OR * " ( NEAR`` typed in any order gives results or
a clear message, never an FTS5 syntax error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from archiver.system.domains import registrable_domain

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
FILTERS = ("site", "from", "to", "author", "language", "section")
SORTS = ("relevance", "date")
# Parameters besides the filters that search pages and the API accept.
CONTROLS = ("q", "sort", "page", "per_page", "versions")
MAX_PER_PAGE = 100

_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_WORD = re.compile(r"\w+", re.UNICODE)


class QueryError(ValueError):
    """A search the reading room cannot run; the message says why, in one line."""


@dataclass
class Query:
    """A parsed search: the FTS5 expression (None: no text, browse by filters) and the filters."""

    text: str = ""
    match: str | None = None
    site: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    author: str | None = None
    language: str | None = None
    section: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    all_versions: bool = False
    notes: list[str] = field(default_factory=list)  # what was changed or ignored, shown to the reader

    @property
    def phrase(self) -> list[str] | None:
        """The words of the search when it is one phrase alone (``"panjshir valley"``), else None."""
        found = re.fullmatch(r'"(\w+(?: \w+)+)"', self.match or "")
        return found[1].split() if found else None

    @property
    def filtered(self) -> bool:
        return any((self.site, self.date_from, self.date_to, self.author, self.language, self.section))

    def filters(self) -> dict[str, str]:
        return {name: value for name, value in (
            ("site", self.site), ("from", self.date_from), ("to", self.date_to), ("author", self.author),
            ("language", self.language), ("section", self.section)) if value}


# The index's filter tokens (``site_...``, ``lang_...``: see index.facet) are in the same FTS5 table as the
# text; a word typed with such a prefix is searched as its parts, so a search matches text only.
_FILTER_TOKEN = re.compile(r"(?:site|lang|sect|auth)_", re.IGNORECASE)


def _not_a_filter(word: str) -> list[str]:
    return [part for part in word.split("_") if part] if _FILTER_TOKEN.match(word) else [word]


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_expression(text: str, notes: list[str]) -> str | None:
    """The FTS5 MATCH expression for what the reader typed (None when it holds no word)."""
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"query shortened to its first {MAX_QUERY_CHARS} characters")
    positive: list[str] = []
    negative: list[str] = []
    pending_or = False
    terms = 0
    for token in _TOKEN.findall(text):
        if token == "OR":
            pending_or = bool(positive)
            continue
        exclude = token.startswith("-") and len(token) > 1
        body = token[1:] if exclude else token
        prefix = body.endswith("*") and not body.startswith('"')
        words = [part for word in _WORD.findall(body) for part in _not_a_filter(word)]
        if not words:
            continue
        if terms >= MAX_TERMS:
            notes.append(f"only the first {MAX_TERMS} terms are searched")
            break
        terms += 1
        term = quoted(" ".join(words)) + ("*" if prefix and len(words) == 1 else "")
        if exclude:
            negative.append(term)
        elif pending_or:
            positive[-1] = f"{positive[-1]} OR {term}"
        else:
            positive.append(term)
        pending_or = False
    if not positive:
        if negative:
            notes.append("a search needs at least one word that is not excluded with -")
        return None
    expression = " AND ".join(f"({group})" if " OR " in group else group for group in positive)
    for term in negative:
        expression = f"({expression}) NOT {term}"
    return expression


def site_filter(value: str) -> str:
    """A site as records name it (registrable domain): ``www.bbc.co.uk``, ``https://news.bbc.co.uk/x`` -> ``bbc.co.uk``."""
    value = value.strip().lower()
    return registrable_domain(value if "://" in value else f"http://{value}") or value


def _day(value: str, name: str) -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as a day string; ``to`` bounds take the period's last day."""
    value = value.strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value)
    if not match:
        raise QueryError(f"{name}: {value[:40]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    try:
        if name == "from":
            return date(year, month or 1, day or 1).isoformat()
        if not month:
            return date(year, 12, 31).isoformat()
        if not day:
            following = date(year + (month == 12), month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1).isoformat()
        return date(year, month, day).isoformat()
    except ValueError:
        raise QueryError(f"{name}: {value[:40]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)") from None


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value[:20]!r}") from None
    return min(max(number, low), high)


def parse(params: dict[str, str], *, strict: bool = False) -> Query:
    """A ``Query`` from request parameters. Unknown parameters are noted (or, ``strict``, refused)."""
    unknown = sorted(set(params) - set(FILTERS) - set(CONTROLS))
    query = Query(text=params.get("q", "").strip())
    if unknown:
        message = f"unknown parameter(s): {', '.join(n[:40] for n in unknown[:5])}; known: " \
                  f"{', '.join(CONTROLS + FILTERS)}"
        if strict:
            raise QueryError(message)
        query.notes.append(message + " (ignored)")
    query.match = fts_expression(query.text, query.notes)
    text_filters = {name: params.get(name, "").strip()[:200] for name in ("site", "author", "language", "section")}
    query.site = site_filter(text_filters["site"]) if text_filters["site"] else None
    query.author = text_filters["author"] or None
    query.language = text_filters["language"].lower() or None
    query.section = text_filters["section"] or None
    if params.get("from", "").strip():
        query.date_from = _day(params["from"], "from")
    if params.get("to", "").strip():
        query.date_to = _day(params["to"], "to")
    sort = params.get("sort", "").strip() or ("relevance" if query.match else "date")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort[:20]!r}")
    query.sort = sort if query.match else "date"
    query.page = _int(params.get("page") or "1", "page", 1, 1000)
    query.per_page = _int(params.get("per_page") or "20", "per_page", 1, MAX_PER_PAGE)
    query.all_versions = params.get("versions", "") == "all"
    return query


SORT_LABELS = {"relevance": "best match first", "date": "newest first"}
# Values a parameter has when it is not given: links and redirects leave them out.
DEFAULTS = {"page": "1", "per_page": "20", "versions": "latest"}


def clean_params(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The parameters that make a search, in their order: empty ones, defaults and repeats left out.

    A search form without scripts sends every field, empty or not; the search page redirects to
    this, so an address says what was searched for and nothing else."""
    given = [(name, value.strip()) for name, value in params]
    words = any(name == "q" and _WORD.search(value) for name, value in given)
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in given:
        if not value or name in seen or DEFAULTS.get(name) == value:
            continue
        if name == "sort" and value == ("relevance" if words else "date"):
            continue
        if name == "sort" and value == "relevance" and not words:  # no words to rank by: the sort is by date
            continue
        seen.add(name)
        kept.append((name, value))
    return kept


class SearchLinks:
    """Addresses of the search page from the current one: a filter set or removed, another page."""

    def __init__(self, params: Iterable[tuple[str, str]]) -> None:
        self.params = clean_params(params)

    def _url(self, params: list[tuple[str, str]]) -> str:
        params = clean_params(params)
        return "/?" + urlencode(params) if params else "/"

    def set(self, **values: str | None) -> str:
        """This search with these parameters set (None: removed), from its first page."""
        changed = {name.rstrip("_"): value for name, value in values.items()}  # from_= for "from"
        kept = [(n, v) for n, v in self.params if n not in changed and n != "page"]
        return self._url(kept + [(n, v) for n, v in changed.items() if v])

    def year(self, year: str | None) -> str:
        if year is None:
            return self.set(from_=None, to=None)
        return self.set(from_=year, to=year)

    def page(self, number: int) -> str:
        kept = [(n, v) for n, v in self.params if n != "page"]
        return self._url(kept + ([("page", str(number))] if number > 1 else []))

    def value(self, name: str) -> str:
        return next((v for n, v in self.params if n == name), "")
