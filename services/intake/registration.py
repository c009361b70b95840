"""May this entry be registered, and registering it.

The rules are pure functions over the campaign, the user and the submission models: the
window, the form (each problem names its field, Chinese first, so a page shows it next to the
field), the group, the unit an entry is registered for, and the per-person limit.
``register_entry`` applies them in that order around a ``SubmissionStore`` and the unit tree,
so the unit tier checks every refusal with fakes (tests/unit/intake/test_registering.py)."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from contracts import Attribution
from contracts.campaign import Campaign, FieldKind, FormField
from services.common.errors import ServiceError
from services.intake.accounts import User
from services.intake.limits import person_keys
from services.intake.materials import series_of
from services.intake.submission_store import Submission, SubmissionStore
from services.intake.window import registration_refusal

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?$")
ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FieldProblem(BaseModel):
    field: str
    message_zh: str
    message_en: str


def check_entry(campaign: Campaign, form: dict[str, Any], group: str | None) -> list[FieldProblem]:
    """Every problem of a registration, each naming its field: the one check the page and the API
    share (the page only shows its answers), so no client registers an entry no round can place."""
    return check_form(campaign, form) + _group_problems(campaign, group)


def check_form(campaign: Campaign, form: dict[str, Any]) -> list[FieldProblem]:
    """The form's problems: each field's own value, a 栏目 of its 版块 (Hunan), and the fields the
    chosen series requires (Shanxi)."""
    problems: list[FieldProblem] = []
    known = {f.key for f in campaign.form}
    for key in form:
        if key not in known:
            problems.append(
                FieldProblem(field=key, message_zh=f"未知字段“{key}”", message_en=f"unknown field {key!r}")
            )
    series = campaign.series_named(str(form.get("series") or "").strip() or None)
    for spec in campaign.form:
        value = str(form.get(spec.key) or "").strip()
        required_by = series.name if series and spec.key in series.required_fields else None
        if required_by and not spec.required:
            spec = spec.model_copy(update={"required": True})
        else:
            required_by = None
        for zh, en in _value_problems(spec, value, required_by):
            problems.append(FieldProblem(field=spec.key, message_zh=zh, message_en=en))
    return problems + _subcolumn_problems(campaign, form)


def _group_problems(campaign: Campaign, group: str | None) -> list[FieldProblem]:
    if not campaign.groups or group in campaign.groups:
        return []
    zh = f"组别须为：{'、'.join(campaign.groups)}" if group else "请选择组别"
    return [FieldProblem(field="group", message_zh=zh, message_en="choose one of the campaign's groups")]


def _subcolumn_problems(campaign: Campaign, form: dict[str, Any]) -> list[FieldProblem]:
    """A 栏目 must be one of its 版块's: 德育/劳动光荣 is a pair no round can place."""
    section, column = (str(form.get(k) or "").strip() for k in ("category", "subcolumn"))
    chosen = next((c for c in campaign.categories if c.name == section), None)
    if not column or chosen is None or not chosen.subcolumns or column in chosen.subcolumns:
        return []
    return [
        FieldProblem(
            field="subcolumn",
            message_zh=f"“{section}”版块的栏目须为：{'、'.join(chosen.subcolumns)}",
            message_en=f"{column!r} is not a column of the section {section!r}",
        )
    ]


def _value_problems(spec: FormField, value: str, series: str | None = None) -> list[tuple[str, str]]:
    """What is wrong with one field's (stripped) value, Chinese then English."""
    label, key = spec.label, spec.key
    if not value:
        if not spec.required:
            return []
        if series:
            return [(f"“{series}”系列须填写“{label}”", f"{key} is required for the series {series!r}")]
        return [(f"请填写“{label}”", f"{key} is required")]
    found: list[tuple[str, str]] = []
    if spec.max_length is not None and len(value) > spec.max_length:
        found.append((f"“{label}”不能超过{spec.max_length}字", f"{key} exceeds {spec.max_length} characters"))
    if spec.kind == FieldKind.CHOICE and spec.choices and value not in spec.choices:
        found.append((f"“{label}”须为：{'、'.join(spec.choices)}", f"{key} must be one of {spec.choices}"))
    if spec.kind == FieldKind.PHONE and not (MAINLAND_MOBILE.match(value) or LANDLINE.match(value)):
        found.append(
            (
                f"“{label}”格式不正确：请填写11位手机号或带区号的固定电话",
                f"{key} is not a valid mobile or landline number",
            )
        )
    if spec.kind == FieldKind.ID_NUMBER and not ID_NUMBER.match(value):
        found.append((f"“{label}”须为18位身份证号", f"{key} must be an 18-character ID number"))
    if spec.kind == FieldKind.EMAIL and not EMAIL.match(value):
        found.append((f"“{label}”格式不正确", f"{key} is not a valid e-mail address"))
    return found


