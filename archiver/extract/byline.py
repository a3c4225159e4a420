"""The authors: every name list the page offers (structured data, meta tags, bylines), chosen by fitted weights.

Candidates are the people of JSON-LD ``author`` (organisations apart), ``<meta name=author>`` and like
tags, the names in ``rel=author`` / ``itemprop=author`` marks, each line whose class names a
byline or author or whose text starts "By" or "Written by", and the line after a "Written by" label.
A list given by several sources is one candidate with each source's flag. ``authors`` weights
(fitted by ``bench/crossval.py``) score each; the best is kept when its score says "more likely than
not", so a page without a byline gets no names (a photo credit or an editor list is not a byline).
The site's name beside a person's is dropped; a byline that names only the site or a team of it
("By ServiceTitan", "Camphouse Team") is the site's own article and kept.
"""

from __future__ import annotations

import re

from archiver.extract import authors as _authors
from archiver.extract.headline import spells_host
from archiver.extract.model import Feature, LinearModel, load_model
from archiver.extract.metadata import host_of
from archiver.extract.text import clean, text_content

AUTHOR_META = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator",
               "byl", "byline")
FEATURES: tuple[Feature, ...] = (
    Feature("jsonld", "people of the JSON-LD author (or creator)"),
    Feature("jsonld-organisation", "the JSON-LD author also names an organisation"),
    Feature("meta", "<meta name=author> and like tags"),
    Feature("marked", "in rel=author or itemprop=author marks"),
    Feature("byline-class", "a line whose class or id names a byline or author"),
    Feature("by-line", "a line starting 'By', 'Por', 'Von' ..."),
    Feature("after-label", "the line after a line that says only 'Written by', 'Article by', 'Author' ..."),
    Feature("first-line", "the first byline line of the page"),
    Feature("near-headline", "a line within a few lines of the headline"),
    Feature("sources", "how many sources give the list: 0 for one, 1 from three"),
    Feature("names", "names in the list: 0 for one, 1 from four"),
    Feature("two-words", "share of names of two or three words, each capitalised"),
    Feature("one-word", "share of names of one word"),
    Feature("lines", "byline lines on the page: 0 up to 1, 1 from 8 (a thread or a list signs many)"),
    Feature("site-name", "a name is the site's or the publisher's"),
    Feature("host-name", "a name spells the site's host (\"Levinemusic\" on levinemusic.org)"),
    Feature("not-shown", "only the JSON-LD gives the list, and none of its names is in the page's text"),
    Feature("site-not-person", "the list names the site while another names a person (the site is the author "
                               "only when no person is named)"),
)
MODEL: LinearModel = load_model("authors", FEATURES)
WINDOW_BEFORE, WINDOW_AFTER = 15, 80
MAX_LINES = 10  # byline lines of each kind read (a thread signs many more)
_CAPITALISED = re.compile(r"^[^\W\d_][^\s]*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def _add(found: dict[tuple, dict], names: list[str], feature: str) -> None:
    if not names:
        return
    key = tuple(sorted({name.casefold() for name in names}))
    entry = found.setdefault(key, {"names": names, "flags": set()})
    entry["flags"].add(feature)


def candidates(src, organisations: list[str], headline_index: int = -1) -> list[tuple[list[str], dict[str, float]]]:
    """(names, feature values) of each name list the page offers."""
    found: dict[tuple, dict] = {}
    people, orgs = _authors.authors_from_jsonld(src.jsonld.names("author") or src.jsonld.names("creator"))
    _add(found, people, "jsonld")
    names: list[str] = []
    for value in src.meta.all(*AUTHOR_META):
        if not value.startswith(("http:", "https:", "@", "/")):
            names += [n for n in _authors.split_authors(value) if n not in names]
    _add(found, names, "meta")
    page = src.page
    lines = 0
    if page is not None:
        marked: list[str] = []
        for element in page.author_marks[:12]:
            if element.tag not in ("meta", "link") and not _authors.is_not_byline(element):
                marked += [n for n in _authors.names_in(element) if n not in marked]
        _add(found, marked, "marked")
        first = True
        for elements, positions, feature in ((page.bylines, page.byline_at, "byline-class"),
                                             (page.by_lines, page.by_line_at, "by-line")):
            for element, position in zip(elements[:MAX_LINES], positions):
                if element.tag in _authors.NOT_BYLINE_TAGS or _authors.is_not_byline(element):
                    continue
                names = _authors.names_in(element)
                if not names:
                    continue
                lines += 1
                _add(found, names, feature)
                key = tuple(sorted({n.casefold() for n in names}))
                if headline_index >= 0 and headline_index - WINDOW_BEFORE <= position <= headline_index + WINDOW_AFTER:
                    found[key]["flags"].add("near-headline")
                if first:
                    found[key]["flags"].add("first-line")
                    first = False
    if page is not None:
        chars = page.chars
        for i in page.byline_labels[:12]:
            # the name may sit in an inline element after an avatar (whose text counts to the line's block)
            names = next((found_names for j in range(i + 1, min(i + 6, len(chars)))
                          if (found_names := _authors.names_in(page.elements[j]))), [])
            if names:
                lines += 1
                _add(found, names, "after-label")
    known = {name.casefold() for name in organisations + orgs if name}
    host = host_of(src.url)
    shown_text = _ShownText(src.tree)
    out = []
    for entry in found.values():
        flags, names = entry["flags"], entry["names"]
        values = {name: 1.0 for name in flags}
        values["jsonld-organisation"] = float(bool(orgs))
        values["sources"] = min((len(flags & _SOURCES) - 1) / 2, 1.0)
        values["names"] = min((len(names) - 1) / 3, 1.0)
        values["two-words"] = sum(_person_like(n) for n in names) / len(names)
        values["one-word"] = sum(len(n.split()) == 1 for n in names) / len(names)
        values["lines"] = min((lines - 1) / 7, 1.0) if lines > 1 else 0.0
        values["site-name"] = float(any(n.casefold() in known for n in names))
        values["host-name"] = float(any(spells_host(n, host) for n in names))
        values["not-shown"] = float(flags & _SOURCES == {"jsonld"} and not any(shown_text.holds(n) for n in names))
        out.append((names, values))
    # "By Embarque" in the header, the writer in the JSON-LD: the site signs only when no person is named
    person_named = any(not values["site-name"] and values["two-words"] for _, values in out)
    for _, values in out:
        values["site-not-person"] = float(bool(values["site-name"]) and person_named)
    return out


_SOURCES = {"jsonld", "meta", "marked", "byline-class", "by-line", "after-label"}


class _ShownText:
    """The text of the page's <body> (scripts already stripped by the scan), read once when first asked:
    a name only the JSON-LD gives (the CMS account an SEO plugin writes in, "Jessie Powell" on an unsigned
    guide) is often no byline."""

    def __init__(self, tree) -> None:
        self.tree, self.text = tree, None

    def holds(self, name: str) -> bool:
        if self.text is None:
            body = self.tree.find("body")
            self.text = clean(text_content(body if body is not None else self.tree)).casefold()
        return name.casefold() in self.text


def _person_like(name: str) -> bool:
    """Two or three words, each capitalised where the script has capitals (Thai and Arabic have none),
    besides a title and name particles ("Dr Marna van der Merwe"); a Chinese or Japanese name of two to
    four characters."""
    words = name.split()
    if len(words) == 1 and 2 <= len(name) <= 4 and all(_CJK.match(c) for c in name):
        return True
    words = [w for w in words[words[0].rstrip(".").casefold() in _HONORIFICS:] if w not in _PARTICLES]
    return 2 <= len(words) <= 3 and all(_CAPITALISED.match(w) and (w[0].isupper() or not w[0].islower())
                                         for w in words)


_HONORIFICS = {"dr", "prof", "professor", "sir", "dame", "rev", "mr", "mrs", "ms"}
_PARTICLES = {"van", "der", "den", "de", "del", "della", "da", "di", "do", "dos", "du", "la", "le", "von", "zu",
              "bin", "ibn", "al", "el", "ter", "ten", "y"}


def choose(src, organisations: list[str], headline_index: int = -1,
           trace: dict | None = None) -> tuple[list[str], str]:
    """(names, provenance) of the list the weights pick, or ([], "") when none is likely a byline."""
    found = candidates(src, organisations, headline_index)
    if trace is not None:
        trace["authors"], trace["authors-organisations"] = found, organisations
    return pick(found, organisations, MODEL)


def pick(found: list[tuple[list[str], dict[str, float]]], organisations: list[str],
         model: LinearModel) -> tuple[list[str], str]:
    """The best list when likely a byline. The site's and publisher's names are dropped beside a person's
    name ("By Ana Ruiz, Island Post"); a byline naming only the site is the site's own article and kept."""
    if not found:
        return [], ""
    names, values = found[model.best([values for _, values in found])]
    if model.logit(values) < model.threshold:
        return [], ""
    known = {name.casefold() for name in organisations if name}
    names = [n for n in names if n.casefold() not in known] or names
    source = "jsonld" if values.get("jsonld") else "meta" if values.get("meta") else "dom"
    return (names, source) if names else ([], "")
