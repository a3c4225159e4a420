"""The page's language: declared by the page, else detected offline from the article text."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

# Detection needs this much text to be worth more than a guess.
MIN_DETECT_CHARS = 40
# ... and reads no more than this (the first paragraphs say it as well as the whole story).
MAX_DETECT_CHARS = 2000
_TAG = re.compile(r"[a-z]{2,3}")


def primary_language(tag: str | None) -> str | None:
    """ "en-US" / "en_US" / "EN" -> "en"; None for junk (and for "x-default", "und", "mul")."""
    if not tag or not isinstance(tag, str):
        return None
    primary = re.split(r"[-_]", tag.strip().lower())[0]
    if not _TAG.fullmatch(primary) or primary in ("und", "mul", "zxx", "xx"):
        return None
    return primary


@lru_cache(maxsize=1)
def load_model() -> Any | None:
    """py3langid's model, loaded once per process (about half a second and 100 MiB with NumPy),
    and only when a page does not declare its language: most news pages do."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    except Exception:  # noqa: BLE001 - no model means no detection, never a failed record
        logger.warning("Language detection is off: py3langid's model could not be loaded", exc_info=True)
        return None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text`` by py3langid (offline, ships its model); None if unsure or too short."""
    sample = text[:MAX_DETECT_CHARS]
    if len(sample.strip()) < MIN_DETECT_CHARS:
        return None
    model = load_model()
    if model is None:
        return None
    try:
        language, probability = model.classify(sample)
    except Exception:  # noqa: BLE001 - a detector failure must never fail the record
        logger.debug("language detection failed", exc_info=True)
        return None
    return language if probability >= 0.5 else None
