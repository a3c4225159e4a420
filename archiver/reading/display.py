"""How pages show what records hold: dates a person reads, language names, site names.

Dates are shown in the time zone the record gives them in (a site's publication time in its own
zone, as its readers saw it; capture times in UTC, as WARC dates are), to the minute, with the
exact value left in the ``<time datetime>`` attribute for machines.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
# ISO 639-1 codes news sites use most, by their English names; any other code is shown as it is.
LANGUAGES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch", "no": "Norwegian", "nb": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese", "zh": "Chinese",
}
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def language_name(code: str | None) -> str:
    if not code:
        return "unknown language"
    return LANGUAGES.get(code.lower().split("-")[0], code)


def parse(value: object) -> datetime | date | None:
    """An ISO 8601 date or date-time (``Z`` or an offset, fractions of a second), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if _DATE_ONLY.fullmatch(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment


def day(value: date) -> str:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def zone(offset: timedelta | None) -> str:
    if offset is None:
        return ""  # a local time without a zone: shown as the site wrote it
    if not offset:
        return " UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes > 0 else "\u2212"  # a real minus sign
    hours, minutes = divmod(abs(minutes), 60)
    return f" UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def readable(value: object, *, time_of_day: bool = True) -> str:
    """``2024-03-03T14:05:09.123-05:00`` -> ``3 March 2024, 14:05 UTC−5``; a date alone -> ``3 March 2024``.

    Anything that is not an ISO date is shown as it is (records of other tools may hold free text)."""
    moment = parse(value)
    if moment is None:
        return value if isinstance(value, str) else ""
    if not isinstance(moment, datetime):
        return day(moment)
    if not time_of_day:
        return day(moment.date())
    return f"{day(moment.date())}, {moment:%H:%M}{zone(moment.utcoffset())}"


def short(value: object) -> str:
    """The day alone, for lists: ``3 Mar 2024``."""
    moment = parse(value)
    if moment is None:
        return value if isinstance(value, str) else ""
    when = moment.date() if isinstance(moment, datetime) else moment
    return f"{when.day} {MONTHS[when.month - 1][:3]} {when.year}"
