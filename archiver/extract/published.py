"""The publication date: every date the page offers, one candidate per day, chosen by fitted weights.

Dates come from JSON-LD (``datePublished``, ``dateCreated``, ``dateModified``), ``<meta>`` tags,
``<time>`` elements, lines named like a date or byline, dates written in the lines around the
headline, and the URL. Candidates are days: a day gets the flag of every source that gives it, how
many agree, and whether it is the page's earliest or latest. ``published-date`` weights (fitted by
``bench/crossval.py``) pick the day; its value is the most precise form a source wrote (time and
offset kept).
"""

from __future__ import annotations

import re

from lxml import etree

from archiver.extract import dates as _dates
from archiver.extract.blocks import HEADING_TAGS, INLINE_TAGS
from archiver.extract.model import Feature, LinearModel, load_model
from archiver.extract.text import node_text

FEATURES: tuple[Feature, ...] = (
    Feature("jsonld-published", "JSON-LD datePublished"),
    Feature("jsonld-created", "JSON-LD dateCreated"),
    Feature("jsonld-modified", "JSON-LD dateModified"),
    Feature("jsonld-page-published", "datePublished of the JSON-LD WebPage (or ItemPage ...) node"),
    Feature("jsonld-page-modified", "dateModified of the JSON-LD WebPage (or ItemPage ...) node"),
    Feature("meta-published", "article:published_time and like <meta> tags"),
    Feature("meta-modified", "article:modified_time, og:updated_time and like <meta> tags"),
    Feature("time-published", "a <time datetime> marked published (class, itemprop, pubdate)"),
    Feature("time-updated", "a <time datetime> marked updated or modified"),
    Feature("time-first", "the page's first <time datetime>"),
    Feature("time-other", "another <time datetime>"),
    Feature("dated-line", "written in a line named like a date or byline"),
    Feature("dated-line-updated", "written after 'Updated' in such a line"),
    Feature("near-headline", "written in a short line within a few lines of the headline"),
    Feature("near-headline-updated", "the same, after 'Updated', 'Last updated', 'Modified'"),
    Feature("page-line", "written in a short line elsewhere on the page"),
    Feature("first-shown", "the first day written in a line after the headline"),
    Feature("url", "in the URL (/2025/03/14/)"),
    Feature("url-month", "in the year and month the URL gives (/2025/03/ or /2025/03/14/)"),
    Feature("sources", "how many sources give the day: 0 for one, 1 from four"),
    Feature("earliest", "the earliest day the page gives"),
    Feature("latest", "the latest day the page gives"),
    Feature("only", "the only day the page gives"),
)
MODEL: LinearModel = load_model("published-date", FEATURES)
_UPDATED = re.compile(r"\b(?:updated|modified|last updated|actualizado|aktualisiert|mis à jour|edited|revised)\b",
                      re.IGNORECASE)
MAX_LINE_CHARS = 200
WINDOW_BEFORE, WINDOW_AFTER = 8, 40  # elements around the headline: every short line is read
FAR_AFTER = 400  # ... and up to this far after it, lines that write a year (an author box, a footer line)
# <meta> names of publication and modification dates beyond the common ones ("published", "w-published-date").
_PUBLISHED_NAME = re.compile(r"publish|pubdate|created|release")
_MODIFIED_NAME = re.compile(r"modif|updated")
MAX_TIMES = 12
MAX_PIECE_DAYS = 2  # a story writes its day (and an update's) by its headline; a list writes one per teaser
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])(?:/|$)")


def _add(found: dict[str, dict], value: str | None, feature: str) -> str | None:
    value = _dates.normalize_date(value) if value else None
    if not value:
        return None
    day = value[:10]
    entry = found.setdefault(day, {"value": value, "flags": set()})
    entry["flags"].add(feature)
    if len(value) > len(entry["value"]):
        entry["value"] = value  # the most precise form: a time and offset where a source gives them
    return day


