"""Review: the campaign's review plan run level by level (county > city > province ...).

An entry is ready for review once its version is both transcoded (renditions to watch) and
approved by its unit (推荐单位审核, ``approved``); the two events come on different topics, in
either order. Each level's round pools the ready entries, assigns
conflict-free experts, collects blind rubric scores, shows the chair a proposal, optionally holds
a public notice (公示) with appeals, and freezes the outcome, emitting one ``reviewed`` event per
entry in the same transaction. The modules beside this one hold the parts; this file wires them."""

import asyncio
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, SubmissionApproved, SubmissionTranscoded
from services.common.consumer import Effect
from services.common.rate_limit import RateLimit
from services.common.service import Service
from services.review import certificates
from services.review.access import Access
from services.review.audit import AuditLog
from services.review.reviewer_lists import ReviewerLists


def transcoded_fields(event: SubmissionTranscoded) -> dict[str, Any]:
    """What a ``transcoded`` event sets on review's entry (``bench_review_scale`` seeds with it too)."""
    return {
        "campaign_id": event.campaign_id,
        "entry": event.entry.model_dump(mode="json"),
        "attribution": event.attribution.model_dump(mode="json"),
        "renditions": [r.model_dump(mode="json") for r in event.renditions],
        "duration_s": event.duration_s,
        "correlation_id": event.correlation_id,
        "source_event": str(event.event_id),
        "ready_at": event.occurred_at,
    }


# Like IntakeService in shape only: each service names its own collections.
class ReviewService(Service):
    name = "review"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = self.db["entries"]
        self.rounds = self.db["rounds"]
        self.scores = self.db["scores"]
        self.experts = self.db["experts"]
        self.appeals = self.db["appeals"]
        self.certificates = self.db["certificates"]
        self.blind_copies = self.db["blind_copies"]
        # Rewriting files is CPU work: a few at once, however many reviewers open entries.
        self.blind_copy_slots = asyncio.Semaphore(self.settings.blind_copies_at_once)
        self.lists = ReviewerLists(self.db["assignments"])
        s = self.settings
        self.appeal_limit = RateLimit(self.db["appeal_counts"], s.appeal_max_per_window, s.appeal_window_s)
        self.audit = AuditLog(self.db["audit"])
        self.access = Access(self.experts, self.settings.review_token_ttl_s)
        # The routes import this module for their service type, hence imported here.
        from services.review.routes import router

        self.router = router

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["transcoded"], SubmissionTranscoded, self.on_transcoded)
        self.consume(TOPICS["approved"], SubmissionApproved, self.on_approved)

    async def setup(self) -> None:
        await self.entries.create_index(
            [("campaign_id", ASCENDING), ("ready", ASCENDING), ("ready_at", ASCENDING)]
        )
        await self.scores.create_index([("round_id", ASCENDING), ("reviewer_id", ASCENDING)])
        await self.scores.create_index([("round_id", ASCENDING), ("submission_id", ASCENDING)])
        await self.lists.setup()
        # A level's rounds (a unit's each, decision 0031) are read by campaign and level: a
        # reviewer's list, the plan, opening and the units' progress.
        await self.rounds.create_index([("campaign_id", ASCENDING), ("level", ASCENDING)])
        await self.lists.move_old_rounds(self.rounds)  # rounds stored before decision 0025
        await self.experts.create_index([("campaign_id", ASCENDING), ("level", ASCENDING)])
        await self.experts.create_index("token_sha256")
        await self.appeals.create_index([("round_id", ASCENDING), ("state", ASCENDING)])
        await self.appeal_limit.setup()
        await self.audit.setup()
        await certificates.setup(self)

    async def on_transcoded(self, event: SubmissionTranscoded) -> Effect:
        if not event.succeeded:
            return Effect()
        doc = transcoded_fields(event)

        async def writes(session: AsyncClientSession) -> None:
            await self.entries.update_one(
                {"_id": event.submission_id},
                {"$set": doc, "$setOnInsert": {"levels": {}}},
                upsert=True,
                session=session,
            )
            await self._mark_ready(event.submission_id, session)

        return Effect(writes=writes)

    async def on_approved(self, event: SubmissionApproved) -> Effect:
        async def writes(session: AsyncClientSession) -> None:
            await self.entries.update_one(
                {"_id": event.submission_id},
                {
                    "$set": {
                        "approved_version": event.entry.version,
                        "approved_at": event.occurred_at,
                        # The entry's other files, whole once approved (blind copies: entry_materials.py).
                        "materials": {k: ref.model_dump(mode="json") for k, ref in event.materials.items()},
                    },
                    "$setOnInsert": {"campaign_id": event.campaign_id, "levels": {}},
                },
                upsert=True,
                session=session,
            )
            await self._mark_ready(event.submission_id, session)

        return Effect(writes=writes)

    async def _mark_ready(self, submission_id: str, session: AsyncClientSession) -> None:
        """Ready: the version transcoded is the version approved (a new upload waits for its approval)."""
        doc = await self.entries.find_one({"_id": submission_id}, session=session)
        assert doc is not None
        version = (doc.get("entry") or {}).get("version")
        ready = "renditions" in doc and version is not None and doc.get("approved_version") == version
        await self.entries.update_one({"_id": submission_id}, {"$set": {"ready": ready}}, session=session)
