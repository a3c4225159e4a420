"""Word-level differences between two versions of an article: headline, body, captions.

Bodies are compared paragraph by paragraph first (cheap, and keeps unchanged paragraphs
whole), then word by word inside the paragraphs that changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

_WORDS = re.compile(r"\s+|[^\s]+")
# Beyond this many words a changed paragraph pair is shown as removed + added, not word by word.
MAX_WORDS = 5000


@dataclass
class Segment:
    op: str  # "same", "added", "removed"
    text: str


@dataclass
class FieldDiff:
    name: str
    paragraphs: list[list[Segment]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(s.op != "same" for p in self.paragraphs for s in p)

    def counts(self) -> dict[str, int]:
        words = {"added": 0, "removed": 0}
        for paragraph in self.paragraphs:
            for segment in paragraph:
                if segment.op in words:
                    words[segment.op] += len(segment.text.split())
        return words

    def as_json(self) -> dict[str, Any]:
        return {"field": self.name, "changed": self.changed, "words": self.counts(),
                "paragraphs": [[{"op": s.op, "text": s.text} for s in p] for p in self.paragraphs]}


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].op == segment.op:
            merged[-1] = Segment(segment.op, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that turn ``old`` into ``new``, word by word (whitespace kept as it was)."""
    a, b = words(old), words(new)
    if len(a) + len(b) > MAX_WORDS:
        return _merge([Segment("removed", old), Segment("added", new)]) if old != new else [Segment("same", old)]
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[j1:j2])))
    return _merge(segments)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]


def text_diff(name: str, old: str, new: str) -> FieldDiff:
    """Paragraph-aligned, then word-level, differences of one text field."""
    result = FieldDiff(name)
    a, b = paragraphs(old), paragraphs(new)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            result.paragraphs += [[Segment("same", p)] for p in a[i1:i2]]
        elif op == "delete":
            result.paragraphs += [[Segment("removed", p)] for p in a[i1:i2]]
        elif op == "insert":
            result.paragraphs += [[Segment("added", p)] for p in b[j1:j2]]
        else:  # replace: pair paragraphs up in order, word-diff each pair; extra ones are whole
            for k in range(max(i2 - i1, j2 - j1)):
                old_p = a[i1 + k] if i1 + k < i2 else ""
                new_p = b[j1 + k] if j1 + k < j2 else ""
                result.paragraphs.append(word_diff(old_p, new_p))
    return result


def caption_lines(record: dict[str, Any]) -> str:
    lines = []
    for caption in record.get("captions") or []:
        if isinstance(caption, dict):
            text = caption.get("text") or ""
            credit = caption.get("credit")
            lines.append(f"{text} ({credit})" if credit else text)
    return "\n".join(lines)


def record_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """Headline, body and captions of two records, compared."""
    return [
        text_diff("headline", old.get("headline") or "", new.get("headline") or ""),
        text_diff("body", old.get("body") or "", new.get("body") or ""),
        text_diff("captions", caption_lines(old), caption_lines(new)),
    ]
