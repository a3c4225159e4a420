"""Differences between two versions of an article, shown as a newspaper shows a correction.

Paragraphs are aligned first (cheap, and unchanged paragraphs stay whole), then the sentences of
the paragraphs that changed: each changed sentence is shown before and after, side by side, with
the words that differ marked inside it (struck out before, marked after); sentences only one
version has are shown on their side alone. Word differences separated by a word or two that stayed
are merged into one change, so a rewritten phrase reads as a phrase, not as alternating words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

_WORDS = re.compile(r"\s+|[^\s]+")
# A sentence ends at . ! ? or … (a closing quote or bracket may follow) before a space and a capital,
# a digit or an opening quote.
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]*[A-Z0-9\u00c0-\u024f])")
# Beyond this many words a changed pair is shown as removed + added, not word by word.
MAX_WORDS = 5000
# Sentences this alike (difflib ratio of their words) are one sentence changed, not one removed and one added.
SAME_SENTENCE = 0.45
# Unchanged runs of at most this many words between two changes are folded into them.
FOLD_WORDS = 2


@dataclass
class Segment:
    op: str  # "same", "added", "removed"
    text: str


@dataclass
class Change:
    """One sentence that changed: before and after (one of them empty when it was added or removed)."""

    paragraph: int  # its paragraph, counted from 1 in the version that has it (the new one when both do)
    before: list[Segment]  # "same" and "removed" segments
    after: list[Segment]  # "same" and "added" segments

    @property
    def kind(self) -> str:
        return "added" if not self.before else "removed" if not self.after else "changed"

    def as_json(self) -> dict[str, Any]:
        return {"paragraph": self.paragraph, "kind": self.kind,
                "before": [{"op": s.op, "text": s.text} for s in self.before],
                "after": [{"op": s.op, "text": s.text} for s in self.after]}


@dataclass
class FieldDiff:
    name: str
    paragraphs: list[list[Segment]] = field(default_factory=list)  # the whole text, changes inline
    changes: list[Change] = field(default_factory=list)  # changed sentences only, side by side
    unchanged_paragraphs: int = 0

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

    def sentences(self) -> dict[str, int]:
        """How many sentences changed, were added, were removed."""
        kinds = {"changed": 0, "added": 0, "removed": 0}
        for change in self.changes:
            kinds[change.kind] += 1
        return kinds

    def rows(self) -> list[Change]:
        return rows(self.changes)

    def as_json(self) -> dict[str, Any]:
        return {"field": self.name, "changed": self.changed, "words": self.counts(), "sentences": self.sentences(),
                "paragraphs": [[{"op": s.op, "text": s.text} for s in p] for p in self.paragraphs],
                "changes": [c.as_json() for c in self.changes]}


def words(text: str) -> list[str]:
    return _WORDS.findall(text)


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(paragraph) if s.strip()]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]


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


def _folded_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with short unchanged runs between two changes folded into one replacement."""
    codes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[tuple[str, int, int, int, int]] = []
    for index, code in enumerate(codes):
        op, i1, i2, j1, j2 = code
        between = 0 < index < len(codes) - 1 and op == "equal"
        if between and sum(1 for token in a[i1:i2] if not token.isspace()) <= FOLD_WORDS:
            op = "replace"
        if out and op != "equal" and out[-1][0] != "equal":
            _, p1, _p2, q1, _q2 = out[-1]
            out[-1] = ("replace", p1, i2, q1, j2)
        else:
            out.append((op, i1, i2, j1, j2))
    return out


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that turn ``old`` into ``new``, word by word (whitespace kept as it was)."""
    a, b = words(old), words(new)
    if len(a) + len(b) > MAX_WORDS:
        return _merge([Segment("removed", old), Segment("added", new)]) if old != new else [Segment("same", old)]
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in _folded_opcodes(a, b):
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("added", "".join(b[j1:j2])))
    return _merge(segments)


def before_and_after(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """The two sides of a changed sentence: the old one with its removed words, the new one with its added words."""
    segments = word_diff(old, new)
    return ([s for s in segments if s.op != "added"], [s for s in segments if s.op != "removed"])


def _alike(old: str, new: str) -> float:
    return SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()


def sentence_changes(old: list[tuple[int, str]], new: list[tuple[int, str]]) -> list[Change]:
    """Changes between two runs of (paragraph number, sentence): alike sentences paired in order."""
    changes: list[Change] = []
    matcher = SequenceMatcher(None, [s for _p, s in old], [s for _p, s in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = old[i1:i2], new[j1:j2]
        k = 0
        for paragraph, sentence in news:
            # The next old sentence alike enough to this new one is its earlier version; the old ones
            # passed over on the way were removed.
            match = next((m for m in range(k, len(olds)) if _alike(olds[m][1], sentence) >= SAME_SENTENCE), None)
            if match is None:
                changes.append(Change(paragraph, [], [Segment("added", sentence)]))
                continue
            changes += [Change(p, [Segment("removed", s)], []) for p, s in olds[k:match]]
            changes.append(Change(paragraph, *before_and_after(olds[match][1], sentence)))
            k = match + 1
        changes += [Change(p, [Segment("removed", s)], []) for p, s in olds[k:]]
    return changes


def text_diff(name: str, old: str, new: str) -> FieldDiff:
    """Paragraph-aligned differences of one text field: inline, and changed sentences side by side."""
    result = FieldDiff(name)
    a, b = paragraphs(old), paragraphs(new)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            result.paragraphs += [[Segment("same", p)] for p in a[i1:i2]]
            result.unchanged_paragraphs += i2 - i1
            continue
        if op == "delete":
            result.paragraphs += [[Segment("removed", p)] for p in a[i1:i2]]
        elif op == "insert":
            result.paragraphs += [[Segment("added", p)] for p in b[j1:j2]]
        else:  # replace: pair paragraphs up in order, word-diff each pair; extra ones are whole
            for k in range(max(i2 - i1, j2 - j1)):
                old_p = a[i1 + k] if i1 + k < i2 else ""
                new_p = b[j1 + k] if j1 + k < j2 else ""
                result.paragraphs.append(word_diff(old_p, new_p))
        result.changes += sentence_changes([(i + 1, s) for i in range(i1, i2) for s in sentences(a[i])],
                                           [(j + 1, s) for j in range(j1, j2) for s in sentences(b[j])])
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


def rows(changes: list[Change]) -> list[Change]:
    """Changes as a page shows them: sentences added (or removed) one after another in a paragraph, as one row."""
    out: list[Change] = []
    for change in changes:
        last = out[-1] if out else None
        if last is not None and change.kind in ("added", "removed") and last.kind == change.kind \
                and last.paragraph == change.paragraph:
            side = "after" if change.kind == "added" else "before"
            joined = getattr(last, side)[-1].text + " " + getattr(change, side)[0].text
            setattr(last, side, [Segment(getattr(last, side)[-1].op, joined)])
        else:
            out.append(Change(change.paragraph, list(change.before), list(change.after)))
    return out
