"""Matching OCR text: form values found despite OCR errors, and contact details. Pure.

OCR reads a slate "杨靖宇将军的故事" as "杨靖宇将军的故亊" now and then, and spaces and punctuation
come and go. So both sides are normalised (NFKC: full-width to half-width; lower case; everything
but letters and digits removed) and a value counts as shown when some stretch of the text is
within a small edit distance of it (none for a name of two or three characters, where one wrong
character is another person).

Contact details are what a viewer could call, type or add: mainland mobiles, landlines with their
area code, 400/800 numbers, URLs and bare domains, e-mail addresses, WeChat and QQ ids after their
keyword. Numbers without those shapes (years, page numbers, a lesson's 第1课) are not.
"""

import re
import unicodedata
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[\W_]+")
_TLDS = "com|cn|net|org|edu|gov|cc|top|info|io|me|tv|xyz|vip|site|online|club|shop"
# Tried in this order; a stretch matched by one is removed before the next (an e-mail's domain is
# not also a URL).
_CONTACTS: tuple[tuple[str, str, str, re.Pattern[str]], ...] = (
    ("email", "电子邮箱", "e-mail address", re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")),
    (
        "url",
        "网址",
        "web address",
        re.compile(rf"(?:https?://)?(?:[a-z0-9-]+\.)+(?:{_TLDS})(?![a-z0-9])(?:/[\w./?=&%-]*)?"),
    ),
    (
        "wechat",
        "微信号",
        "WeChat id",
        re.compile(r"(?:微信号?|公众号|wechat|weixin|vx|wx)(?:id)?[:：]?([a-z][-_a-z0-9]{5,19})"),
    ),
    ("qq", "QQ号", "QQ number", re.compile(r"qq(?:号|群)?[:：]?(\d{5,11})")),
    ("phone", "电话号码", "phone number", re.compile(r"(?<!\d)1[3-9]\d-?\d{4}-?\d{4}(?!\d)")),
    ("phone", "电话号码", "phone number", re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")),
    ("phone", "电话号码", "phone number", re.compile(r"(?<!\d)[48]00-?\d{3}-?\d{4}(?!\d)")),
)


def normalise(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def allowed_edits(value: str) -> int:
    n = len(value)
    return 0 if n <= 3 else 1 if n <= 8 else n // 8 + 1


def distance_in(value: str, text: str) -> int:
    """The least edit distance between ``value`` and any stretch of ``text`` (Sellers' algorithm)."""
    if not value:
        return 0
    previous = [0] * (len(text) + 1)  # a match may start anywhere: row 0 costs nothing
    for i, char in enumerate(value, 1):
        current = [i] + [0] * len(text)
        for j, other in enumerate(text, 1):
            current[j] = min(previous[j - 1] + (char != other), previous[j] + 1, current[j - 1] + 1)
        previous = current
    return min(previous)


def shows(value: str, text: str) -> bool:
    """``value`` (a form value) appears in ``text`` (OCR output), both normalised here."""
    wanted, seen = normalise(value), normalise(text)
    allowed = allowed_edits(wanted)
    if len(wanted) - allowed > len(seen):  # cannot fit: no need for the quadratic search
        return False
    return bool(wanted) and distance_in(wanted, seen) <= allowed


@dataclass(frozen=True)
class Contact:
    kind: str  # email, url, wechat, qq, phone
    label_zh: str
    label_en: str
    value: str


def contacts_in(text: str, allow: list[str]) -> list[Contact]:
    """Contact details written in one line of OCR text, except those the campaign allows."""
    line = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).lower())
    allowed = [a for a in (re.sub(r"\s+", "", unicodedata.normalize("NFKC", x).lower()) for x in allow) if a]
    found: list[Contact] = []
    for kind, zh, en, pattern in _CONTACTS:
        for match in pattern.finditer(line):
            value = match.group(match.lastindex or 0)
            if not any(value in a or a in value for a in allowed):
                found.append(Contact(kind, zh, en, value))
        line = pattern.sub(" ", line)
    return found
