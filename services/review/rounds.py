"""Opening a level's round and staffing it: pools, automatic assignment, the chair's reassignment.

A round is ``<campaign>:<level>``. The first level takes every entry review has received; each
later level takes the entries the level below recommended, once that level is final, and keeps
their earlier levels (lineage, scores, ranks) on the entry. Assignment runs by itself when the
round opens if the level's experts are imported, and again on request until the first score."""

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contracts.campaign import Campaign, ReviewLevel
from services.common.errors import ServiceError
from services.review.assignment import AssignmentError, AssignmentResult, assign_reviewers, conflict_reason
from services.review.assignment import reassign as swap
from services.review.eligibility import (
    assignment_settings,
    declared,
    placement,
    to_review,
    to_reviewer,
)
from services.review.pooling import pool_key, pool_labels, pool_problems

if TYPE_CHECKING:
    from services.review.app import ReviewService

OPEN, NOTICE, FINAL = "open", "notice", "finalised"


def level_of(campaign: Campaign, key: str) -> tuple[int, ReviewLevel]:
    for i, level in enumerate(campaign.review_levels):
        if level.key == key:
            return i, level
    keys = ", ".join(lv.key for lv in campaign.review_levels)
    raise ServiceError(
        404, f"本活动没有评审级别“{key}”（可选：{keys}）", f"no review level {key!r}; have {keys}"
    )


async def context(svc: "ReviewService", round_id: str) -> tuple[dict[str, Any], Campaign, int, ReviewLevel]:
    rnd = await svc.rounds.find_one({"_id": round_id})
    if rnd is None:
        raise ServiceError(404, "评审轮次不存在", f"no round {round_id}")
    campaign = await svc.campaign(rnd["campaign_id"])
    index, level = level_of(campaign, rnd["level"])
    return rnd, campaign, index, level


def require_open(rnd: dict[str, Any]) -> None:
    if rnd["state"] == FINAL:
        raise ServiceError(409, "本轮评审已定稿，不能再修改", "the round is finalised: nothing can change")
    if rnd["state"] != OPEN:
        raise ServiceError(
            409, "本轮评审正在公示，不能修改评分或分配", "the round is in public notice: no changes"
        )


def shortfall_report(
    result: AssignmentResult, pools: dict[str, str], labels: dict[str, str], k: int
) -> dict[str, Any]:
    """``labels``: each pool as the chair reads it (``延吉市/小学组``; 全部作品 when nothing is pooled)."""
    by_pool: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for s in result.shortfalls:
        by_pool[pools[s.submission_id]] += 1
        missing[pools[s.submission_id]] += s.missing
    rows = [
        {"pool": p, "pool_label": labels.get(p, p), "entries_short": n, "reviews_missing": missing[p]}
        for p, n in sorted(by_pool.items())
    ]
    zh = "；".join(
        f"“{r['pool_label']}”有 {r['entries_short']} 件作品缺 {r['reviews_missing']} 人次" for r in rows
    )
    en = "; ".join(
        f"{r['pool']}: {r['entries_short']} entries short by {r['reviews_missing']} reviews" for r in rows
    )
    return {
        "complete": result.complete,
        "reviews_per_entry": k,
        "shortfalls": rows,
        "entries_short": [
            {"submission_id": s.submission_id, "missing": s.missing} for s in result.shortfalls
        ],
        "message_zh": f"可用评审不足：{zh}（请补充专家或调整回避设置）" if rows else "每件作品均已分配评审",
        "message_en": f"not enough eligible reviewers: {en}" if rows else "every entry has its reviewers",
        "loads": result.loads,
    }


async def open_round(
    svc: "ReviewService", campaign_id: str, level_key: str, who: dict[str, str]
) -> dict[str, Any]:
    campaign = await svc.campaign(campaign_id)
    index, level = level_of(campaign, level_key)
    round_id = f"{campaign_id}:{level_key}"
    if await svc.rounds.find_one({"_id": round_id}, {"_id": 1}):
        raise ServiceError(409, f"{level.name}已开启", f"the {level_key} round is already open")
    query: dict[str, Any] = {"campaign_id": campaign_id, "ready": True}
    if index > 0:
        below = campaign.review_levels[index - 1]
        previous = await svc.rounds.find_one({"_id": f"{campaign_id}:{below.key}"}, {"state": 1})
        if previous is None or previous["state"] != FINAL:
            raise ServiceError(
                409, f"{below.name}尚未定稿，不能开启{level.name}", f"the {below.key} round is not final yet"
            )
        query[f"levels.{below.key}.outcome"] = "recommended"
    docs = [d async for d in svc.entries.find(query).sort([("ready_at", 1), ("_id", 1)])]
    problems = pool_problems(campaign, level, [placement(d) for d in docs])
    if problems:
        raise ServiceError(
            422,
            f"有 {len(problems)} 件作品无法确定评审分组，请先在报名信息中补全",
            f"{len(problems)} entries cannot be pooled: fix their registration first",
            problems=problems,
        )
    pools = {d["_id"]: pool_key(level, placement(d)) for d in docs}
    await svc.rounds.insert_one(
        {
            "_id": round_id,
            "campaign_id": campaign_id,
            "level": level_key,
            "state": OPEN,
            "submission_ids": list(pools),
            "pools": pools,
            "assignments": {},
            "choices": {"awards": {}, "recommend": [], "confirmed": False},
            "opened_at": datetime.now(UTC),
        }
    )
    await svc.audit.record(
        who, "round.opened", campaign_id=campaign_id, round_id=round_id, entries=len(pools)
    )
    answer: dict[str, Any] = {
        "round_id": round_id,
        "level": level_key,
        "entries": len(pools),
        "pools": dict(Counter(pools.values())),
        "warnings": _window_warnings(level),
    }
    if await svc.experts.count_documents({"campaign_id": campaign_id, "level": level_key}):
        answer["assignment"] = await assign(svc, round_id, who)
    return answer


