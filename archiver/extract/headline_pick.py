"""The headline: the lines the page's rules find and every title it declares, chosen by fitted weights.

Candidates are the headline the page-reading rules settle on (the heading the titles repeat, the
line the story starts under, with its deck), the JSON-LD headline, og:title and twitter:title, the
``<title>`` as written and without its site-name parts, and the page's ``<h1>``. Texts with the same
words are one candidate carrying each source's flag. ``headline`` weights (fitted by
``bench/crossval.py``) pick one.
"""

from __future__ import annotations

import re

from archiver.extract.headline import strip_host_parts, strip_site_name, words
from archiver.extract.model import Feature, LinearModel, load_model
from archiver.extract.text import clean, word_count

FEATURES: tuple[Feature, ...] = (
    Feature("rules", "the headline the page-reading rules settle on (shown heading, story line, deck)"),
    Feature("rules-deck", "... and it holds a deck under the headline line"),
    Feature("rules-unshown", "... and it is not the heading or story line the page shows (a metadata title that "
            "only resembles it, or no line shown at all)"),
    Feature("jsonld", "the JSON-LD headline"),
    Feature("og", "og:title or twitter:title"),
    Feature("og-stripped", "og:title without its site-name parts"),
    Feature("title", "the <title> as written"),
    Feature("title-stripped", "the <title> without its site-name parts"),
    Feature("h1", "the page's first <h1>"),
    Feature("h1-only", "the page's only <h1>"),
    Feature("sources", "how many sources give the words: 0 for one, 1 from five"),
    Feature("short", "three words or fewer"),
    Feature("long", "more than 20 words"),
    Feature("separator", "holds a ' | ', ' - ', ' \u2013 ' or ' : ' between parts"),
    Feature("site-part", "a part names the site (its host or og:site_name)"),
    Feature("capitals", "written in capitals"),
    Feature("cut", "ends in an ellipsis"),
    Feature("in-title", "its words are all in the <title>"),
    Feature("longer-than-h1", "holds the <h1>'s words and more"),
)
MODEL: LinearModel = load_model("headline", FEATURES)
_SEPARATOR = re.compile(r"\s[|\u2013\u2014\-:\u00b7\u2022\u00bb]\s")
_ELLIPSIS = re.compile(r"(?:\.\.\.|\u2026)$")


def candidates(rules: str | None, jsonld: str | None, og: str | None, title: str | None, h1s: list[str],
               site_names: list[str], host: str, shown: bool = True) -> list[tuple[str, dict[str, float]]]:
    """Each distinct headline text with its features; ``shown``: the rules' headline is a line the page
    shows (a heading the titles repeat, the line the story starts under), not the metadata's title."""
    found: dict[tuple, dict] = {}

    def add(text: str | None, feature: str) -> None:
        text = clean(text)
        key = tuple(_WORD.findall(text))
        if not key:
            return
        found.setdefault(key, {"text": text if feature != "rules" else rules, "flags": set()})["flags"].add(feature)

    add(rules, "rules")
    add(jsonld, "jsonld")
    add(og, "og")
    if og:
        add(strip_site_name(strip_host_parts(clean(og), host), site_names), "og-stripped")
    add(title, "title")
    if title:
        add(strip_site_name(strip_host_parts(clean(title), host), site_names), "title-stripped")
    if h1s:
        add(h1s[0], "h1")
    if len(found) == 1:
        return [(entry["text"], {name: 1.0 for name in entry["flags"]}) for entry in found.values()]
    title_words = set(words(title or ""))
    h1_words = words(h1s[0]) if h1s else []
    names = [n.lower() for n in site_names if n]
    out = []
    for key, entry in found.items():
        text, flags = entry["text"], entry["flags"]
        values = {name: 1.0 for name in flags}
        if "rules" in flags and rules and "\n" in rules:
            values["rules-deck"] = 1.0
        if "rules" in flags and not shown:
            values["rules-unshown"] = 1.0
        if "h1" in flags and len(h1s) == 1:
            values["h1-only"] = 1.0
        found_words = words(text)
        count = word_count(text)
        lowered = text.lower()
        values.update({
            "sources": min((len(flags) - 1) / 4, 1.0),
            "short": float(count <= 3),
            "long": float(count > 20),
            "separator": float(bool(_SEPARATOR.search(text))),
            "site-part": float(any(name and name in lowered for name in names)
                               or bool(host) and strip_host_parts(text, host) != text),
            "capitals": float(text.isupper()),
            "cut": float(bool(_ELLIPSIS.search(text))),
            "in-title": float(bool(found_words) and all(w in title_words for w in found_words)),
            "longer-than-h1": float(bool(h1_words) and len(found_words) > len(h1_words)
                                    and all(w in found_words for w in h1_words)),
        })
        out.append((text, values))
    return out


_WORD = re.compile(r"\w+")


def is_shown(headline: str | None, lines: list[str], site_names: list[str], host: str) -> bool:
    """The headline's first line is one of the lines the page shows over its story (the heading the
    titles repeat, the story line), as shown or without its site-name parts: readers saw it, not only
    a search engine."""
    first = words((headline or "").split("\n")[0])
    for line in (clean(line.split("\n")[0]) for line in lines):
        if first and first in (words(line), words(strip_site_name(strip_host_parts(line, host), site_names))):
            return True
    return False


def choose(found: list[tuple[str, dict[str, float]]], trace: dict | None = None) -> int:
    """Index of the candidate the weights pick (-1 for none; 0 when every source gives the same words)."""
    if trace is not None:
        trace["headline"] = found
    return MODEL.best([values for _, values in found]) if len(found) > 1 else len(found) - 1
