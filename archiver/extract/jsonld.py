"""JSON-LD: find the page's article node (``@graph`` and ``@id`` references included)."""

from __future__ import annotations

import json
import logging
import re
from html import unescape
from typing import Any

from archiver.extract.text import Element

logger = logging.getLogger(__name__)

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "askpublicquestion", "blogposting", "liveblogposting",
    "socialmediaposting", "techarticle", "scholarlyarticle", "report", "satiricalarticle",
}
_WRAPPER = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
MAX_JSONLD_CHARS = 2 * 1024 * 1024

JsonObject = dict[str, Any]


def _types(node: JsonObject) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _walk(value: Any, out: list[JsonObject], listed: list[JsonObject], depth: int = 0, in_list: bool = False) -> None:
    if depth > 8:
        return
    if isinstance(value, list):
        for item in value[:500]:
            _walk(item, out, listed, depth + 1, in_list)
    elif isinstance(value, dict):
        (listed if in_list else out).append(value)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item"):
            child = value.get(key)
            if isinstance(child, (dict, list)):
                _walk(child, out, listed, depth + 1, in_list or key in ("itemListElement", "item"))


def jsonld_nodes(tree: Element) -> tuple[list[JsonObject], list[JsonObject]]:
    """JSON-LD objects about the page, and those listed in an ``ItemList`` (teasers of other pages).

    A block that does not parse is skipped alone; nothing here raises.
    """
    nodes: list[JsonObject] = []
    listed: list[JsonObject] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = _WRAPPER.sub("", (script.text or "")[:MAX_JSONLD_CHARS])
        if not raw.strip():
            continue
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            logger.debug("Skipping malformed JSON-LD block")
            continue
        _walk(data, nodes, listed)
    return nodes, listed


class JsonLd:
    """The page's JSON-LD nodes, indexed by ``@id``, with its main article node."""

    def __init__(self, nodes: list[JsonObject], listed: list[JsonObject] | None = None) -> None:
        self.nodes = nodes
        self.by_id = {n["@id"]: n for n in nodes + (listed or []) if isinstance(n.get("@id"), str)}
        self.page_types = {kind for n in nodes for kind in _types(n)}
        articles = [n for n in nodes if _types(n) & ARTICLE_TYPES]
        # The node with a headline and the longest body is the page's own article,
        # not a teaser of another one listed on the page.
        articles.sort(key=lambda n: (bool(n.get("headline")), len(str(n.get("articleBody") or ""))), reverse=True)
        self.article: JsonObject | None = articles[0] if articles else None

    @classmethod
    def from_tree(cls, tree: Element) -> JsonLd:
        return cls(*jsonld_nodes(tree))

    def resolve(self, value: Any) -> Any:
        """Replace a bare ``{"@id": ...}`` reference by the node it names."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def get(self, key: str) -> Any:
        return self.resolve(self.article.get(key)) if self.article else None

    def page_text(self, key: str) -> str | None:
        """``key`` of the page's own node (a ``WebPage``, ``ItemPage`` ...: an SEO plugin writes one with
        the page's dates on every page, an article node or not)."""
        for node in self.nodes:
            if node is not self.article and any(t.endswith("page") for t in _types(node)) and key in node:
                return self._text(node.get(key))
        return None

    def text(self, key: str) -> str | None:
        return self._text(self.get(key))

    def _text(self, value: Any) -> str | None:
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name") or value.get("@value")
        if not isinstance(value, str):
            return None
        value = unescape(value)
        return (unescape(value) if "&#" in value or "&amp;" in value else value).strip() or None  # escaped twice

    def names(self, key: str) -> list[tuple[str, str]]:
        """``(name, type)`` pairs of a person/organisation property, references resolved."""
        value = self.get(key)
        values = value if isinstance(value, list) else [value]
        out = []
        for item in values:
            item = self.resolve(item)
            if isinstance(item, str):
                out.append((unescape(item), ""))
            elif isinstance(item, dict):
                name = item.get("name")
                if isinstance(name, list):
                    name = name[0] if name else None
                if isinstance(name, str):
                    out.append((unescape(name), ",".join(sorted(_types(item)))))
        return out

    def first_of_type(self, *kinds: str) -> JsonObject | None:
        wanted = {k.lower() for k in kinds}
        return next((n for n in self.nodes if _types(n) & wanted), None)

    @property
    def is_article(self) -> bool:
        return self.article is not None

    def is_accessible_for_free(self) -> bool | None:
        """``isAccessibleForFree`` of the article or of one of its parts (``hasPart``)."""
        if not self.article:
            return None
        parts = self.article.get("hasPart")
        parts = parts if isinstance(parts, list) else [parts]
        found = None
        for node in [self.article] + [p for p in parts if isinstance(p, dict)]:
            value = node.get("isAccessibleForFree")
            if isinstance(value, str):
                value = value.strip().lower() not in ("false", "no", "0")
            if value is False:
                return False
            if value is True:
                found = True
        return found
