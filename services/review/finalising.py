"""From scores to a frozen outcome: the proposal, the chair's choices, 公示 with appeals, finalising.

1. ``proposal``: the outcome the rules give now, with warnings, ties and what the chair must still
   choose; it carries a ``proposal_id`` (a hash of the decisions), so the chair can freeze exactly
   what they saw: a finalise or notice naming another id is refused.
2. Optional 公示 (``notice.py``): the proposal is frozen and published, appeals are resolved; the
   final freeze then needs the notice over and no appeal open.
3. ``finalise`` stores every entry's result and its ``submission.reviewed`` event in one transaction
   (``entries.levels.<level>``, the round's state, the outbox, the audit entry)."""

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import Attribution, EntryInfo, Rendition, SubmissionReviewed
from contracts.campaign import Campaign, ReviewLevel
from services.common.errors import ServiceError
from services.common.store import in_transaction
from services.review.awards import AwardSchemeError
from services.review.eligibility import placement
from services.review.outcomes import Scored, propose
from services.review.round_store import entries_by_id
from services.review.rounds import FINAL, OPEN, RoundContext, require_open
from services.review.series_rules import series_rules
from services.review.tables import aggregate_round, missing_scores, round_matrix

if TYPE_CHECKING:
    from services.review.app import ReviewService


def _scored(doc: dict[str, Any], score: float) -> Scored:
    p = placement(doc)
    return Scored(
        p.submission_id,
        score,
        doc["ready_at"],
        p.unit_path,
        p.unit_code,
        p.group,
        p.category,
        p.subcolumn,
        p.series,
        questions=(doc.get("entry") or {}).get("questions"),
        unit_levels=p.unit_levels,
    )


