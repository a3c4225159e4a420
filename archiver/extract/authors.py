"""Author names from JSON-LD, meta tags, ``rel=author`` links and bylines, cleaned."""

from __future__ import annotations

import re

from archiver.extract.text import Element, clean, node_text


# "By", "Analysis by", "Words by", "Por", "Von", "Oleh" (Indonesian, Malay)..., and a one-word label such as "Text:" / "Texto:".
_BY_PREFIX = re.compile(r"^\s*(?:(?:[A-Za-z]+\s+)?by|por|von|par|(?-i:di)|door|oleh|[^\W\d_]{2,12}:)(?:\b|(?<=:))[:\s]*"
                        # Chinese "记者"/"作者"/"文／" (reporter, author, text by), Thai "โดย", Arabic "بقلم"/"كتب"/"بواسطة"
                        r"|^\s*(?:(?:本报|本台)?记者|作者|撰文|文\s*[／/|]|โดย|بقلم|كتب|بواسطة)[:：\s]*",
                        re.IGNORECASE)
# A Chinese story's credit line writes the day, the source and the reporter on one line ("2025年03月14日
# 来源：新华网 记者 王小明 编辑：李华"): the names after the reporter's word, up to the next label (an editor
# or a source is no author).
CJK_CREDIT = re.compile(r"(?:^|[\s：:|｜])(?:本报|本台)?(?:记者|記者|作者|撰文)[:：\s]+(?P<names>.+?)"
                        r"(?=\s*(?:(?:责任)?编辑|責任編輯|编审|来源|來源|校对|审核|发布|[|｜]|$))"
                        # Taiwan's "記者王小明／台北報導": the reporters, a slash, where they report from.
                        r"|(?:^|\s)(?:记者|記者)\s*(?P<reporters>[\u4e00-\u9fff]{2,4}(?:[、,，\s][\u4e00-\u9fff]{2,4})*)"
                        r"\s*[／/]\s*\S{0,8}(?:報導|报道)")
# Chinese names side by side, a space between them ("王芳 李华").
_HAN_NAMES = re.compile(r"[\u4e00-\u9fff]{2,4}(?:\s+[\u4e00-\u9fff]{2,4})+")
# Name separators; the one-letter conjunctions ("y", "e") only in lower case, so "Bruce Y. Lee" stays whole.
_SPLIT = re.compile(r"\s*(?:,|;|、|\band\b|(?-i:\by\b|\be\b)|\bund\b|\bet\b|&|\||/)\s*", re.IGNORECASE)
_EMAIL = re.compile(r"\S+@\S+")
# After "By", a verb in -ing starts a sentence, not a name ("By clicking", "By continuing").
_SENTENCE = re.compile(r"^[a-z]+ing\s")
_ROLE_WORDS = re.compile(
    r"\b(?:staff|writer|reporter|correspondent|editor|contributor|columnist|senior|chief|"
    r"bureau|desk|team|newsroom|agency|agencies|redacción|redaccion|staff writer|photographer|"
    r"updated|published|min read|hours? ago|follow|redakteur(?:in)?|korrespondent(?:in)?|corresponsal|"
    r"enviad[oa] especial|redactor[a]?|periodista|journaliste|rédaction|redaktion|autor(?:in)?)\b",
    re.IGNORECASE,
)
# News agencies credited in bylines are organisations, not authors.
AGENCIES = {"ap", "associated press", "the associated press", "reuters", "afp", "agence france-presse", "efe",
            "dpa", "epa", "ansa", "kyodo", "共同", "共同通信", "europa press", "bloomberg", "upi", "pa", "pa media",
            "cnn", "bbc", "xinhua", "tass", "apa", "sda", "kna", "epd", "afp-jiji", "jiji", "時事", "時事通信",
            "pti", "ians", "ani", "press trust of india", "yonhap", "anp", "belga", "tt", "ntb", "ritzau"}
