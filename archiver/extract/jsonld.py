"""JSON-LD: find the page's article node (``@graph`` and ``@id`` references included)."""

from __future__ import annotations

import json
import logging
import re
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


def _walk(value: Any, out: list[JsonObject], depth: int = 0) -> None:
    if depth > 8:
        return
    if isinstance(value, list):
        for item in value:
            _walk(item, out, depth + 1)
    elif isinstance(value, dict):
        out.append(value)
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            child = value.get(key)
            if isinstance(child, (dict, list)):
                _walk(child, out, depth + 1)


def jsonld_nodes(tree: Element) -> list[JsonObject]:
    """Every JSON-LD object on the page; a block that does not parse is skipped alone."""
    nodes: list[JsonObject] = []
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
        _walk(data, nodes)
    return nodes


class JsonLd:
    """The page's JSON-LD nodes, indexed by ``@id``, with its main article node."""

    def __init__(self, nodes: list[JsonObject]) -> None:
        self.nodes = nodes
        self.by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
        articles = [n for n in nodes if _types(n) & ARTICLE_TYPES]
        # The node with a headline and the longest body is the page's own article,
        # not a teaser of another one listed on the page.
        articles.sort(key=lambda n: (bool(n.get("headline")), len(str(n.get("articleBody") or ""))), reverse=True)
        self.article: JsonObject | None = articles[0] if articles else None

    @classmethod
    def from_tree(cls, tree: Element) -> JsonLd:
        return cls(jsonld_nodes(tree))

    def resolve(self, value: Any) -> Any:
        """Replace a bare ``{"@id": ...}`` reference by the node it names."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def get(self, key: str) -> Any:
        return self.resolve(self.article.get(key)) if self.article else None

    def text(self, key: str) -> str | None:
        value = self.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name") or value.get("@value")
        return value.strip() if isinstance(value, str) and value.strip() else None

    def names(self, key: str) -> list[tuple[str, str]]:
        """``(name, type)`` pairs of a person/organisation property, references resolved."""
        value = self.get(key)
        values = value if isinstance(value, list) else [value]
        out = []
        for item in values:
            item = self.resolve(item)
            if isinstance(item, str):
                out.append((item, ""))
            elif isinstance(item, dict):
                name = item.get("name")
                if isinstance(name, list):
                    name = name[0] if name else None
                if isinstance(name, str):
                    out.append((name, ",".join(sorted(_types(item)))))
        return out

    def first_of_type(self, *kinds: str) -> JsonObject | None:
        wanted = {k.lower() for k in kinds}
        return next((n for n in self.nodes if _types(n) & wanted), None)

    @property
    def is_article(self) -> bool:
        return self.article is not None

    def is_accessible_for_free(self) -> bool | None:
        value = self.article.get("isAccessibleForFree") if self.article else None
        if isinstance(value, str):
            return value.strip().lower() not in ("false", "no", "0")
        return value if isinstance(value, bool) else None
