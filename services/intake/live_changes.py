"""A live change of a running campaign (issue 14, decision 0027), as pure functions.

A campaign admin changes what a notice may change after it opened: the upload window (for
everyone, or for one unit's subtree), review windows, ``showcase_from``, award settings of a
level, a target's URL or ``publish_at``, always with a reason. The change makes the next version
(``live.revision``) of the definition; ``change_api.py`` stores it with its audit record and
announces it with ``campaign.defined``. What is already decided is never rewritten: a change that
a finalised level or a sent publication contradicts is refused, with the reason (``conflicts``)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.calendar import publishable_from
from contracts.campaign import Campaign, UnitExtension, notification_problems, unknown_fields
from services.common.errors import ServiceError
from services.intake.presets import InvalidCampaign

MAX_REASON = 500


class Dates(BaseModel):
    """A window as a request gives it; that it ends after it starts is checked with the rest of the
    campaign (JSON Schema cannot say it) and refused with a message."""

    model_config = ConfigDict(extra="forbid")

    starts: date
    ends: date | None = Field(default=None, description="None: open-ended")


class Extension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=40, description="Unit code: the unit and every unit under it")
    ends: date = Field(description="Its last upload day, in the campaign's calendar")


MAX_KEYS = 50  # levels or targets one change names: a campaign has a handful


class TargetChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2048, description="The platform's new address")
    publish_at: date | None = Field(default=None, description="The first day works go out there")


class CampaignChange(BaseModel):
    """One live change: what changes (each part optional) and why."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=MAX_REASON, description="Why (shown in the audit list)")
    upload_window: Dates | None = None
    unit_extension: Extension | None = Field(
        default=None, description="A later upload deadline for one unit and every unit under it"
    )
    review_windows: dict[str, Dates] = Field(
        default_factory=dict, max_length=MAX_KEYS, description="Level key -> window"
    )
    showcase_from: date | None = None
    outcomes: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        max_length=MAX_KEYS,
        description="Level key -> the award settings (fields of the campaign's Outcome) that change",
    )
    targets: dict[str, TargetChange] = Field(
        default_factory=dict, max_length=MAX_KEYS, description="Target key -> change"
    )


@dataclass(frozen=True)
class Decided:
    """What the campaign has already decided, as intake's status view knows it."""

    final_levels: set[str] = field(default_factory=set)  # levels with a reviewed (final) outcome
    first_sent: dict[str, datetime] = field(default_factory=dict)  # target key -> its first publication


def _unknown(kind: str, key: str, have: list[str]) -> ServiceError:
    return ServiceError(
        422, f"活动没有{kind}“{key}”，可选：{'、'.join(have)}", f"no {kind} {key!r}; have {have}"
    )


