"""Opening a level's round and staffing it: pools, automatic assignment, the chair's reassignment.

A round is one unit's, ``<campaign>:<level>:<unit>`` (opened by that unit's admins or a campaign
admin), or the whole campaign's, ``<campaign>:<level>`` (decision 0031). It takes the entries of its
subtree that its level applies to and the lower levels sent up, once the lower rounds they wait for
are final (``unit_gate.py``), and keeps their earlier levels (lineage, scores, ranks) on the entry.
Assignment runs by itself when the round opens if the level's experts are imported, and again on
request until the first score.

The routes call ``open_round``, ``assign`` and ``reassign`` with the service; each reads the
campaign and hands a ``RoundStore`` to the function that does the work, whose decisions are the
pure functions of ``opening.py``. The unit tier runs those with a fake store."""

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from contracts.calendar import campaign_today
from contracts.campaign import Campaign, ReviewLevel
from services.common.errors import ServiceError
from services.review.assignment_notices import announce
from services.review.opening import (
    check_open,
    level_of,
    new_round,
    opening_answer,
    reassigned,
    refuse_opening,
    staff,
    unit_place,
)
from services.review.round_store import FINAL as FINAL
from services.review.round_store import NOTICE as NOTICE
from services.review.round_store import OPEN as OPEN
from services.review.round_store import MongoRoundStore, Round, RoundStore
from services.review.unit_gate import RoundStates, refuse_empty, refuse_waiting, select

if TYPE_CHECKING:
    from services.review.app import ReviewService


class Recorder(Protocol):
    """Who did what to a round (``audit.AuditLog``)."""

    async def record(
        self, who: dict[str, str], action: str, *, campaign_id: str, round_id: str | None = None, **what: Any
    ) -> None: ...


class RoundContext(NamedTuple):
    """A round's document with its campaign and level, read once per request and handed on."""

    rnd: dict[str, Any]
    campaign: Campaign
    level_index: int  # the level's place in the campaign's review_levels
    level: ReviewLevel

    @property
    def round_id(self) -> str:
        return str(self.rnd["_id"])


async def context(svc: "ReviewService", round_id: str) -> RoundContext:
    rnd = await svc.rounds.find_one({"_id": round_id})
    if rnd is None:
        raise _no_round(round_id)
    campaign = await svc.campaign(rnd["campaign_id"])
    index, level = level_of(campaign, rnd["level"])
    return RoundContext(rnd, campaign, index, level)


def require_open(rnd: dict[str, Any]) -> None:
    check_open(rnd["state"])


async def open_round(
    svc: "ReviewService",
    campaign_id: str,
    level_key: str,
    who: dict[str, str],
    unit: str | None = None,
    scope: str | None = None,
) -> dict[str, Any]:
    campaign = await svc.campaign(campaign_id)
    store = MongoRoundStore(svc.db)
    answer = await open_level(store, svc.audit, campaign, level_key, who, unit=unit, scope=scope)
    if "assignment" in answer and (rnd := await svc.rounds.find_one({"_id": answer["round_id"]})):
        await announce(svc, campaign, rnd)
    return answer


async def assign(svc: "ReviewService", at: RoundContext, who: dict[str, str]) -> dict[str, Any]:
    """Automatic assignment (min-cost flow) of the level's k reviewers to every entry of the round."""
    rnd = Round.model_validate(at.rnd)
    report = await staff_round(MongoRoundStore(svc.db), svc.audit, at.campaign, rnd, who)
    await announce(svc, at.campaign, at.rnd)
    return report


async def reassign(
    svc: "ReviewService", at: RoundContext, submission_id: str, old: str, new: str, who: dict[str, str]
) -> list[str]:
    """The chair swaps one reviewer of an entry for another (or fills a gap: ``old`` empty)."""
    rnd = Round.model_validate(at.rnd)
    store = MongoRoundStore(svc.db)
    updated = await change_reviewer(store, svc.audit, at.campaign, rnd, submission_id, old, new, who)
    await announce(svc, at.campaign, at.rnd, [old, new])
    return updated