# Words that are never part of a person's name in a byline: a bio, a dateline or a role crept in.
_NOT_NAME_WORDS = {
    "the", "for", "is", "a", "an", "of", "in", "on", "at", "to", "with", "since", "from", "about", "has", "was",
    "who", "covers", "covering", "writes", "based", "more", "view", "all", "posts", "articles", "read", "min",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january", "february",
    "march", "april", "june", "july", "august", "september", "october", "november", "december", "mon", "tue",
    "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "am", "pm", "et", "gmt", "utc", "updated", "published", "print", "this", "article", "share",
    "email", "comments", "comment", "subscribe", "follow", "news", "wire", "services", "sport", "sports", "weekly",
    "daily", "online", "digital", "media", "press",
}
_DOMAIN = re.compile(r"\w\.(?:com|org|net|co|io|news|info|[a-z]{2})$", re.IGNORECASE)
# A role or "by" written after the name: Japanese, Korean ("홍길동 기자"), Hindi ("रमेश कुमार द्वारा").
_ROLE_SUFFIX = re.compile(r"\s*(?:記者|特派員|撮影|編集委員|論説委員|(?:선임|객원|수습)?기자|특파원|द्वारा)$")
_PLACEHOLDERS = {"staff", "admin", "administrator", "editor", "editorial", "redacción", "redaccion",
                 "news desk", "web desk", "newsroom", "guest", "anonymous", "unknown", "webmaster", "site admin",
                 "undefined", "null", "none"}  # the last three: a template's empty value
_ORG_TYPES = {"organization", "newsmediaorganization", "corporation", "organisation"}
# A team that signs a story ("Camphouse Team", "The Currency editors", "News Desk"): a collective byline,
# kept as a name; one word or a role before the team word is a person's title or a placeholder.
_COLLECTIVE = re.compile(r"^(?:[^\W\d_][\w.&'’-]*\s+){1,4}(?:team|editors|editorial|desk|staff|newsroom|"
                         r"contributors?)$", re.IGNORECASE)
_TITLE_WORDS = re.compile(r"\b(?:senior|staff|chief|guest|special|contributing|freelance|regular|associate|"
                          r"managing|deputy|executive|assistant|editor|writer|reporter)\b", re.IGNORECASE)

# Byline elements, most explicit first: microdata and rel, then byline class names (several
# languages), then an element whose text starts "By"/"Por"/"Von"/"Par" (the scan collects those).
BY_PREFIXES = ("By ", "BY ", "By:", "BY:", "Written by ", "Posted by ", "Words by ", "Story by ",
               "Article by ", "Reporting by ", "Por ", "POR ", "Von ", "Par ", "Door ", "Oleh ", "OLEH ", "记者", "作者", "โดย ", "بقلم ",
               "كتب ")
# "by News Desk": in lower case only a short line, or it is a sentence's part ("by 2032, reflecting ...").
LOWER_BY, LOWER_BY_CHARS = "by ", 40
# A line that only labels the name after it (lower case, without a colon).
BYLINE_LABELS = frozenset({"written by", "article by", "posted by", "words by", "story by", "text by", "reporting by",
                           "published by", "by", "author", "authors", "autor", "autorin", "auteur", "por", "von",
                           "escrito por", "verfasst von", "écrit par", "scritto da", "作者", "文"})
NOT_BYLINE_TAGS = _NOT_BYLINE_TAGS = {"meta", "link", "script", "style", "body", "html", "article", "main", "section"}
_NOT_BYLINE = re.compile(r"author-(?:bio|box|info|avatar|description|title|about)|authors-list|about-author|"
                         r"comment", re.IGNORECASE)


def is_collective(name: str) -> bool:
    """A team's name that signs a story ("Camphouse Team", "The Currency editors"), not a person's title
    ("Senior Editor"), one word ("Staff") or a news agency's staff ("Reuters Staff": agencies are no authors)."""
    team = name[:name.rfind(" ")]
    return bool(_COLLECTIVE.match(name)) and not _TITLE_WORDS.search(team) and team.lower() not in AGENCIES