def changed(campaign: Campaign, change: CampaignChange) -> tuple[Campaign, list[dict[str, Any]]]:
    """The next version of the campaign, and what changed in it (field, before, after)."""
    spec = campaign.model_dump(mode="json")
    diff: list[dict[str, Any]] = []

    def put(path: str, holder: dict[str, Any], key: str, value: Any) -> None:
        if holder.get(key) != value:
            diff.append({"field": path, "before": holder.get(key), "after": value})
            holder[key] = value

    if change.upload_window is not None:
        put("upload_window", spec, "upload_window", change.upload_window.model_dump(mode="json"))
    if change.unit_extension is not None:
        extension = UnitExtension(**change.unit_extension.model_dump(), reason=change.reason)
        kept = [x for x in spec["live"]["unit_extensions"] if x["unit"] != extension.unit]
        before = next((x for x in spec["live"]["unit_extensions"] if x["unit"] == extension.unit), None)
        spec["live"]["unit_extensions"] = [*kept, extension.model_dump(mode="json")]
        diff.append(
            {
                "field": f"unit_extensions.{extension.unit}",
                "before": before,
                "after": extension.ends.isoformat(),
            }
        )
    levels = {lv["key"]: lv for lv in spec["review_levels"]}
    for key, window in change.review_windows.items():
        if key not in levels:
            raise _unknown("评审级别", key, list(levels))
        put(f"review_levels.{key}.window", levels[key], "window", window.model_dump(mode="json"))
    for key, outcome in change.outcomes.items():
        if key not in levels:
            raise _unknown("评审级别", key, list(levels))
        put(f"review_levels.{key}.outcome", levels[key], "outcome", {**levels[key]["outcome"], **outcome})
    if change.showcase_from is not None:
        put("showcase_from", spec, "showcase_from", change.showcase_from.isoformat())
    targets = {t["key"]: t for t in spec["publication_targets"]}
    for key, target in change.targets.items():
        if key not in targets:
            raise _unknown("发布平台", key, list(targets))
        if target.url is not None:
            put(f"publication_targets.{key}.url", targets[key], "url", target.url)
        if target.publish_at is not None:
            day = target.publish_at.isoformat()
            put(f"publication_targets.{key}.publish_at", targets[key], "publish_at", day)
    if not diff:
        raise ServiceError(422, "没有任何改动", "the change changes nothing")
    spec["live"]["revision"] = campaign.live.revision + 1
    try:
        campaign = Campaign.model_validate(spec)
    except ValidationError as exc:
        problems = InvalidCampaign.from_validation_error(exc).problems
        raise ServiceError(
            422, "修改后的活动定义有误", "the changed definition is invalid", problems=problems
        ) from exc
    if unknown := unknown_fields(campaign):
        raise ServiceError(422, f"未知字段：{'、'.join(unknown)}", "unknown fields", problems=unknown)
    if problems := notification_problems(campaign):
        raise ServiceError(422, "通知设置有误", "the notification settings are invalid", problems=problems)
    return campaign, diff


def conflicts(before: Campaign, after: Campaign, decided: Decided) -> list[tuple[str, str]]:
    """Why the change would rewrite what is decided (Chinese, English); empty when it does not."""
    found: list[tuple[str, str]] = []
    old_levels = {lv.key: lv for lv in before.review_levels}
    for level in after.review_levels:
        old = old_levels[level.key]
        if level.key in decided.final_levels and (level.window, level.outcome) != (old.window, old.outcome):
            found.append(
                (
                    f"{level.name}已定稿，其评审时间和评奖设置不能再改",
                    f"the {level.key} round is finalised: its window and award settings are fixed",
                )
            )
    first = before.review_levels[0] if before.review_levels else None
    upload_moved = (before.upload_window, before.live.unit_extensions) != (
        after.upload_window,
        after.live.unit_extensions,
    )
    if first is not None and first.key in decided.final_levels and upload_moved:
        found.append(
            (
                f"{first.name}已定稿，之后上传的作品无法参评，上传时间不能再改",
                f"the {first.key} round is finalised: entries uploaded now could not be reviewed",
            )
        )
    old_targets = {t.key: t for t in before.publication_targets}
    for target in after.publication_targets:
        sent = decided.first_sent.get(target.key)
        start = publishable_from(after, target)
        if sent is None or start is None or start == publishable_from(before, old_targets[target.key]):
            continue
        if start > sent:
            found.append(
                (
                    f"已有作品于{sent.date()}发布到“{target.name}”，发布日期不能改到其后",
                    f"works went out to {target.key} on {sent.date()}: its publication date cannot follow it",
                )
            )
    return found


def refuse_conflicts(before: Campaign, after: Campaign, decided: Decided) -> None:
    found = conflicts(before, after, decided)
    if found:
        raise ServiceError(
            422,
            "此修改与已定结果冲突：" + "；".join(zh for zh, _ in found),
            "the change contradicts what is decided: " + "; ".join(en for _, en in found),
            conflicts=[{"message_zh": zh, "message_en": en} for zh, en in found],
        )
