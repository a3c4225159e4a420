"""What a replayed page shows against what was captured: pure functions, no browser here.

Three measures, each from 0 (nothing alike) to 1 (the same):

- **visual**: the capture-time screenshot against the replay's, in 16-pixel tiles; a tile
  whose mean colour differs by more than a few levels counts as changed (anti-aliasing and
  JPEG noise do not), and page height the two do not share counts as changed.
- **text**: the words of the captured page (its rendered DOM, or its HTML as archived) that
  the replayed page still has, as a share of them.
- **requisites**: requests the replayed page made that the archive cannot answer, each
  costing by what it does to a page (a stylesheet most, an image little).

The page's score is their product; a page is ``ok`` at ``min_score`` or above.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from archiver.extract.parse import parse_html

TILE = 16  # pixels
TILE_TOLERANCE = 12  # mean difference (0..255, brightest channel) above which a tile has changed
MIN_WORDS = 20  # fewer words on the captured page: text is no measure of it
WORD = re.compile(r"\w+", re.UNICODE)
INVISIBLE = ("script", "style", "noscript", "template", "head", "svg")
# What one missing request costs the page (Playwright's resource types), and the most images may cost.
MISSING_COST = {"stylesheet": 0.5, "document": 0.2, "script": 0.2, "xhr": 0.2, "fetch": 0.2, "font": 0.15,
                "image": 0.05, "media": 0.05}
OTHER_COST = 0.02
MAX_IMAGE_COST = 0.5
# A missing image the page laid out costs by its size: IMAGE_AREA_COST per screenful of area (1280 x 800),
# from MIN_IMAGE_COST (a tracking pixel, an avatar) to MAX_ONE_IMAGE_COST (a lead photo).
SCREEN_AREA = 1280 * 800
IMAGE_AREA_COST = 0.6
MIN_IMAGE_COST, MAX_ONE_IMAGE_COST = 0.01, 0.3
MIN_SCORE = 0.9


@dataclass
class Verdict:
    """One page's scores; ``None`` for a measure that had nothing to compare with."""

    score: float
    ok: bool
    visual: float | None = None
    text: float | None = None
    requisites: float = 1.0
    missing: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why it is not 1, in words


def visual_similarity(reference_png: bytes, replay_png: bytes) -> float:
    """1 minus the share of the page that looks different (see the module docstring)."""
    from PIL import Image, ImageChops

    with Image.open(io.BytesIO(reference_png)) as first, Image.open(io.BytesIO(replay_png)) as second:
        reference, replay = first.convert("RGB"), second.convert("RGB")
    if replay.width != reference.width:
        replay = replay.resize((reference.width, max(1, round(replay.height * reference.width / replay.width))))
    width, height = reference.width, min(reference.height, replay.height)
    if not width or not height:
        return 0.0
    difference = ImageChops.difference(reference.crop((0, 0, width, height)), replay.crop((0, 0, width, height)))
    red, green, blue = difference.split()
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    columns, rows = math.ceil(width / TILE), math.ceil(height / TILE)
    tiles = brightest.resize((columns, rows), Image.Resampling.BOX)
    changed = sum(tiles.point(lambda level: 255 if level > TILE_TOLERANCE else 0).histogram()[255:])
    all_rows = math.ceil(max(reference.height, replay.height) / TILE)
    unshared = (all_rows - rows) * columns
    return 1.0 - (changed + unshared) / (all_rows * columns)


def visible_words(html: bytes | str, encoding: str | None = "utf-8") -> Counter[str]:
    """The words a reader could see in an HTML document: its body's text, without scripts, styles and the like."""
    tree = parse_html(html if isinstance(html, bytes) else html.encode("utf-8"), encoding)
    if tree is None:
        return Counter()
    body = tree.find(".//body")
    root = body if body is not None else tree
    etree.strip_elements(root, *INVISIBLE, with_tail=False)
    return Counter(word.lower() for word in WORD.findall(" ".join(root.itertext())))


def text_similarity(captured: Counter[str], replayed: Counter[str]) -> float | None:
    """The share of the captured page's words the replay shows (None: too few words to tell)."""
    total = sum(captured.values())
    if total < MIN_WORDS:
        return None
    return sum(min(count, replayed[word]) for word, count in captured.items()) / total


def missing_cost(item: dict[str, Any]) -> float:
    """What one request the archive could not answer costs the page (``area``: a laid-out image's, px²)."""
    kind = item.get("type") or ""
    if kind == "image" and item.get("area") is not None:
        return min(MAX_ONE_IMAGE_COST, max(MIN_IMAGE_COST, IMAGE_AREA_COST * float(item["area"]) / SCREEN_AREA))
    return MISSING_COST.get(kind, OTHER_COST)


def requisites_similarity(missing: list[dict[str, Any]]) -> float:
    images = sum(missing_cost(item) for item in missing if item.get("type") == "image")
    cost = min(images, MAX_IMAGE_COST) + sum(missing_cost(item) for item in missing if item.get("type") != "image")
    return max(0.0, 1.0 - cost)


def judge(visual: float | None, text: float | None, missing: list[dict[str, Any]],
          min_score: float = MIN_SCORE) -> Verdict:
    requisites = requisites_similarity(missing)
    score = requisites * (1.0 if visual is None else visual) * (1.0 if text is None else text)
    reasons = []
    if missing:
        kinds = Counter(item.get("type") or "other" for item in missing)
        reasons.append("missing from the archive: " + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()))
    if visual is not None and visual < 0.99:
        reasons.append(f"{1 - visual:.0%} of the page looks different from the capture")
    if text is not None and text < 0.99:
        reasons.append(f"{1 - text:.0%} of the captured text is not shown")
    return Verdict(round(score, 4), score >= min_score, None if visual is None else round(visual, 4),
                   None if text is None else round(text, 4), round(requisites, 4), missing, reasons)