def clean_author(name: str) -> str | None:
    """One person's (or signing team's) name, without "By", roles, e-mails or dates; ``None`` if nothing is left."""
    name = _EMAIL.sub("", clean(name))
    name = _BY_PREFIX.sub("", name)
    # "Jane Doe. Agency", "Jane Doe on 18 May": what follows is not the name
    name = re.split(r"\s[|\u2013\u2014·•-]\s|\s\(|\s(?:on|at)\s+\d|\d|(?<=[a-z]{2})\.\s", name)[0]
    name = _ROLE_SUFFIX.sub("", name.strip(" ,.;:|·-\u2013\u2014"))
    if name.startswith("@"):
        return None  # a social-media handle
    if is_collective(name) and len(name) <= 60:
        return name.title() if name.isupper() or name.islower() else name
    if not name or name.lower() in _PLACEHOLDERS or name.lower() in AGENCIES or _ROLE_WORDS.search(name):
        return None
    words = name.split()
    if not 1 <= len(words) <= 5 or len(name) > 60:
        return None
    if len(words) == 1 and (len(name) <= 2 and name.isascii() or name.isupper() and len(name) <= 4):
        return None  # "As", "MS", "RDN": initials and credentials, not a name ("Ben" is)
    if _DOMAIN.search(name):
        return None  # "Cleveland.com"
    if any(word.lower().strip(".,") in _NOT_NAME_WORDS for word in words):
        return None
    if name.isupper() or name.islower():
        name = name.title()
    return name


def is_by_sentence(text: str) -> bool:
    """ "By signing up, you agree to our Terms and Privacy Policy": a sentence, not a byline (its link
    is no author)."""
    return bool(_SENTENCE.match(_BY_PREFIX.sub("", text)))


def split_authors(text: str) -> list[str]:
    """ "By A, B and C" -> [A, B, C]; roles after a comma ("A, Staff Writer") are dropped.

    A byline on several lines (names, then "Updated ...") is read line by line: the first line
    with names wins.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        for line in lines:
            names = split_authors(line)
            if names:
                return names
        return []
    line = clean(text)
    # After the (simplified) Chinese word for reporter, names side by side are people ("记者 王芳 李华");
    # a Japanese byline writes one name with a space ("山田 太郎").
    reporters = "记者" in line
    if not line.isascii() and not _BY_PREFIX.match(line):
        credit = CJK_CREDIT.search(line)
        if credit:
            line = credit.group("names") or credit.group("reporters")
    text = _BY_PREFIX.sub("", line)
    if text != line and _SENTENCE.match(text):
        return []  # "By signing up, you agree ...": a sentence (is_by_sentence)
    text = re.split(r"\s[|·•]\s|\s[\u2013\u2014]\s", text)[0]
    names = []
    for part in _SPLIT.split(text):
        for piece in reporters and _HAN_NAMES.fullmatch(part) and part.split() or [part]:
            name = clean_author(piece)
            if name and name not in names:
                names.append(name)
    return names


def authors_from_jsonld(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Split JSON-LD ``author`` entries into (people, organisations)."""
    people, organisations = [], []
    for name, kinds in pairs:
        if set(kinds.split(",")) & _ORG_TYPES:
            organisations.append(clean(name))
            continue
        for person in split_authors(name):
            if person not in people:
                people.append(person)
    return people, organisations


def is_not_byline(element: Element) -> bool:
    """An author's bio box, avatar or comment: names there are not the story's byline."""
    return bool(_NOT_BYLINE.search(element.get("class") or ""))


def _names_in_text(element: Element) -> list[str]:
    """Text nodes joined by spaces ("Jane <b>Doe</b>"), else one per line: "Jeff Foust<span>Monday
    </span>" is a name and then a date, not a three-word name."""
    parts = list(element.itertext())
    if len(clean(" ".join(parts))) > 120:
        return []
    return split_authors(" ".join(parts)) or split_authors("\n".join(parts))


def names_in(element: Element) -> list[str]:
    anchors = [a for a in element.iter("a") if node_text(a)]
    if not anchors:
        return _names_in_text(element)
    names: list[str] = []
    for anchor in anchors:  # a link may wrap an author card: the name, then the day, in blocks
        names += [n for n in _names_in_text(anchor) if n not in names]
    return names
