"""A campaign's statistics for its charts, counted in the store.

The per-unit counts and quotas are the dashboard's (``dashboard.summarise``, over one projected
read of the campaign's entries); entries by day, the most frequent findings and the awards per
unit are ``$group`` pipelines, so what leaves the store is a row per day, per problem or per
unit and tier, never the 10,000 entries a campaign may hold. Every count is of what the caller
may see: a unit admin's are of their subtree (``submission_scope``).

Findings are those of each entry's current version (an entry fixed by a new upload no longer
counts); awards are the ``reviewed`` events intake already keeps in each entry's timeline, the
last one per entry and level."""

from typing import TYPE_CHECKING, Any

from contracts.calendar import campaign_zone
from contracts.campaign import Campaign
from contracts.rule_labels import RULE_LABELS
from services.intake.accounts import User
from services.intake.auth import submission_scope
from services.intake.dashboard import bucket_of, summarise

if TYPE_CHECKING:
    from services.intake.app import IntakeService

TOP_FINDINGS = 10
# Rules whose expected value reads as "X is not Y" (帧率不是25帧/秒); others as "X: expected Y".
VALUE_RULES = {
    "video.container",
    "video.codec",
    "video.profile",
    "video.resolution",
    "video.aspect_ratio",
    "video.orientation",
    "video.frame_rate",
    "video.pixel_format",
    "audio.container",
    "audio.codec",
    "audio.sample_rate",
    "audio.channels",
}


def problem_of(rule_id: str, expected: str) -> tuple[str, str]:
    """A finding named as a bureau's guide would: 帧率不是25帧/秒."""
    zh, en = RULE_LABELS.get(rule_id, (rule_id, rule_id))
    if rule_id in VALUE_RULES:
        return f"{zh}不是{expected.replace(' ', '')}", f"{en} is not {expected}"
    return f"{zh}不符合要求（要求：{expected}）", f"{en} does not meet the rule ({expected})"


Units = dict[str, dict[str, Any]]


async def visible_units(svc: "IntakeService", user: User) -> Units:
    """The units ``user``'s counts are of, by code: a unit admin's subtree, else every unit."""
    under = user.unit_code if user.role == "unit_admin" else None
    return {u["_id"]: u for u in await svc.units.list(under=under)}


async def unit_summary(
    svc: "IntakeService", campaign: Campaign, user: User, level: str | None, units: Units | None = None
) -> dict[str, Any]:
    """The dashboard's counts: by stage, approval, group, category, and per unit with its quotas.
    ``units``: ``visible_units`` where the caller has read them already."""
    fields = {"stage": 1, "approval": 1, "group": 1, "form.category": 1, "attribution": 1, "series": 1}
    fields["questions"] = 1  # quotas of quiz sets count their questions
    subs = await svc.submissions.find(
        {"campaign_id": campaign.id, **submission_scope(user)}, fields
    ).to_list()
    if units is None:
        units = await visible_units(svc, user)
    return summarise(campaign, subs, units, level)


async def _grouped(svc: "IntakeService", pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(await (await svc.submissions.aggregate(pipeline)).to_list())


async def by_day(svc: "IntakeService", campaign: Campaign, match: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries registered per day of the campaign's calendar."""
    day = {
        "$dateToString": {
            "format": "%Y-%m-%d",
            "date": "$created_at",
            "timezone": str(campaign_zone(campaign)),
        }
    }
    rows = await _grouped(
        svc, [{"$match": match}, {"$group": {"_id": day, "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]
    )
    return [{"day": r["_id"], "entries": r["n"]} for r in rows]


async def top_findings(svc: "IntakeService", match: dict[str, Any]) -> list[dict[str, Any]]:
    """The errors most entries have, each counted once per entry."""
    error = {"findings.severity": "error"}
    per_entry = {"_id": {"sid": "$_id", "rule": "$findings.rule_id", "expected": "$findings.expected"}}
    rows = await _grouped(
        svc,
        [
            {"$match": {**match, **error}},
            {"$project": {"findings": 1}},
            {"$unwind": "$findings"},
            {"$match": error},
            {"$group": per_entry},
            {"$group": {"_id": {"rule": "$_id.rule", "expected": "$_id.expected"}, "n": {"$sum": 1}}},
            {"$sort": {"n": -1, "_id.rule": 1}},
            {"$limit": TOP_FINDINGS},
        ],
    )
    out = []
    for r in rows:
        zh, en = problem_of(r["_id"]["rule"], r["_id"]["expected"])
        out.append({"rule_id": r["_id"]["rule"], "problem_zh": zh, "problem_en": en, "entries": r["n"]})
    return out


async def awards(
    svc: "IntakeService", units: Units, match: dict[str, Any], level: str | None
) -> list[dict[str, Any]]:
    """Awarded entries per unit (rolled up to ``level``), review level and tier."""
    reviewed = {"timeline.event_type": "submission.reviewed"}
    rows = await _grouped(
        svc,
        [
            {"$match": {**match, **reviewed}},
            {"$project": {"timeline": 1, "attribution.unit_path": 1}},
            {"$unwind": "$timeline"},
            {"$match": reviewed},
            # ``$last`` takes the group's last row in pipeline order: a redelivered or late
            # outcome may sit anywhere in the array, so order by when it happened first.
            {"$sort": {"timeline.at": 1}},
            {
                "$group": {
                    "_id": {"sid": "$_id", "level": "$timeline.level"},
                    "tier": {"$last": "$timeline.award_tier"},
                    "path": {"$first": "$attribution.unit_path"},
                }
            },
            {"$match": {"tier": {"$ne": None}}},
            {"$group": {"_id": {"level": "$_id.level", "tier": "$tier", "path": "$path"}, "n": {"$sum": 1}}},
        ],
    )
    counts: dict[tuple[str, str, str], int] = {}
    for r in rows:
        code = bucket_of(r["_id"]["path"] or [], units, level)
        if code is not None:
            key = (r["_id"]["level"], r["_id"]["tier"], code)
            counts[key] = counts.get(key, 0) + r["n"]
    return [
        {
            "level": lv,
            "tier": tier,
            "unit_code": code,
            "unit_name": units.get(code, {}).get("name", code),
            "entries": n,
        }
        for (lv, tier, code), n in sorted(counts.items())
    ]


def scope_of(campaign: Campaign, user: User) -> dict[str, Any]:
    """The ``$match`` of the entries ``user`` may count in ``campaign``."""
    return {"campaign_id": campaign.id, **submission_scope(user)}


async def statistics(
    svc: "IntakeService", campaign: Campaign, user: User, level: str | None
) -> dict[str, Any]:
    match = scope_of(campaign, user)
    units = await visible_units(svc, user)
    findings = await top_findings(svc, match)
    top = findings[0] if findings else None
    return {
        "campaign_id": campaign.id,
        "summary": await unit_summary(svc, campaign, user, level, units),
        "by_day": await by_day(svc, campaign, match),
        "findings": findings,
        "headline_zh": f"本次活动最常见问题：{top['problem_zh']}（{top['entries']}件）" if top else None,
        "headline_en": f"The most frequent problem: {top['problem_en']} ({top['entries']})" if top else None,
        "awards": await awards(svc, units, match, level),
        "award_tiers": tier_order(campaign),
    }


def tier_order(campaign: Campaign) -> list[str]:
    """Award tier names, highest first, as the levels (then the series) name them."""
    names = [t.name for lv in campaign.review_levels for t in lv.outcome.tiers]
    names += [t.name for s in campaign.series for tiers in s.tiers.values() for t in tiers]
    return list(dict.fromkeys(names))
