"""A notice in words: the campaign's template for its kind (or the default), filled safely.

Only the named placeholders of ``kinds.PLACEHOLDERS`` are filled, with plain strings: a
template with ``{title.__class__}``, ``{0}`` or an unknown name is refused to the campaign's
author (``contracts.campaign.notification_problems``) and, stored by a newer release or before
that check, falls back to the default wording when sent. Chinese
always; English beside it for a person who chose it."""

from dataclasses import dataclass

from contracts.campaign import Campaign, MessageTemplate
from services.notifier.kinds import DEFAULTS, PLACEHOLDERS, SMS_PARAMS, Wording

MAX_VALUE_CHARS = 200  # a title or a finding is cut here: a message, not a report


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    params: dict[str, str]  # SMS and WeChat template variables, by name


def _wording(kind: str, custom: MessageTemplate | None) -> Wording:
    default = DEFAULTS[kind]
    if custom is None:
        return default
    if custom.problems():
        return default
    return Wording(
        custom.subject_zh or default.subject_zh,
        custom.body_zh,
        custom.subject_en or default.subject_en,
        custom.body_en or default.body_en,
    )


def _fill(text: str, values: dict[str, str]) -> str:
    return text.format_map({name: values.get(name, "")[:MAX_VALUE_CHARS] for name in PLACEHOLDERS})


def render(kind: str, campaign: Campaign, zh: dict[str, str], en: dict[str, str], english: bool) -> Message:
    """The message of ``kind`` with ``zh`` values (``en`` where English differs)."""
    wording = _wording(kind, campaign.notifications.templates.get(kind))
    values_zh = {"campaign": campaign.title, **zh}
    values_en = {**values_zh, **en}
    subject, body = _fill(wording.subject_zh, values_zh), _fill(wording.body_zh, values_zh)
    if english:
        subject = f"{subject} / {_fill(wording.subject_en, values_en)}"
        body = f"{body}\n\n{_fill(wording.body_en, values_en)}"
    # Providers cap a text variable (35 characters); a link cut short leads nowhere, so it goes whole
    # (WeChat's template url, an SMS template's link variable).
    params = {name: values_zh.get(name, "")[: None if name == "link" else 35] for name in SMS_PARAMS}
    return Message(subject, body, params)