def candidates(src, headline_index: int = -1) -> list[tuple[str, dict[str, float]]]:
    """(value, feature values) of each day the page gives."""
    found: dict[str, dict] = {}
    jsonld, meta, page = src.jsonld, src.meta, src.page
    _add(found, jsonld.text("datePublished"), "jsonld-published")
    _add(found, jsonld.text("dateCreated"), "jsonld-created")
    _add(found, jsonld.text("dateModified"), "jsonld-modified")
    _add(found, jsonld.page_text("datePublished"), "jsonld-page-published")
    _add(found, jsonld.page_text("dateModified"), "jsonld-page-modified")
    for value in meta.all(*_dates.PUBLISHED_META)[:4]:
        _add(found, value, "meta-published")
    for value in meta.all(*_dates.MODIFIED_META)[:4]:
        _add(found, value, "meta-modified")
    for name, values in meta.values.items():
        if name not in _KNOWN_META and values and ("date" in name or "time" in name or name == "published"):
            if _MODIFIED_NAME.search(name):
                _add(found, values[0], "meta-modified")
            elif _PUBLISHED_NAME.search(name):
                _add(found, values[0], "meta-published")
    times = [t for t in src.tree.iter("time") if t.get("datetime")][:MAX_TIMES]
    for n, element in enumerate(times):
        labels = " ".join(filter(None, [element.get("class"), element.get("itemprop"),
                                        "pubdate" if element.get("pubdate") is not None else None])).lower()
        if any(word in labels for word in ("updated", "modified")):
            _add(found, element.get("datetime"), "time-updated")
        elif any(word in labels for word in ("published", "pubdate", "datepublished")):
            _add(found, element.get("datetime"), "time-published")
        else:
            _add(found, element.get("datetime"), "time-first" if n == 0 else "time-other")
    if page is not None:
        # Numeric dates are day first wherever the page's language is not US English.
        language = (src.tree.get("lang") or "").lower()
        day_first = bool(language) and language not in ("en", "en-us") and not language.startswith("en-us")
        for element in page.dated[:24] + page.bylines[:12]:
            _line_dates(found, node_text(element), "dated-line", day_first)
        if headline_index < 0:
            headline_index = next((i for i in page.headings if page.tags[i] == "h1"), -1)
        first_shown, first_shown_at = None, -1
        start = max(headline_index - WINDOW_BEFORE, 0) if headline_index >= 0 else 0
        chars, tags, elements = page.chars, page.tags, page.elements
        pieces: list[tuple[int, str]] = []  # (element, text) of dates in runs of longer blocks
        for i in range(start, min(start + WINDOW_BEFORE + FAR_AFTER, len(chars))):
            near = headline_index >= 0 and i <= headline_index + WINDOW_AFTER
            if near:  # a date in a run of a longer block: "<span>May 2, 2025 · 3 min read</span>"
                pieces += [(i, text) for text in _pieces(elements[i], tags[i] in INLINE_TAGS)]
            if not 6 <= chars[i] <= MAX_LINE_CHARS or tags[i] in HEADING_TAGS:
                continue
            if not near and not _dates.writes_year(elements[i].text or ""):
                continue  # farther from the headline, only a line that writes a year itself
            day = _line_dates(found, node_text(page.elements[i]), "near-headline" if near else "page-line", day_first)
            if day and first_shown is None and i > headline_index >= 0:
                first_shown, first_shown_at = day, i
        piece_days = {_dates.date_from_text(text, day_first) for _, text in pieces} - {None}
        if len(piece_days) <= MAX_PIECE_DAYS:  # more are a list's dates: its teasers'
            for i, text in pieces:
                day = _line_dates(found, text, "near-headline", day_first)
                if day and i > headline_index and (first_shown is None or first_shown_at > i):
                    first_shown, first_shown_at = day, i
        if first_shown:
            found[first_shown]["flags"].add("first-shown")
    _add(found, _dates.date_from_url(src.url), "url")
    days = sorted(found)
    month = _URL_MONTH.search(src.url)
    month = f"{month[1]}-{int(month[2]):02d}" if month else None
    out = []
    for day in days:
        flags = found[day]["flags"]
        values = {name: 1.0 for name in flags}
        values["sources"] = min((len(flags) - 1) / 3, 1.0)
        values["earliest"] = float(day == days[0])
        values["latest"] = float(day == days[-1])
        values["only"] = float(len(days) == 1)
        if month:
            values["url-month"] = float(day.startswith(month))
        out.append((found[day]["value"], values))
    return out


def _pieces(element, inline: bool) -> list[str]:
    """An inline element's own text and the text after an element (its tail) where they write a year:
    runs of a block too long to be read as one line (the headline, its deck and the date in one
    ``<div>``; "</legend>20 December 2025")."""
    out = []
    for text in (element.text if inline else None, element.tail):
        if text and _dates.writes_year(text):
            text = text.strip()
            if 6 <= len(text) <= MAX_LINE_CHARS:
                out.append(text)
    return out


def _line_dates(found: dict[str, dict], text: str, feature: str, day_first: bool = False) -> str | None:
    """Add the dates a line writes; the first one's day."""
    if not text or len(text) > MAX_LINE_CHARS or not _dates.writes_year(text):
        return None  # every date form read writes its year
    updated = _UPDATED.search(text)
    before = text[: updated.start()] if updated else text
    day = _add(found, _dates.date_from_text(before, day_first), feature)
    if updated:
        after = _dates.date_from_text(text[updated.end():], day_first)
        day = _add(found, after, feature + "-updated") if feature != "page-line" else _add(found, after, feature) or day
    return day


def choose(src, headline_index: int = -1, trace: dict | None = None) -> tuple[str | None, str]:
    """(date, provenance) of the day the weights pick; (None, "") when the page gives none."""
    found = candidates(src, headline_index)
    if trace is not None:
        trace["published-date"] = found
    if not found:
        return None, ""
    value, values = found[MODEL.best([values for _, values in found])]
    return value, provenance(values)


def last_resort(tree, url: str) -> str | None:
    """htmldate's day for an article that offers us no candidate: it reads markup we have no source
    for (free-text date lines, odd attributes). Held out on modern-dev it dates 3 of our 7 undated
    articles, 1 of them right; its fast mode only, whose wrong guesses are fewer than its extensive one's."""
    from htmldate import find_date  # imported on the few pages that need it: it loads dateparser

    try:  # serialized: htmldate reads lxml.html elements only, and prunes the tree it parses
        return find_date(etree.tostring(tree, encoding="unicode", method="html"), url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - an untrusted page must not stop the record
        return None


def provenance(values: dict[str, float]) -> str:
    if any(values.get(f) for f in ("jsonld-published", "jsonld-created", "jsonld-modified", "jsonld-page-published",
                                   "jsonld-page-modified")):
        return "jsonld"
    if values.get("meta-published") or values.get("meta-modified"):
        return "meta"
    return "url" if values.get("url") and len([k for k, v in values.items() if v and k in _SOURCES]) == 1 else "dom"


# The features that are a source of the day (jsonld-published ... url), not a judgement of it.
_NAMES = [f.name for f in FEATURES]
_SOURCES = set(_NAMES[: _NAMES.index("url") + 1])
_KNOWN_META = set(_dates.PUBLISHED_META) | set(_dates.MODIFIED_META)
