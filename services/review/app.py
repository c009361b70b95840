"""Review: rounds per level, reviewers' scores, and finalised outcomes.

Reviewers are blind: nothing this service returns to them names the entrant,
the school or the unit. Finalising stores the outcome of every entry of the
round and its ``reviewed`` event in one transaction."""

from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, Attribution, EntryInfo, Rendition, SubmissionReviewed, SubmissionTranscoded
from contracts.campaign import Campaign, ReviewLevel
from services.common.consumer import Effect
from services.common.service import Service
from services.review.outcomes import Decision, Scored, decide


class RoundError(Exception):
    def __init__(self, status: int, zh: str, en: str, **extra: Any) -> None:
        super().__init__(en)
        self.status, self.zh, self.en, self.extra = status, zh, en, extra


class ReviewService(Service):
    name = "review"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = self.db["entries"]
        self.rounds = self.db["rounds"]
        self.scores = self.db["scores"]
        from services.review.api import build_router

        self.router = build_router(self)

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["transcoded"], SubmissionTranscoded, self.on_transcoded)

    async def on_transcoded(self, event: SubmissionTranscoded) -> Effect:
        if not event.succeeded:
            return Effect()
        doc = {
            "campaign_id": event.campaign_id,
            "entry": event.entry.model_dump(mode="json"),
            "attribution": event.attribution.model_dump(mode="json"),
            "renditions": [r.model_dump(mode="json") for r in event.renditions],
            "correlation_id": event.correlation_id,
            "source_event": str(event.event_id),
            "ready_at": event.occurred_at,
        }

        async def writes(session: AsyncClientSession) -> None:
            await self.entries.update_one(
                {"_id": event.submission_id},
                {"$set": doc, "$setOnInsert": {"levels": {}}},
                upsert=True,
                session=session,
            )

        return Effect(writes=writes)

    async def open_round(self, campaign_id: str, level_key: str) -> dict[str, Any]:
        campaign = await self.campaign(campaign_id)
        index, level = _level(campaign, level_key)
        round_id = f"{campaign_id}:{level_key}"
        if await self.rounds.find_one({"_id": round_id}):
            raise RoundError(409, f"{level.name}已开启", f"the {level_key} round is already open")
        if index == 0:
            query: dict[str, Any] = {"campaign_id": campaign_id}
        else:
            previous = campaign.review_levels[index - 1].key
            query = {
                "campaign_id": campaign_id,
                f"levels.{previous}.outcome": {"$in": ["recommended", "awarded"]},
            }
        ids = [d["_id"] async for d in self.entries.find(query, {"_id": 1}).sort("ready_at", 1)]
        await self.rounds.insert_one(
            {
                "_id": round_id,
                "campaign_id": campaign_id,
                "level": level_key,
                "state": "open",
                "submission_ids": ids,
                "opened_at": datetime.now(UTC),
            }
        )
        return {"round_id": round_id, "level": level_key, "entries": len(ids)}

    async def record_score(self, round_id: str, submission_id: str, reviewer: str, score: float) -> None:
        rnd = await self._round(round_id)
        if rnd["state"] != "open":
            raise RoundError(409, "本轮评审已定稿，不能再打分", "the round is finalised")
        if submission_id not in rnd["submission_ids"]:
            raise RoundError(404, "该作品不在本轮评审中", "the entry is not in this round")
        if not 0 <= score <= 100:
            raise RoundError(422, f"分数须在0到100之间，收到{score}", f"score must be 0-100, got {score}")
        await self.scores.replace_one(
            {"_id": f"{round_id}:{submission_id}:{reviewer}"},
            {
                "round_id": round_id,
                "submission_id": submission_id,
                "reviewer": reviewer,
                "score": score,
                "at": datetime.now(UTC),
            },
            upsert=True,
        )

    async def finalise(self, round_id: str) -> dict[str, Decision]:
        rnd = await self._round(round_id)
        if rnd["state"] != "open":
            raise RoundError(409, "本轮评审已定稿", "the round is already finalised")
        campaign = await self.campaign(rnd["campaign_id"])
        _, level = _level(campaign, rnd["level"])
        by_entry: dict[str, list[float]] = {}
        async for s in self.scores.find({"round_id": round_id}):
            by_entry.setdefault(s["submission_id"], []).append(float(s["score"]))
        missing = [sid for sid in rnd["submission_ids"] if sid not in by_entry]
        if missing:
            raise RoundError(
                409,
                f"尚有{len(missing)}件作品未评分",
                f"{len(missing)} entries have no scores",
                missing=missing,
            )
        docs = {d["_id"]: d async for d in self.entries.find({"_id": {"$in": rnd["submission_ids"]}})}
        scored = [_scored(docs[sid], fmean(by_entry[sid])) for sid in rnd["submission_ids"]]
        decisions = decide(level, scored)
        events = [self._reviewed(docs[sid], level, d) for sid, d in decisions.items()]

        async def work(session: AsyncClientSession) -> None:
            done = await self.rounds.update_one(
                {"_id": round_id, "state": "open"},
                {"$set": {"state": "finalised", "finalised_at": datetime.now(UTC)}},
                session=session,
            )
            if done.modified_count != 1:
                raise RoundError(409, "本轮评审已定稿", "the round is already finalised")
            for sid, d in decisions.items():
                await self.entries.update_one(
                    {"_id": sid},
                    {
                        "$set": {
                            f"levels.{level.key}": {
                                "outcome": d.outcome,
                                "tier": d.award_tier,
                                "rank": d.rank,
                                "score": d.score,
                            }
                        }
                    },
                    session=session,
                )
            for event in events:
                await self.outbox.add([event], session, causation=docs[event.submission_id]["source_event"])

        async with self.deps.client.start_session() as session:
            await session.with_transaction(work)
        return decisions

    async def _round(self, round_id: str) -> dict[str, Any]:
        rnd = await self.rounds.find_one({"_id": round_id})
        if rnd is None:
            raise RoundError(404, "评审轮次不存在", f"no round {round_id}")
        return rnd

    def _reviewed(self, doc: dict[str, Any], level: ReviewLevel, d: Decision) -> SubmissionReviewed:
        return SubmissionReviewed(
            submission_id=doc["_id"],
            campaign_id=doc["campaign_id"],
            correlation_id=doc["correlation_id"],
            producer=self.name,
            entry=EntryInfo.model_validate(doc["entry"]),
            attribution=Attribution.model_validate(doc["attribution"]),
            level=level.key,
            outcome=d.outcome,
            award_tier=d.award_tier,
            rank=d.rank,
            score=round(d.score, 2),
            renditions=[Rendition.model_validate(r) for r in doc["renditions"]],
        )


def _level(campaign: Campaign, key: str) -> tuple[int, ReviewLevel]:
    for i, level in enumerate(campaign.review_levels):
        if level.key == key:
            return i, level
    keys = ", ".join(lv.key for lv in campaign.review_levels)
    raise RoundError(
        404, f"本活动没有评审级别“{key}”（可选：{keys}）", f"no review level {key!r}; have {keys}"
    )


def _scored(doc: dict[str, Any], score: float) -> Scored:
    entry, attribution = doc["entry"], doc["attribution"]
    return Scored(
        doc["_id"],
        score,
        doc["ready_at"],
        tuple(attribution.get("unit_path") or ()),
        attribution["unit_code"],
        entry.get("group"),
        entry.get("category"),
        entry.get("subcolumn"),
    )
