"""The public notice (公示) before a level's final freeze, and appeals against it.

A level with ``public_notice_days`` cannot be finalised straight from scoring: the chair starts the
notice, which freezes the proposal they saw and publishes it (``GET .../notice``, public). Anyone may
appeal an entry's result while it runs; the chair resolves each appeal. An upheld appeal voids the
frozen proposal and reopens the round for rescoring (a new notice follows); the final freeze needs
the notice over and no appeal open (``finalising.finalise``).

Since an open appeal holds up the freeze, an appeal is filed by a logged-in account (an entrant, a
unit admin: intake's accounts, asked through ``services/common/callers.py``), which the appeal and
the audit log name, and counted per account and per client address
(``ZHENGJI_APPEAL_MAX_PER_WINDOW`` in ``ZHENGJI_APPEAL_WINDOW_S``); one account keeps at most one
open appeal per entry, and a reason is at most ``MAX_REASON`` characters. The appellant leaves a
contact (phone or e-mail) for the chair's answer: personal data, shown to the chair alone (the
appeal list), never on the public page nor in the audit log."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from services.common.callers import Caller
from services.common.errors import ServiceError
from services.review.audit import who_of
from services.review.chair_notices import tell_chairs
from services.review.finalising import compute, ready
from services.review.round_store import entries_by_id
from services.review.rounds import NOTICE, OPEN, RoundContext, context, require_open

if TYPE_CHECKING:
    from services.review.app import ReviewService


async def start_notice(
    svc: "ReviewService",
    at: RoundContext,
    who: dict[str, str],
    ends_at: datetime | None,
    proposal_id: str | None,
) -> dict[str, Any]:
    rnd, campaign, _, level = at
    round_id = at.round_id
    require_open(rnd)
    if level.public_notice_days is None:
        raise ServiceError(409, f"{level.name}不设公示", f"the {level.key} level has no public notice")
    p = await compute(svc, rnd, campaign, level)
    ready(p, proposal_id)
    now = datetime.now(UTC)
    ends = ends_at or now + timedelta(days=level.public_notice_days)
    if ends < now:
        raise ServiceError(422, "公示结束时间不能早于现在", "the notice cannot end in the past")
    notice = {"starts_at": now, "ends_at": ends}
    done = await svc.rounds.update_one(
        {"_id": round_id, "state": OPEN}, {"$set": {"state": NOTICE, "frozen": p, "notice": notice}}
    )
    if done.modified_count != 1:
        raise ServiceError(409, "本轮状态已变化，请刷新", "the round changed meanwhile")
    await svc.audit.record(
        who, "notice.started", campaign_id=rnd["campaign_id"], round_id=round_id,
        proposal_id=p["proposal_id"], ends_at=ends.isoformat(),
    )  # fmt: skip
    return {"round_id": round_id, "state": NOTICE, **notice, "proposal_id": p["proposal_id"]}


MAX_REASON = 2000
MAX_CONTACT = 100


def _keys(caller: Caller, address: str | None) -> list[str]:
    return [f"account:{caller.id}"] + ([f"address:{address}"] if address else [])


async def appeal(
    svc: "ReviewService",
    round_id: str,
    submission_id: str,
    reason: str,
    contact: str,
    caller: Caller,
    address: str | None,
) -> dict[str, Any]:
    await svc.appeal_limit.refuse_when_over(_keys(caller, address), "提出异议过于频繁", "too many appeals")
    rnd, campaign, _, _ = await context(svc, round_id)
    if rnd["state"] != NOTICE or datetime.now(UTC) > rnd["notice"]["ends_at"]:
        raise ServiceError(
            409, "当前不在公示期内，不能提出异议", "appeals are taken only during the public notice"
        )
    if submission_id not in rnd["pools"]:
        raise ServiceError(404, "该作品不在本轮评审中", "the entry is not in this round")
    if not reason.strip():
        raise ServiceError(422, "请写明异议理由", "give the reason for the appeal")
    if len(reason) > MAX_REASON:  # the API's model says so too; this is for every other caller
        raise ServiceError(422, f"异议理由不超过{MAX_REASON}字", f"at most {MAX_REASON} characters")
    if not contact.strip() or len(contact) > MAX_CONTACT:
        raise ServiceError(
            422, "请留下联系方式（电话或电子邮箱），以便答复", "give a phone or e-mail for the answer"
        )
    who = who_of(caller)
    mine = {"round_id": round_id, "submission_id": submission_id, "by.id": caller.id, "state": "open"}
    if await svc.appeals.find_one(mine, {"_id": 1}):
        raise ServiceError(
            409, "您对该作品的异议正在处理中，请勿重复提出", "your appeal against this entry is still open"
        )
    appeal_id = "A" + uuid4().hex[:12].upper()
    doc = {
        "_id": appeal_id,
        "round_id": round_id,
        "submission_id": submission_id,
        "reason": reason.strip(),
        "contact": contact.strip(),
        "by": who,
        "state": "open",
        "at": datetime.now(UTC),
    }
    await svc.appeals.insert_one(doc)
    await svc.appeal_limit.record(_keys(caller, address))
    await svc.audit.record(
        who, "appeal.lodged", campaign_id=rnd["campaign_id"],
        round_id=round_id, appeal_id=doc["_id"], submission_id=submission_id,
    )  # fmt: skip
    entry = (await entries_by_id(svc.entries, campaign.id, [submission_id])).get(submission_id)
    title = entry["entry"]["title"] if entry else None  # the 公示 shows it to anyone
    await tell_chairs(svc, campaign, rnd, "appealed", appeal_id=appeal_id, title=title)
    return {"appeal_id": doc["_id"], "state": "open"}


async def resolve_appeal(
    svc: "ReviewService", at: RoundContext, appeal_id: str, upheld: bool, note: str, who: dict[str, str]
) -> dict[str, Any]:
    rnd, round_id = at.rnd, at.round_id
    if rnd["state"] != NOTICE:
        raise ServiceError(409, "当前不在公示期内", "the round is not in public notice")
    state = "upheld" if upheld else "dismissed"
    done = await svc.appeals.update_one(
        {"_id": appeal_id, "round_id": round_id, "state": "open"},
        {"$set": {"state": state, "note": note, "resolved_at": datetime.now(UTC), "resolved_by": who}},
    )
    if done.modified_count != 1:
        raise ServiceError(404, "没有待处理的该项异议", f"no open appeal {appeal_id}")
    if upheld:  # back to scoring; the frozen proposal is void and a new notice is needed
        await svc.rounds.update_one(
            {"_id": round_id, "state": NOTICE},
            {"$set": {"state": OPEN}, "$unset": {"frozen": "", "notice": ""}},
        )
    await svc.audit.record(
        who,
        f"appeal.{state}",
        campaign_id=rnd["campaign_id"],
        round_id=round_id,
        appeal_id=appeal_id,
        note=note,
    )
    return {"appeal_id": appeal_id, "state": state, "round_state": OPEN if upheld else NOTICE}


async def appeals_of(svc: "ReviewService", rnd: dict[str, Any]) -> list[dict[str, Any]]:
    """The round's appeals, oldest first, each with its entry's title, for the chair: contacts included."""
    found = [a async for a in svc.appeals.find({"round_id": rnd["_id"]}).sort([("at", 1), ("_id", 1)])]
    docs = await entries_by_id(svc.entries, rnd["campaign_id"], {a["submission_id"] for a in found})
    return [
        {"appeal_id": a.pop("_id"), "title": docs[a["submission_id"]]["entry"]["title"], **a} for a in found
    ]