# Like intake's register_entry in shape only: a use case's signature (store, campaign, who, now).
async def open_level(
    store: RoundStore,
    audit: Recorder,
    campaign: Campaign,
    level_key: str,
    who: dict[str, str],
    now: datetime | None = None,
    *,
    unit: str | None = None,
    scope: str | None = None,
) -> dict[str, Any]:
    """``unit``: that unit's round (None: the campaign's; a unit admin's own unit when ``scope``);
    ``scope``: the unit admin's unit, who may open only rounds of units at or below it."""
    now = now or datetime.now(UTC)
    index, level = level_of(campaign, level_key)
    unit = unit or scope
    existing = await store.level_rounds(campaign.id, level_key)
    entries = await store.ready_entries(campaign.id, unit)
    chosen = select(campaign, index, unit, entries, await lower_states(store, campaign, index))
    if unit is not None and not chosen.entries and not chosen.waiting:
        refuse_empty(level, unit)
    path, names = unit_place(chosen.entries, unit)
    # Who may, whether it is open already, what it waits for: before pooling every entry (the
    # costly part), and so a unit admin never sees another unit's entries in a pooling refusal.
    if scope is not None and scope not in path:
        raise not_your_unit()
    refuse_opening(level, unit, names[-1] if names else "", existing)
    refuse_waiting(level, chosen.waiting)
    rnd = new_round(campaign, level, chosen.entries, now, unit)
    await store.add(rnd)
    await audit.record(
        who, "round.opened", campaign_id=campaign.id, round_id=rnd.id, unit=unit, entries=len(rnd.pools)
    )
    answer = opening_answer(rnd, level, campaign_today(campaign, now))  # the notice's day, not UTC's
    if await store.has_experts(campaign.id, level_key):
        answer["assignment"] = await staff_round(store, audit, campaign, rnd, who)
    return answer


async def lower_states(store: RoundStore, campaign: Campaign, index: int) -> RoundStates:
    """The states of the rounds of every level below ``campaign.review_levels[index]``."""
    below = campaign.review_levels[:index]
    return RoundStates([r for lv in below for r in await store.level_rounds(campaign.id, lv.key)])


async def staff_round(
    store: RoundStore, audit: Recorder, campaign: Campaign, rnd: Round, who: dict[str, str]
) -> dict[str, Any]:
    _, level = level_of(campaign, rnd.level)
    check_open(rnd.state)
    if await store.scoring_began(rnd.id):
        raise ServiceError(
            409, "已有评审开始打分，不能重新自动分配；请由组长人工改派", "scoring has begun: use reassignment"
        )
    experts = await store.experts(rnd.campaign_id, rnd.level)
    entries = await store.entries(rnd.campaign_id, rnd.submission_ids)
    staffing = await asyncio.to_thread(staff, campaign, level, rnd, entries, experts)
    await store.set_assignments(rnd.id, staffing.assignments, staffing.stored_report)
    await audit.record(
        who, "round.assigned", campaign_id=rnd.campaign_id, round_id=rnd.id,
        complete=staffing.report["complete"], shortfalls=staffing.report["shortfalls"],
    )  # fmt: skip
    return staffing.report


async def change_reviewer(
    store: RoundStore,
    audit: Recorder,
    campaign: Campaign,
    rnd: Round,
    submission_id: str,
    old: str,
    new: str,
    who: dict[str, str],
) -> list[str]:
    _, level = level_of(campaign, rnd.level)
    check_open(rnd.state)
    current = await store.reviewers(rnd.id, submission_id)
    if current is None:
        raise ServiceError(404, "该作品不在本轮评审中", "the entry is not in this round")
    expert = await store.expert(new, rnd.campaign_id, rnd.level)
    if expert is None:
        raise ServiceError(404, f"本级没有评审专家 {new}", f"no expert {new} at this level")
    [entry] = await store.entries(rnd.campaign_id, [submission_id])
    updated = reassigned(campaign, level, entry, current, expert, old)
    if not await store.change_assignment(rnd.id, submission_id, current, updated):
        raise ServiceError(
            409, "分配已被他人修改，请刷新后重试", "the assignment changed meanwhile: reload and retry"
        )
    await audit.record(
        who, "assignment.changed", campaign_id=rnd.campaign_id, round_id=rnd.id,
        submission_id=submission_id, removed=old or None, added=new,
    )  # fmt: skip
    return updated


def not_your_unit() -> ServiceError:
    return ServiceError(
        403,
        "无权操作：只能管理本单位（含下级单位）的评审轮次",
        "not allowed: only the rounds of your own unit (or the units below it)",
    )


def _no_round(round_id: str) -> ServiceError:
    return ServiceError(404, "评审轮次不存在", f"no round {round_id}")
