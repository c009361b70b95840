"""The entries a review level recommended upward, as rows of Hunan's 推荐表 (services/common/
recommendation_form.py), filled where the phone is.

The recommending unit stamps the 推荐表 and sends it up with its 联系人 and 联系电话. The phone is
personal: it never leaves intake (no event carries it), so review's copy for the chair leaves it
blank and this one, written by intake, fills it from the form (decision 0034). Intake knows each
level's final outcome from the ``reviewed`` events its status view keeps (sent when a level is
finalised; after an appeal the latest counts), so the rows need nothing from review's store."""

from typing import Any

from contracts.campaign import Campaign, ReviewLevel
from services.common.errors import ServiceError
from services.intake.registration import author_of

REVIEWED = "submission.reviewed"
OUTCOME_FIELDS = {"form": 1, "attribution": 1, "timeline": 1}


def level_named(campaign: Campaign, key: str) -> ReviewLevel:
    level = next((lv for lv in campaign.review_levels if lv.key == key), None)
    if level is None:
        have = [lv.key for lv in campaign.review_levels]
        raise ServiceError(
            404, f"活动没有评审级别“{key}”，可选：{'、'.join(have)}", f"no review level {key!r}; have {have}"
        )
    return level


def recommended_query(campaign: Campaign, level: ReviewLevel, scope: dict[str, Any]) -> dict[str, Any]:
    """The stored entries that have a final outcome at ``level`` (the caller's ``scope`` of them)."""
    at_level = {"$elemMatch": {"event_type": REVIEWED, "level": level.key}}
    return {"campaign_id": campaign.id, **scope, "timeline": at_level}


def final_outcome(sub: dict[str, Any], level: ReviewLevel) -> dict[str, Any] | None:
    """The entry's latest ``reviewed`` step at ``level``: its outcome, tier and rank."""
    steps = [
        s
        for s in sub.get("timeline") or []
        if s.get("event_type") == REVIEWED and s.get("level") == level.key
    ]
    return max(steps, key=lambda s: s["at"]) if steps else None


def recommendation_row(
    sub: dict[str, Any], step: dict[str, Any], unit_names: dict[str, str]
) -> dict[str, Any]:
    """One 推荐表 row: the entry's form (phone and contact included) and its outcome at the level.
    Its 填表单位 is the form's where it gives one, else the entry's unit at the level's unit level
    (``unit_names``: code -> name of the units at that level), else its own unit."""
    form, attribution = sub.get("form") or {}, sub.get("attribution") or {}
    recommending = next((unit_names[c] for c in attribution.get("unit_path") or [] if c in unit_names), None)
    return {
        "submission_id": sub["_id"],
        "title": str(form.get("title") or ""),
        "category": form.get("category"),
        "subcolumn": form.get("subcolumn"),
        "summary": form.get("summary"),
        "details": {k: str(v) for k, v in form.items() if v not in (None, "")},
        "author": author_of(form),
        "outcome": step.get("outcome"),
        "tier": step.get("award_tier"),
        "rank": step.get("rank") or 0,
        "filler": str(form.get("unit") or recommending or attribution.get("unit_name") or ""),
    }