def _window_warnings(level: ReviewLevel) -> list[dict[str, str]]:
    today = datetime.now(UTC).date()
    w = level.window
    if w is None or (w.starts <= today and (w.ends is None or today <= w.ends)):
        return []
    span = f"{w.starts}—{w.ends or ''}"
    return [{"message_zh": f"今天不在{level.name}时间（{span}）内", "message_en": f"today is outside {span}"}]


async def assign(svc: "ReviewService", round_id: str, who: dict[str, str]) -> dict[str, Any]:
    """Automatic assignment (min-cost flow) of the level's k reviewers to every entry of the round."""
    rnd, campaign, _, level = await context(svc, round_id)
    require_open(rnd)
    if await svc.scores.count_documents({"round_id": round_id}, limit=1):
        raise ServiceError(
            409, "已有评审开始打分，不能重新自动分配；请由组长人工改派", "scoring has begun: use reassignment"
        )
    experts = [x async for x in svc.experts.find({"campaign_id": rnd["campaign_id"], "level": rnd["level"]})]
    docs = [d async for d in svc.entries.find({"_id": {"$in": rnd["submission_ids"]}})]
    entries = [to_review(level, placement(d)) for d in docs]
    panels = {e.pool for e in entries}
    reviewers = [to_reviewer(x, panels) for x in experts]
    settings = assignment_settings(campaign, level)
    result = await asyncio.to_thread(assign_reviewers, entries, reviewers, declared(experts), settings)
    labels = pool_labels(rnd["pools"].values(), docs)
    report = shortfall_report(result, rnd["pools"], labels, settings.reviews_per_entry)
    stored = {k: v for k, v in report.items() if k != "loads"}
    await svc.rounds.update_one(
        {"_id": round_id, "state": OPEN},
        {
            "$set": {
                "assignments": {s: list(r) for s, r in result.assignments.items()},
                "assignment_report": stored,
            }
        },
    )
    await svc.audit.record(
        who, "round.assigned", campaign_id=rnd["campaign_id"], round_id=round_id, complete=result.complete,
        shortfalls=report["shortfalls"],
    )  # fmt: skip
    return report


async def reassign(
    svc: "ReviewService", round_id: str, submission_id: str, old: str, new: str, who: dict[str, str]
) -> list[str]:
    """The chair swaps one reviewer of an entry for another (or fills a gap: ``old`` empty)."""
    rnd, campaign, _, level = await context(svc, round_id)
    require_open(rnd)
    if submission_id not in rnd["pools"]:
        raise ServiceError(404, "该作品不在本轮评审中", "the entry is not in this round")
    expert = await svc.experts.find_one(
        {"_id": new, "campaign_id": rnd["campaign_id"], "level": rnd["level"]}
    )
    if expert is None:
        raise ServiceError(404, f"本级没有评审专家 {new}", f"no expert {new} at this level")
    doc = await svc.entries.find_one({"_id": submission_id})
    assert doc is not None
    entry = to_review(level, placement(doc))
    current = list(rnd["assignments"].get(submission_id, []))
    reviewer = to_reviewer(expert, {entry.pool})
    settings = assignment_settings(campaign, level)
    try:
        if old:
            updated = list(
                swap({submission_id: current}, entry, old, reviewer, declared([expert]), settings)[
                    submission_id
                ]
            )
        else:
            reason = conflict_reason(reviewer, entry, declared([expert]), settings)
            if reason is not None or new in current:
                why = reason or ("该评审已在评此作品", "already reviews this entry")
                raise AssignmentError(
                    f"不能将作品改派给评审 {new}：{why[0]}", f"cannot give it to {new}: {why[1]}"
                )
            updated = sorted([*current, new])
    except AssignmentError as exc:
        raise ServiceError(422, exc.zh, exc.en) from exc
    was: Any = current if submission_id in rnd["assignments"] else {"$exists": False}
    done = await svc.rounds.update_one(
        {"_id": round_id, "state": OPEN, f"assignments.{submission_id}": was},
        {"$set": {f"assignments.{submission_id}": updated}},
    )
    if done.modified_count != 1:
        raise ServiceError(
            409, "分配已被他人修改，请刷新后重试", "the assignment changed meanwhile: reload and retry"
        )
    await svc.audit.record(
        who, "assignment.changed", campaign_id=rnd["campaign_id"], round_id=round_id,
        submission_id=submission_id, removed=old or None, added=new,
    )  # fmt: skip
    return updated
