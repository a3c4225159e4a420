"""Record dates as export values: one UTC ISO 8601 form, and how precise the page's own string was.

Records keep a date as the page wrote it (``2021-09-06T10:21:00-04:00``,
``2023-06-30T19:00:00.000Z``, ``2024-06-18``). Exports give every date column one
form, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (fixed width, so any ISO 8601 reader
takes the whole column without a format argument), and keep the original string
(``<name>_raw``) and its precision (``<name>_precision``) beside it. A date without
a time is midnight UTC of that day; a time without an offset is taken as UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

UTC_FORM = "%Y-%m-%dT%H:%M:%S.%fZ"
PRECISIONS = ("day", "minute", "second", "millisecond", "microsecond")

_ISO = re.compile(r"^\s*(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(?::(\d\d)(?:[.,](\d{1,9}))?)?"
                  r"\s*(Z|z|[+-]\d\d(?::?\d\d)?)?)?\s*$")


def precision_of(fraction: str | None, seconds: str | None, time: str | None) -> str:
    if fraction:
        return "millisecond" if len(fraction) <= 3 else "microsecond"
    if seconds:
        return "second"
    return "minute" if time else "day"


def parse_date(raw: object) -> tuple[datetime | None, str | None]:
    """An ISO 8601 date or date-time string → (aware UTC datetime, precision); (None, None) if it is not one."""
    if not isinstance(raw, str):
        return None, None
    match = _ISO.match(raw)
    if not match:
        return None, None
    day, time, seconds, fraction, offset = match.groups()
    text = f"{day}T{time or '00:00'}:{seconds or '00'}"
    if fraction:
        text += "." + fraction[:6].ljust(6, "0")  # nanoseconds cut to what Python and Arrow's [us] hold
    if offset and offset not in ("Z", "z"):
        text += offset if ":" in offset else f"{offset[:3]}:{offset[3:] or '00'}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:  # 2024-02-30, 25:00
        return None, None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc), precision_of(fraction, seconds, time)
    except OverflowError:  # 0001-01-01T00:00:00+01:00
        return None, None


def utc_text(raw: object) -> tuple[str | None, str | None]:
    """``parse_date`` as the one export string form: (``2021-09-06T14:21:00.000000Z``, precision)."""
    moment, precision = parse_date(raw)
    # isoformat, not strftime(UTC_FORM): the same text, but the year always four digits (glibc's %Y writes
    # year 1 as "1", which no ISO 8601 reader takes).
    return (moment.isoformat(timespec="microseconds")[:-6] + "Z", precision) if moment else (None, None)


def from_utc_text(text: str | None) -> datetime | None:
    """The datetime of a ``utc_text`` string (what Parquet's timestamp column takes)."""
    # fromisoformat reads this fixed form as strptime(text, UTC_FORM) would, at a tenth of the cost (per column
    # per row of an export).
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc) if text else None