async def compute(
    svc: "ReviewService", rnd: dict[str, Any], campaign: Campaign, level: ReviewLevel
) -> dict[str, Any]:
    """The proposal as it stands; ``ready`` is False while scores are missing."""
    lists, matrix = await round_matrix(svc, rnd)
    missing = missing_scores(rnd, lists, matrix, level.reviewers_per_entry)
    base: dict[str, Any] = {
        "round_id": rnd["_id"],
        "level": level.key,
        "state": rnd["state"],
        "missing": missing,
    }
    if missing:
        return {**base, "ready": False, "decisions": {}}
    totals = aggregate_round(campaign, matrix)
    docs = await entries_by_id(svc.entries, rnd["campaign_id"], rnd["submission_ids"])
    choices = rnd.get("choices") or {}
    try:
        p = propose(
            level,
            [_scored(docs[sid], float(totals[sid])) for sid in rnd["submission_ids"]],
            series=series_rules(campaign, level),
            chosen=choices.get("awards") or {},
            added=choices.get("recommend") or [],
            confirmed=bool(choices.get("confirmed")),
        )
    except AwardSchemeError as exc:
        raise ServiceError(
            422, f"奖项或推荐方案无法执行：{exc.zh}", f"the award scheme cannot be met: {exc.en}"
        ) from exc
    decisions = {
        sid: {
            "outcome": d.outcome,
            "tier": d.award_tier,
            "rank": d.rank,
            "score": str(totals[sid]),
            "pool": p.pools[sid],
        }
        for sid, d in p.decisions.items()
    }
    digest = hashlib.sha256(json.dumps(decisions, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[
        :16
    ]
    return {
        **base,
        "ready": not p.pending,
        "proposal_id": digest,
        "decisions": decisions,
        "warnings": [{"message_zh": zh, "message_en": en} for zh, en in p.warnings],
        "pending": [{"message_zh": zh, "message_en": en} for zh, en in p.pending],
        "ties": p.ties,
    }


async def proposal(svc: "ReviewService", at: RoundContext) -> dict[str, Any]:
    rnd, campaign, _, level = at
    if rnd["state"] != OPEN:
        return {**rnd["frozen"], "state": rnd["state"], "notice": rnd.get("notice")}
    return await compute(svc, rnd, campaign, level)


def ready(p: dict[str, Any], proposal_id: str | None) -> None:
    if p["missing"]:
        raise ServiceError(
            409,
            f"尚有 {len(p['missing'])} 份评分未完成",
            f"{len(p['missing'])} scores are missing",
            missing=p["missing"],
        )
    if p["pending"]:
        raise ServiceError(
            409, p["pending"][0]["message_zh"], p["pending"][0]["message_en"], pending=p["pending"]
        )
    if proposal_id and proposal_id != p["proposal_id"]:
        raise ServiceError(
            409,
            "评审结果已变化，请重新查看拟定结果后再确认",
            "the proposal changed since you saw it: review it again",
            proposal_id=p["proposal_id"],
        )


async def set_choices(
    svc: "ReviewService", at: RoundContext, awards: dict[str, str], recommend: list[str], who: dict[str, str]
) -> dict[str, Any]:
    rnd, campaign, _, level = at
    round_id = at.round_id
    require_open(rnd)
    unknown = sorted((set(awards) | set(recommend)) - set(rnd["pools"]))
    if unknown:
        raise ServiceError(404, "以下作品不在本轮评审中", "entries not in this round", submission_ids=unknown)
    choices = {"awards": awards, "recommend": sorted(set(recommend)), "confirmed": True}
    trial = {**rnd, "choices": choices}
    await compute(svc, trial, campaign, level)  # refuses (422) a choice the rules do not allow
    await svc.rounds.update_one({"_id": round_id, "state": OPEN}, {"$set": {"choices": choices}})
    await svc.audit.record(
        who,
        "choices.set",
        campaign_id=rnd["campaign_id"],
        round_id=round_id,
        awards=awards,
        recommend=recommend,
    )
    return choices


async def finalise(
    svc: "ReviewService", at: RoundContext, who: dict[str, str], proposal_id: str | None = None
) -> dict[str, Any]:
    rnd, campaign, _, level = at
    round_id = at.round_id
    if rnd["state"] == FINAL:
        raise ServiceError(409, "本轮评审已定稿，不能重复定稿", "the round is already finalised")
    if rnd["state"] == OPEN:
        if level.public_notice_days is not None:
            raise ServiceError(
                409, "本级须先公示，公示期满后方可定稿", "this level needs its public notice first"
            )
        p = await compute(svc, rnd, campaign, level)
        ready(p, proposal_id)
    else:
        p = rnd["frozen"]
        if datetime.now(UTC) < rnd["notice"]["ends_at"]:
            raise ServiceError(409, "公示期未满，不能定稿", "the public notice has not ended yet")
        if await svc.appeals.count_documents({"round_id": round_id, "state": "open"}):
            raise ServiceError(409, "尚有未处理的异议", "appeals are still open")
    docs = await entries_by_id(svc.entries, rnd["campaign_id"], rnd["submission_ids"])
    events = [_reviewed(svc.name, docs[sid], level, d) for sid, d in p["decisions"].items()]
    now = datetime.now(UTC)
    stamp = {"round_id": round_id, "at": now}

    async def work(session: AsyncClientSession) -> None:
        done = await svc.rounds.update_one(
            {"_id": round_id, "state": rnd["state"]},
            {"$set": {"state": FINAL, "finalised_at": now, "frozen": p}},
            session=session,
        )
        if done.modified_count != 1:
            raise ServiceError(409, "本轮评审已定稿，不能重复定稿", "the round is already finalised")
        results = [
            UpdateOne(
                {"_id": sid}, {"$set": {f"levels.{level.key}": {**d, **stamp, "score": float(d["score"])}}}
            )
            for sid, d in p["decisions"].items()
        ]  # one request for the round's results, not one per entry
        await svc.entries.bulk_write(results, ordered=False, session=session)
        # One insert for the round's events, each caused by its entry's own event (duplicates re-arm it).
        caused = [(docs[e.submission_id]["source_event"], [e]) for e in events]
        await svc.outbox.add_caused(caused, session)
        await svc.audit.record(
            who, "round.finalised", campaign_id=rnd["campaign_id"], round_id=round_id,
            proposal_id=p["proposal_id"], entries=len(events), session=session,
        )  # fmt: skip

    await in_transaction(svc.deps.client, work)
    return {
        "round_id": round_id,
        "state": FINAL,
        "proposal_id": p["proposal_id"],
        "decisions": p["decisions"],
    }


def _reviewed(
    producer: str, doc: dict[str, Any], level: ReviewLevel, d: dict[str, Any]
) -> SubmissionReviewed:
    return SubmissionReviewed(
        submission_id=doc["_id"],
        campaign_id=doc["campaign_id"],
        correlation_id=doc["correlation_id"],
        producer=producer,
        entry=EntryInfo.model_validate(doc["entry"]),
        attribution=Attribution.model_validate(doc["attribution"]),
        level=level.key,
        outcome=d["outcome"],
        award_tier=d["tier"],
        rank=d["rank"],
        score=float(d["score"]),
        renditions=[Rendition.model_validate(r) for r in doc["renditions"]],
    )