def public_form(campaign: Campaign, form: dict[str, Any]) -> dict[str, Any]:
    """The form without personal fields: what may leave intake."""
    personal = {f.key for f in campaign.form if f.personal}
    return {k: v for k, v in form.items() if k not in personal}


# Form keys an entry's events carry in fields of their own (EntryInfo, Submission.series).
CARRIED = frozenset({"title", "category", "subcolumn", "summary", "series"})


def entry_details(campaign: Campaign, form: dict[str, Any]) -> dict[str, str]:
    """The public fields the events carry as ``EntryInfo.details``: what a 推荐表 or a platform's
    form asks beyond title, section and summary (Hunan's 制作方, 版权方, 格式, 备注, 填表单位)."""
    public = public_form(campaign, form)
    return {k: str(v).strip() for k, v in public.items() if k not in CARRIED and str(v or "").strip()}


class UnitTree(Protocol):
    """The organisation tree (``unit_store.UnitStore``): a unit is ``{_id, name, path, ...}``."""

    async def require(self, code: str) -> dict[str, Any]: ...

    async def names_and_levels(self, codes: list[str]) -> tuple[list[str], list[str]]: ...


def refuse_entry(
    campaign: Campaign,
    form: dict[str, Any],
    group: str | None,
    now: datetime | None,
    unit_path: Sequence[str] = (),
) -> None:
    """What is wrong with the entry itself, whoever registers it: the window (the campaign's, or
    the later end an extension grants the unit at the end of ``unit_path``), the form, the group."""
    if refusal := registration_refusal(campaign, now, unit_path):
        raise refusal
    problems = check_entry(campaign, form, group)
    if problems:
        raise ServiceError(
            422, "报名表有误", "the registration form has errors", fields=[p.model_dump() for p in problems]
        )


def unit_asked(user: User, unit_code: str | None) -> str:
    """The unit an entry is registered for: an entrant's own, else the one the admin chose."""
    if user.role == "entrant":
        if unit_code not in (None, user.unit_code) or user.unit_code is None:
            raise ServiceError(403, "参赛者只能以本人所在单位报名", "entrants register with their own unit")
        return user.unit_code
    if unit_code is None:
        raise ServiceError(422, "请选择报送单位（unit_code）", "unit_code is required", field="unit_code")
    return unit_code


def refuse_unit(user: User, unit_path: list[str]) -> None:
    if user.role == "unit_admin" and not user.over(unit_path):
        raise ServiceError(403, "只能为本单位及下级单位报名", "only for your own unit and the units below it")


def refuse_over_limit(campaign: Campaign, counted: Sequence[Submission]) -> None:
    """Each person's place (每人限报N件): ``counted`` are the entries already held against them.

    The refusal names no entry: whoever types a name and phone would otherwise learn that person's
    titles and ids. The entrant sees their own entries on their dashboard."""
    limit = campaign.per_person_limit
    if limit is None or len(counted) < limit:
        return
    raise ServiceError(409, f"每人限报{limit}件作品，已达上限", f"the limit of {limit} per person is reached")


async def register_entry(
    store: SubmissionStore,
    units: UnitTree,
    campaign: Campaign,
    user: User,
    *,
    submission_id: str,
    form: dict[str, Any],
    group: str | None = None,
    unit_code: str | None = None,
    now: datetime | None = None,
) -> Submission:
    """Register an entry (no file yet) for ``user``, or refuse with the first rule it breaks: who
    may register for the unit first (403), then the entry itself (the unit's window: 403, the
    form: 422). The unit comes first so that a county's extension lets its entries register too."""
    unit = await units.require(unit_asked(user, unit_code))
    refuse_unit(user, unit["path"])
    refuse_entry(campaign, form, group, now, unit["path"])
    owner = user.id if user.role == "entrant" else None
    keys = person_keys(campaign, form, owner)
    if campaign.per_person_limit is not None and keys:
        refuse_over_limit(campaign, await store.counted_against(campaign.id, keys))
    series = series_of(campaign, form)
    path_names, path_levels = await units.names_and_levels(unit["path"])
    submission = Submission(
        id=submission_id,
        campaign_id=campaign.id,
        form=form,
        group=group,
        series=series.key if series else None,
        details=entry_details(campaign, form),
        attribution=Attribution(
            unit_code=unit["_id"],
            unit_name=unit["name"],
            unit_path=unit["path"],
            unit_path_names=path_names,
            unit_path_levels=path_levels,
            author=author_of(form),
        ),
        owner=owner,
        registered_by=user.id,
        person_keys=keys,
        created_at=now or datetime.now(UTC),
    )
    await store.add(submission)
    return submission


def author_of(form: dict[str, Any]) -> str | None:
    """The author's name as the form calls it (姓名, 作者姓名, 主讲人姓名); never the contact person."""
    return next((str(form[k]) for k in ("name", "author_name", "speaker_name") if form.get(k)), None)
