"""A notice in words: the campaign's template for its kind (or the default), filled safely.

Only the named placeholders of ``kinds.PLACEHOLDERS`` are filled, with plain strings: a
template with ``{title.__class__}``, ``{0}`` or an unknown name is refused when the campaign
is checked (``template_problems``) and falls back to the default wording when sent. Chinese
always; English beside it for a person who chose it."""

import string
from dataclasses import dataclass

from contracts.campaign import Campaign, MessageTemplate
from services.notifier.kinds import DEFAULTS, PLACEHOLDERS, SMS_PARAMS, Wording

MAX_VALUE_CHARS = 200  # a title or a finding is cut here: a message, not a report


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    params: dict[str, str]  # SMS and WeChat template variables, by name


def placeholder_problem(text: str) -> str | None:
    """Why ``text`` is not a safe template (a field that is not a plain placeholder), or None."""
    try:
        fields = [
            (name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        return f"模板格式错误 / malformed template: {exc}"
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS or spec or conv:
            return f"模板只能使用 {{{'}、{'.join(PLACEHOLDERS)}}} / unknown placeholder {{{name}}}"
    return None


def template_problems(campaign: Campaign) -> list[str]:
    problems = []
    for kind, template in campaign.notifications.templates.items():
        if kind not in DEFAULTS:
            problems.append(f"templates.{kind}：未知消息类型 / unknown kind, choose from {list(DEFAULTS)}")
        for text in (template.subject_zh, template.body_zh, template.subject_en, template.body_en):
            if text and (problem := placeholder_problem(text)):
                problems.append(f"templates.{kind}：{problem}")
    return problems


def _wording(kind: str, custom: MessageTemplate | None) -> Wording:
    default = DEFAULTS[kind]
    if custom is None:
        return default
    texts = (custom.subject_zh, custom.body_zh, custom.subject_en, custom.body_en)
    if any(text and placeholder_problem(text) for text in texts):
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
    params = {name: values_zh.get(name, "")[:35] for name in SMS_PARAMS}  # providers cap variables
    return Message(subject, body, params)
