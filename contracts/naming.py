"""The campaign's file-naming rule (``{title}—{school}{name}``), filled in and compared in one way.

Intake derives or checks a name before any byte is sent; the validator's self-check (``zhengji
validate``) reports a misnamed file. Both call this module, so an upload intake accepts is never
flagged afterwards, and the reverse. Pure.
"""

import re
import string
import unicodedata
from collections.abc import Mapping
from typing import Any

# Characters Windows cannot save in a file name (a school's laptop must be able to download the
# file) and path separators: a value put into a rule loses them, so a title cannot make a path.
RESERVED = frozenset(':*?"<>|')
SEPARATORS = frozenset("/\\")
_SAFE = str.maketrans(dict.fromkeys(RESERVED | SEPARATORS, "_"))
_PLACEHOLDER = re.compile(r"^[a-z_][a-z0-9_]*$")


def normalise(text: str) -> str:
    """NFKC, not NFC: Chinese IMEs type full-width letters, digits and brackets (``教师１``,
    ``（上）``) that look like their ASCII twins; NFKC folds them, so a name that reads the same as
    the form's is the same. NFC would keep ``１`` and ``1`` apart and refuse a correctly named file.
    The CJK characters themselves and the em dash ``—`` are unchanged by NFKC."""
    return unicodedata.normalize("NFKC", text).strip()


def placeholders(rule: str) -> list[str]:
    """The form fields a rule names, in order; ValueError when it is not a rule of named fields."""
    try:
        parsed = list(string.Formatter().parse(rule))
    except ValueError as exc:
        raise ValueError(f"命名规则“{rule}”的花括号不成对 / unbalanced braces in the naming rule") from exc
    fields = [f for _, f, _, _ in parsed if f is not None]
    if any(spec or conv for _, _, spec, conv in parsed) or not all(_PLACEHOLDER.match(f) for f in fields):
        raise ValueError(
            f"命名规则“{rule}”只能用表单字段名作占位符，如 {{title}} / placeholders must be form field keys"
        )
    return fields


class _Values(dict[str, str]):
    """A placeholder without a value: blank (a derived name), or kept visible (a report's hint)."""

    def __init__(self, values: dict[str, str], keep_missing: bool) -> None:
        super().__init__(values)
        self.keep_missing = keep_missing

    def __missing__(self, key: str) -> str:
        return "{" + key + "}" if self.keep_missing else ""


def fill(rule: str, values: Mapping[str, Any], keep_missing: bool = False) -> str:
    """The expected stem: ``rule`` with the normalised, file-safe ``values`` put in."""
    safe = {k: normalise(str(v)).translate(_SAFE) for k, v in values.items() if v is not None}
    return normalise(rule.format_map(_Values(safe, keep_missing)))


def follows(stem: str, expected: str) -> bool:
    """Whether a file's stem is the rule's ``expected`` stem, as the entrant would read them."""
    return normalise(stem) == normalise(expected)
