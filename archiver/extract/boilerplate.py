"""Text blocks that are page furniture whatever element holds them: labels, dates, promos, escaped markup."""

from __future__ import annotations

import re

from archiver.extract.authors import CJK_CREDIT
from archiver.extract.dates import MONTH_NAMES, writes_year
from archiver.extract.text import word_count

# A short block that is only a label: "Advertisement", "Share this", "Image 1 of 5".
_LABEL = re.compile(
    r"^(?:advert|advertisement|advertising|anuncio|publicidad|anzeige|werbung|publicité|pubblicità|"
    r"read more|read next|see also|related|share|share this|share on \w+|tweet|email|print|comments?|"
    r"leave a (?:reply|comment)|sign up|subscribe|follow us|click here|continue reading|more:|skip to content|"
    r"back to top|loading|\d+ comments?|scroll to continue|story continues below|this slideshow requires|"
    r"(?:image|photo|picture|slide) \d+ (?:of|/) \d+|like this story|recommended|most read|trending|"
    r"lee también|lea también|leia também|lesen sie auch|mehr zum thema|weiterlesen|à lire aussi|lire aussi|"
    r"explore further|don'?t miss|key points|more great .{1,30} stories|tell us what you think|you may also like|"
    r"recommended for you|most popular|top stories|latest news|more from .{1,30}$)\b"
    r".{0,40}$",
    re.IGNORECASE,
)
# A promo sentence: newsletter sign-ups, "follow us on" ("Follow <the section> on Twitter"), contact lines
# with an e-mail address.
_PROMO = re.compile(
    r"\b(?:sign(?:ing)? up|subscribe|newsletters?|inbox)\b.*\b(?:newsletters?|inbox|free|today|e-?mail)\b"
    r"|\bfollow (?:us|him|her|me|them)\b.*\b(?:twitter|facebook|instagram|linkedin|@\w+)"
    r"|^follow\b[^.]{0,60}\bon (?:twitter|facebook|instagram|linkedin|youtube|tiktok)\b"
    r"|\b(?:have a (?:news )?tip|contact (?:the )?(?:author|writer|reporter))\b",
    re.IGNORECASE,
)
# ... and those with an e-mail address, looked for only in a text with an "@" ("\S+@" tried at every
# position of every block is dear).
_PROMO_ADDRESS = re.compile(
    r"\b(?:e-?mail|reach|contact)\b[^.]{0,60}\bat\s+\S+@\S+\.\w+"
    r"|\S+@\S+\.\w+\s*$",
    re.IGNORECASE,
)
MAX_PROMO_CHARS = 260
_MONTH_WORDS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
    r"octubre|noviembre|diciembre|januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|"
    r"(?:segunda|terça|quarta|quinta|sexta)(?:-feira)?|sábado|domingo|às|"
    r"gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|novembre|dicembre|mars|"
    r"lunedì|martedì|mercoledì|giovedì|venerdì|sabato|"
    r"janvier|février|avril|juin|juillet|août|octobre|décembre|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|"
    r"published|updated|posted|last|modified|on|at|de|del|am|pm|a\.m|p\.m|gmt|utc|bst|cet|cest|[ecmp][sd]t|"
    r"ist|jst|hours?|mins?|minutes?|ago|uhr|stand|actualizado|publicado|veröffentlicht|aktualisiert|le|à|mis à jour|"
    # the labels of a day and time in Korean, Japanese and Chinese ("입력 2025.03.14 10:30 수정 ...", "配信")
    r"기사입력|최종수정|입력|수정|등록|업데이트|配信|更新|公開|掲載|投稿|发布时间|发布|發布|发表|發表|更新时间|更新時間"
)
# ... and every month name dates are read with ("maart", "มี.ค.", "آذار", "марта"); any script's digits are digits.
_EVERY_MONTH = "|".join(re.escape(name) for name in MONTH_NAMES)
_DATE_LINE = re.compile(rf"^(?:(?:{_MONTH_WORDS}|{_EVERY_MONTH})(?!\w)\.?|\d+(?:st|nd|rd|th)\b"
                        # and the eras that count the years, written against the digits ("令和7年", "民國114年")
                        r"|[\d\s,./:：|\-–—()+،]|[年月日時分년월일시분]|令和|平成|民國|民国|元(?=年))+$", re.IGNORECASE)
# A caption or credit line that sat in the text: ends in "© Agency", or is only names and an agency.
_AGENCIES = (r"getty images|afp|reuters|ap photo|associated press|bloomberg|epa|shutterstock|"
             r"alamy|afp via getty images|efe|dpa|picture alliance")
