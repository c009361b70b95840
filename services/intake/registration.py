"""Checking a registration form against its campaign (pure).

Each problem names the field and says what is wrong in Chinese and English,
so a page can show it next to the field."""

import re
from typing import Any

from pydantic import BaseModel

from contracts.campaign import Campaign, FieldKind

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$")
ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldProblem(BaseModel):
    field: str
    message_zh: str
    message_en: str


def check_form(campaign: Campaign, form: dict[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    known = {f.key for f in campaign.form}
    for key in form:
        if key not in known:
            problems.append(
                FieldProblem(field=key, message_zh=f"未知字段“{key}”", message_en=f"unknown field {key!r}")
            )
    for spec in campaign.form:
        value = str(form.get(spec.key) or "").strip()
        label = spec.label
        if not value:
            if spec.required:
                problems.append(
                    FieldProblem(
                        field=spec.key, message_zh=f"请填写“{label}”", message_en=f"{spec.key} is required"
                    )
                )
            continue
        if spec.max_length is not None and len(value) > spec.max_length:
            problems.append(
                FieldProblem(
                    field=spec.key,
                    message_zh=f"“{label}”不能超过{spec.max_length}字",
                    message_en=f"{spec.key} exceeds {spec.max_length} characters",
                )
            )
        if spec.kind == FieldKind.CHOICE and spec.choices and value not in spec.choices:
            problems.append(
                FieldProblem(
                    field=spec.key,
                    message_zh=f"“{label}”须为：{'、'.join(spec.choices)}",
                    message_en=f"{spec.key} must be one of {spec.choices}",
                )
            )
        if spec.kind == FieldKind.PHONE and not (MAINLAND_MOBILE.match(value) or LANDLINE.match(value)):
            problems.append(
                FieldProblem(
                    field=spec.key,
                    message_zh=f"“{label}”格式不正确：请填写11位手机号或带区号的固定电话",
                    message_en=f"{spec.key} is not a valid mobile or landline number",
                )
            )
        if spec.kind == FieldKind.ID_NUMBER and not ID_NUMBER.match(value):
            problems.append(
                FieldProblem(
                    field=spec.key,
                    message_zh=f"“{label}”须为18位身份证号",
                    message_en=f"{spec.key} must be an 18-character ID number",
                )
            )
        if spec.kind == FieldKind.EMAIL and not EMAIL.match(value):
            problems.append(
                FieldProblem(
                    field=spec.key,
                    message_zh=f"“{label}”格式不正确",
                    message_en=f"{spec.key} is not a valid e-mail address",
                )
            )
    return problems


def public_form(campaign: Campaign, form: dict[str, Any]) -> dict[str, Any]:
    """The form without personal fields: what may leave intake."""
    personal = {f.key for f in campaign.form if f.personal}
    return {k: v for k, v in form.items() if k not in personal}
