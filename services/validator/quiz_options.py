"""Options and answers of a quiz question: "A.北京 B.上海" and "B". Pure."""

import re
import unicodedata

_OPTION = re.compile(r"(?:^|(?<=[\s;；,，]))([A-H])\s*[\.．、:：\)）]\s*")
_LETTERS = re.compile(r"^[A-H](?:\s*[,，、/]?\s*[A-H])*$")


def normalise(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum()).lower()


def split_options(cell: str) -> dict[str, str]:
    """ "A.北京 B.上海" -> {"A": "北京", "B": "上海"}; letters in order, text stripped."""
    text = unicodedata.normalize("NFKC", cell)
    marks = list(_OPTION.finditer(text))
    options: dict[str, str] = {}
    for n, mark in enumerate(marks):
        following = marks[n + 1] if n + 1 < len(marks) else None
        end = following.start() if following else len(text)
        options.setdefault(mark.group(1), text[mark.end() : end].strip(" \t\r\n;；,，"))
    return options


def answer_letters(answer: str, options: dict[str, str]) -> list[str]:
    """The option letters an answer names: "B" -> [B]; "A、C" -> [A, C]; "上海" -> the letter of that text."""
    text = unicodedata.normalize("NFKC", answer).strip().upper()
    if _LETTERS.match(text):
        return sorted(set(re.findall(r"[A-H]", text)))
    wanted = normalise(answer)
    return [letter for letter, option in options.items() if normalise(option) == wanted]