# "©\s*\w|(?:^|[|/]\s*)(?:agency)\s*$" in three parts, each tried only where it can start (at a "©", the
# start, after a "|" or "/"): tried at every position of every block, the one expression cost more than
# all the other checks together.
_COPYRIGHT = re.compile(r"©\s*\w")
_AGENCY_LINE = re.compile(rf"(?:{_AGENCIES})\s*$", re.IGNORECASE)
_AFTER_SEPARATOR = re.compile(rf"[|/]\s*(?:{_AGENCIES})\s*$", re.IGNORECASE)
MAX_CREDIT_LINE_CHARS = 300
# A CMS shortcode printed as text: "[button link=...]Send us YOUR review[/button]".
_SHORTCODE = re.compile(r"^\[\w+[^\]]*\].*\[/\w+\]$")
_MARKUP = re.compile(r"</?(?:div|span|img|iframe|p|a|h\d|script|em|strong|br)\b[^>]*>", re.IGNORECASE)


_SEPARATOR_LINE = re.compile(r"^[|·•/\-–—]$")


def _is_widget(text: str) -> bool:
    """Share and font-size boxes: a label ("Post this story to:") over lines of a word or two, or
    single words between separators ("Digg | Reddit | Fark")."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 3 or any(word_count(line) > 2 for line in lines[1:]):
        return False
    return lines[0].endswith(":") or any(_SEPARATOR_LINE.match(line) for line in lines)


MAX_CJK_INFO_CHARS = 100
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")  # CJK punctuation, kana, ideographs, full-width forms
_CJK_INFO_LABEL = re.compile(r"(?:来源|來源|作者|(?:责任)?编辑|責任編輯|发布时间|發布時間|发布日期|浏览次数|阅读次数|点击数|出处)"
                             r"\s*[:：]")
_STARTS_WITH_DAY = re.compile(r"\s*(?:19|20)\d{2}\s*[-/.年]")
_TOOL_LABEL = re.compile(r"^[^\W\d_][\w ]{0,20}[:\uff1a]")


def is_widget_line(text: str) -> bool:
    """One line of page tools: a label and buttons of a character or two ("字号：大 中 小",
    "Text size: A A A", "Schrift: + -")."""
    tokens = re.findall(r"\S+", _TOOL_LABEL.sub("", text, 1))
    return len(tokens) >= 2 and sum(len(t) <= 2 for t in tokens) >= 0.75 * len(tokens) and len(text) <= 60


def _is_cjk_info_line(text: str) -> bool:
    """A Chinese or Japanese story's line of facts or tools: a source, author or editor label with its colon,
    a credit line that starts with the day, a font-size bar. ("记者14日获悉" starts a story's sentence.)"""
    if _CJK_INFO_LABEL.search(text):
        return True
    credit = CJK_CREDIT.search(text)
    if credit and (credit.group("reporters") or _STARTS_WITH_DAY.match(text)):
        return True
    return _TOOL_LABEL.match(text) is not None and is_widget_line(text)


def _is_credit_line(text: str) -> bool:
    return ("©" in text and _COPYRIGHT.search(text) is not None or _AGENCY_LINE.match(text) is not None
            or ("|" in text or "/" in text) and _AFTER_SEPARATOR.search(text) is not None)


def is_boilerplate(text: str, link_chars: int = 0) -> bool:
    """True for a block that no article means as its text."""
    length = len(text)
    if length < 60 and _LABEL.match(text):
        return True
    if length < 60 and writes_year(text) and _DATE_LINE.match(text):
        return True  # "20 Nov, 2019 05:47", "Updated 3:41 PM ET"
    if length < MAX_CJK_INFO_CHARS and not text.isascii() and _CJK.search(text) and _is_cjk_info_line(text):
        return True  # "2025年03月14日 来源：新华网 记者 王小明", "字号：大 中 小"
    if length < MAX_PROMO_CHARS and (_PROMO.search(text) or "@" in text and _PROMO_ADDRESS.search(text)):
        return True
    if "<" in text and len(_MARKUP.findall(text)) >= 2:
        return True  # escaped HTML shown as text
    if length < MAX_CREDIT_LINE_CHARS and _is_credit_line(text):
        return True
    if text.startswith("[") and _SHORTCODE.match(text):
        return True
    # Mostly a link: "Read more: <headline>", "[Read in Spanish]", a related-story teaser.
    if "\n" in text and _is_widget(text):
        return True
    # A long run of links (a list of other stories, lines of navigation) is never the story's text either
    # (the body weighs such blocks with fitted weights instead, and passes no link characters).
    return is_link_block(text, link_chars)


def is_link_block(text: str, link_chars: int) -> bool:
    """A block that is mostly a link: a line of navigation, a related story's headline, an item of a list
    of links."""
    length = len(text)
    return bool(link_chars) and (link_chars >= 0.6 * length and length < 200 or link_chars >= 0.8 * length)
