"""Publish and modify dates: structured data, meta tags, ``<time>``, bylines, the URL."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from archiver.extract.text import Element, clean, node_text


# Most specific first.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "publishdate",
    "pubdate", "publish-date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
    "dcterms.created", "dc.date", "date", "article.published", "cxenseparse:recs:publishtime",
)
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "datemodified", "lastmod", "last-modified",
    "dcterms.modified", "article.updated",
)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[^\d])")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            # English, Spanish, French, German, Portuguese, Italian, Dutch, Indonesian, Polish, Turkish, Czech,
            # Swedish, Danish and Norwegian, Romanian (Polish and Czech write the month as "of March").
            ("jan", "january", "enero", "janvier", "januar", "janeiro", "gennaio", "januari", "stycznia", "ocak",
             "ledna", "ianuarie"),
            ("feb", "february", "febrero", "février", "februar", "fevereiro", "febbraio", "februari", "lutego",
             "şubat", "února", "februarie"),
            ("mar", "march", "marzo", "mars", "märz", "março", "maart", "maret", "marca", "mart", "března", "martie"),
            ("apr", "april", "abril", "avril", "aprile", "kwietnia", "nisan", "dubna", "aprilie"),
            ("may", "mayo", "mai", "maio", "maggio", "mei", "maja", "mayıs", "května", "maj"),
            ("jun", "june", "junio", "juin", "juni", "junho", "giugno", "czerwca", "haziran", "června", "iunie"),
            ("jul", "july", "julio", "juillet", "juli", "julho", "luglio", "lipca", "temmuz", "července", "iulie"),
            ("aug", "august", "agosto", "août", "augustus", "agustus", "sierpnia", "ağustos", "srpna", "augusti"),
            ("sep", "sept", "september", "septiembre", "septembre", "setembro", "settembre", "września", "eylül",
             "září", "septembrie"),
            ("oct", "october", "octubre", "octobre", "oktober", "outubro", "ottobre", "października", "ekim", "října",
             "octombrie"),
            ("nov", "november", "noviembre", "novembre", "novembro", "listopada", "kasım", "listopadu", "noiembrie"),
            ("dec", "december", "diciembre", "décembre", "dezember", "dezembro", "dicembre", "desember", "grudnia",
             "aralık", "prosince", "decembrie"),
        ],
        start=1,
    )
    for name in names
}
# Month names of scripts the Latin pattern below does not read, written between the day and the year
# ("14 มีนาคม 2568", "١٤ مارس ٢٠٢٥", "14 марта 2025"); a Thai year is of the Buddhist era.
_SCRIPT_MONTHS = {
    name.lower(): number
    for number, names in enumerate(
        [
            ("มกราคม", "ม.ค.", "يناير", "كانون الثاني", "января", "январь", "січня", "Ιανουαρίου"),
            ("กุมภาพันธ์", "ก.พ.", "فبراير", "شباط", "февраля", "февраль", "лютого", "Φεβρουαρίου"),
            ("มีนาคม", "มี.ค.", "مارس", "آذار", "марта", "март", "березня", "Μαρτίου"),
            ("เมษายน", "เม.ย.", "أبريل", "ابريل", "إبريل", "نيسان", "апреля", "апрель", "квітня", "Απριλίου"),
            ("พฤษภาคม", "พ.ค.", "مايو", "أيار", "мая", "май", "травня", "Μαΐου"),
            ("มิถุนายน", "มิ.ย.", "يونيو", "يونيه", "حزيران", "июня", "июнь", "червня", "Ιουνίου"),
            ("กรกฎาคม", "ก.ค.", "يوليو", "يوليه", "تموز", "июля", "июль", "липня", "Ιουλίου"),
            ("สิงหาคม", "ส.ค.", "أغسطس", "اغسطس", "آب", "августа", "август", "серпня", "Αυγούστου"),
            ("กันยายน", "ก.ย.", "سبتمبر", "أيلول", "сентября", "сентябрь", "вересня", "Σεπτεμβρίου"),
            ("ตุลาคม", "ต.ค.", "أكتوبر", "اكتوبر", "تشرين الأول", "октября", "октябрь", "жовтня", "Οκτωβρίου"),
            ("พฤศจิกายน", "พ.ย.", "نوفمبر", "تشرين الثاني", "ноября", "ноябрь", "листопада", "Νοεμβρίου"),
            ("ธันวาคม", "ธ.ค.", "ديسمبر", "كانون الأول", "декабря", "декабрь", "грудня", "Δεκεμβρίου"),
        ],
        start=1,
    )
    for name in names
} | {
    name: number
    for number, names in enumerate(
        [  # Hindi
            ("जनवरी",), ("फ़रवरी", "फरवरी"), ("मार्च",), ("अप्रैल",), ("मई",), ("जून",), ("जुलाई",), ("अगस्त",),
            ("सितंबर", "सितम्बर"), ("अक्टूबर",), ("नवंबर", "नवम्बर"), ("दिसंबर", "दिसम्बर"),
        ],
        start=1,
    )
    for name in names
}
# Every month name a date is read with (for lines that are only a date: archiver.extract.boilerplate).
MONTH_NAMES = tuple(sorted({*_MONTHS, *_SCRIPT_MONTHS}, key=len, reverse=True))
_SCRIPT_DATE = re.compile(
    r"(?<!\d)(?P<day>0?[1-9]|[12]\d|3[01])\s*(?P<month>"
    + "|".join(re.escape(name) for name in MONTH_NAMES if name in _SCRIPT_MONTHS) + r")"
    r"\s*,?\s*(?P<year>(?:19|20|25)\d{2})(?!\d)",
    re.IGNORECASE,
)
BUDDHIST_ERA = 543  # years the Thai calendar counts ahead: 2568 is 2025
# Digits of other scripts, read as ASCII ones: Arabic-Indic, Persian, Devanagari, Thai, full-width.
_DIGITS = {zero + n: str(n) for zero in (0x0660, 0x06F0, 0x0966, 0x0E50, 0xFF10) for n in range(10)}
# A year as dates write it, in any script's digits (\d is any digit); 25xx: a Thai year.
_YEAR = re.compile(r"(?:19|20|25)\d\d|[١۱१๑１][٩۹९๙９]\d\d|[٢۲२๒２][٠۰०๐０]\d\d")
_ERA_YEAR = re.compile(r"令和|平成|民國|民国|(?<!\d)1[01]\d\s*年")  # looked for only where a text writes 年

_TEXT_DATE = re.compile(
    r"\b(?:(?P<m1>[^\W\d_]{3,12})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?P<d2>\d{1,2})\.?\s+(?:de\s+)?(?P<m2>[^\W\d_]{3,12})\.?,?\s+(?:de\s+)?(?P<y2>(?:19|20)\d{2}))\b"
)
_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})([-/.])(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])\b")
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d\d:\d\d")
# "10.01.2024" (German, day first).
_DOTTED_DATE = re.compile(r"\b(0?[1-9]|[12]\d|3[01])\.\s?(0?[1-9]|1[0-2])\.\s?((?:19|20)\d{2})\b")
# "10/31/2024": month first as US sites write it, day first elsewhere (or when the first number cannot be a month).
_SLASHED_DATE = re.compile(r"\b(0?[1-9]|[12]\d|3[01])/(0?[1-9]|[12]\d|3[01])/((?:19|20|25)\d{2})\b")  # 25xx: Thai
# Years counted from another start: Japan's eras ("令和7年" is 2025, "元年" their first year) and
# Taiwan's Republic ("民國114年", "114年": 1911 + 114).
_ERA_DATE = re.compile(r"(?:(?P<era>令和|平成)\s*(?P<era_year>元|\d{1,2})|(?<!\d)(?:民國|民国)?\s*(?P<roc>1[01]\d))"
                       r"\s*年\s*(?P<month>1[0-2]|0?[1-9])\s*月\s*(?P<day>3[01]|[12]\d|0?[1-9])\s*日")
ERA_STARTS = {"令和": 2018, "平成": 1988}
ROC_START = 1911
# "2024年9月1日" (Japanese, Chinese), "2024년 9월 1일" (Korean).
_CJK_DATE = re.compile(r"((?:19|20)\d{2})\s*[年년]\s*(1[0-2]|0?[1-9])\s*[月월]\s*(3[01]|[12]\d|0?[1-9])\s*[日일]")


_ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d)?)?$")


# Before this year a date is a CMS placeholder ("0001-01-01T00:00:00"), not a publication date.
MIN_YEAR = 1900


def ascii_digits(text: str) -> str:
    """The text with digits of other scripts as ASCII ones ("٢٠٢٥" is "2025", "２０２５" too)."""
    return text if text.isascii() else text.translate(_DIGITS)


def writes_year(text: str) -> bool:
    """Whether a text writes a year as dates do (every date form read here writes one)."""
    return _YEAR.search(text) is not None or "年" in text and _ERA_YEAR.search(text) is not None


def common_era(year: int) -> int:
    return year - BUDDHIST_ERA if year >= MIN_YEAR + BUDDHIST_ERA else year


def normalize_date(value: str | None) -> str | None:
    """ISO 8601, as the source wrote it when it already is (offset kept); ``None`` if no date."""
    found = _normalize(value)
    return found if found and int(found[:4]) >= MIN_YEAR else None


def _normalize(value: str | None) -> str | None:
    value = clean(value)
    if not value:
        return None
    candidate = value.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", value) else value
    try:
        parsed = datetime.fromisoformat(re.sub(r"Z$", "+00:00", candidate))
    except ValueError:
        return _rfc2822(value) or date_from_text(value)
    if _ISO_8601.match(candidate):
        return candidate
    return parsed.date().isoformat() if len(candidate) <= 10 else parsed.isoformat()


def _rfc2822(value: str) -> str | None:
    """ "Tue, 18 Jun 2024 07:45:00 GMT" (HTTP and RSS dates) with its offset."""
    if not _RFC2822.match(value):
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def date_from_text(text: str, day_first: bool = False) -> str | None:
    """A calendar date written in words ("March 3, 2024", "6 de septiembre de 2021") or numbers
    ("2024-03-03", "3.3.2024"; "03/04/2024" is March 4 unless ``day_first``, as outside the US), in any
    script's digits; a Thai year of the Buddhist era is read as the common era's ("14 มีนาคม 2568"), and so
    are Japan's era years ("令和7年3月14日") and Taiwan's ("民國114年3月14日")."""
    text = ascii_digits(text)
    iso = _ISO_DATE.search(text)
    if iso:
        return f"{iso.group(1)}-{iso.group(3)}-{iso.group(4)}"
    cjk = _CJK_DATE.search(text)
    if cjk:
        return "{}-{:02d}-{:02d}".format(cjk.group(1), int(cjk.group(2)), int(cjk.group(3)))
    if "年" in text:
        era = _ERA_DATE.search(text)
        if era:
            if era.group("era"):
                counted = 1 if era.group("era_year") == "元" else int(era.group("era_year"))
                year = ERA_STARTS[era.group("era")] + counted
            else:
                year = ROC_START + int(era.group("roc"))
            return f"{year:04d}-{int(era.group('month')):02d}-{int(era.group('day')):02d}"
    slashed = _SLASHED_DATE.search(text)
    if slashed:
        first, second = int(slashed.group(1)), int(slashed.group(2))
        year = common_era(int(slashed.group(3)))
        month, day = (second, first) if first > 12 or day_first and second <= 12 else (first, second)
        if month <= 12:
            return f"{year:04d}-{month:02d}-{day:02d}"
    dotted = _DOTTED_DATE.search(text)
    if dotted:
        return "{}-{:02d}-{:02d}".format(dotted.group(3), int(dotted.group(2)), int(dotted.group(1)))
    for match in _TEXT_DATE.finditer(text):
        month_name = (match.group("m1") or match.group("m2") or "").lower()
        month = _MONTHS.get(month_name)
        day = int(match.group("d1") or match.group("d2"))
        year = int(match.group("y1") or match.group("y2"))
        if month and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    if not text.isascii():
        written = _SCRIPT_DATE.search(text)
        if written:
            month = _SCRIPT_MONTHS.get(written.group("month").lower())
            year = common_era(int(written.group("year")))
            if month and year >= MIN_YEAR:
                return f"{year:04d}-{month:02d}-{int(written.group('day')):02d}"
    return None


def date_from_url(url: str) -> str | None:
    match = _URL_DATE.search(url)
    return "-".join(match.groups()) if match else None


def byline_date(candidates: list[Element], modified: bool = False) -> str | None:
    """A date written out in a byline or date element ("June 18, 2024", "Updated April 23, 2024").

    ``candidates`` are elements whose class or id names a date, time or byline (from the scan).
    """
    for element in candidates:
        text = node_text(element)
        if not text or len(text) > 200:
            continue
        updated = re.search(r"\b(?:updated|modified|actualizado|aktualisiert|mis à jour)\b", text, re.IGNORECASE)
        if modified and updated:
            return date_from_text(text[updated.end():])
        if not modified:
            found = date_from_text(text[: updated.start()] if updated else text)
            if found:
                return found
    return None


def time_element_date(tree: Element, modified: bool = False) -> str | None:
    """``<time datetime>``; the one marked published/updated when the page says which."""
    times = [t for t in tree.iter("time") if t.get("datetime")]
    marker = ("updated", "modified") if modified else ("published", "pubdate", "datepublished")
    for element in times:
        labels = " ".join(filter(None, [element.get("class"), element.get("itemprop"),
                                        "pubdate" if element.get("pubdate") is not None else None])).lower()
        if any(word in labels for word in marker):
            return normalize_date(element.get("datetime"))
    if not modified and times:
        return normalize_date(times[0].get("datetime"))
    return None
