"""Personal data never leaves zhengji: what the publisher masks before anything goes out.

Phones and ID numbers never reach the publisher in structured fields (they stay
in intake), but entrants type them into free text: a summary that ends with
"联系电话13904330001" would otherwise be published. Names of minors are kept
out where the campaign says entrants' names are private; a name typed into the
text is masked too when the publisher knows it (an event that carried it)."""

import re
from collections.abc import Sequence

from contracts import Attribution, EntryInfo
from contracts.campaign import Campaign

MASK = "＊＊＊"
# Mainland mobile numbers, 18- and 15-digit resident ID numbers, and landlines with an area code.
# The digit look-arounds stop a match inside a longer number (an order number, a sha256 in a URL
# is never passed here: only free text is).
PATTERNS = [
    re.compile(
        r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])"
    ),
    re.compile(r"(?<![0-9])[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9])"),
    re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])"),
    re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])"),
]


def redact(text: str | None, names: Sequence[str] = ()) -> str | None:
    """``text`` with phone and ID numbers (and the given private names) masked."""
    if text is None:
        return None
    for pattern in PATTERNS:
        text = pattern.sub(MASK, text)
    for name in names:
        if len(name) >= 2:  # one character would mask half of every title
            text = text.replace(name, MASK)
    return text


def private_names(campaign: Campaign, attribution: Attribution) -> list[str]:
    """Names to mask in free text: the author's, where the campaign keeps names private."""
    return [attribution.author] if attribution.author and not campaign.authors_public else []


def public_entry(entry: EntryInfo, names: Sequence[str] = ()) -> EntryInfo:
    return entry.model_copy(
        update={
            "title": redact(entry.title, names) or "",
            "summary": redact(entry.summary, names),
        }
    )


def public_attribution(campaign: Campaign, attribution: Attribution) -> Attribution:
    """The author's name only where the campaign makes names public (not for minors)."""
    return attribution.model_copy(
        update={
            "unit_name": redact(attribution.unit_name) or "",
            "author": redact(attribution.author) if campaign.authors_public else None,
        }
    )
