"""The steps of a work's life on one platform: publish (then poll), update, retract.

Each step reads the publication record, asks the adapter for one request
through ``DeliveryWorker.attempt`` and says what follows. The idempotency key
is the publication id; only after a platform reported, asynchronously, that
the work failed on its side does an admin's retry use a new one (``#2``...),
since no copy exists there to protect."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contracts import SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget
from services.common.consumer import NotReady
from services.common.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from services.publisher.adapters.base import Adapter, Work
from services.publisher.payload import media_links
from services.publisher.publications import FAILED as PUB_FAILED
from services.publisher.publications import PUBLISHED, RETRACTED, Publication, public_facts, published_event
from services.publisher.showcase_schedule import hold
from services.publisher.targets import platform_of, target_of
from services.publisher.worker import DeliveryWorker, Finished, Step, Tried, later, parked

if TYPE_CHECKING:
    from services.publisher.app import PublisherService


def idempotency_key(job: Job) -> str:
    generation = job.get("generation", 0)
    return str(job["_id"]) if not generation else f"{job['_id']}#{generation + 1}"


class Publishing:
    def __init__(self, svc: "PublisherService", worker: DeliveryWorker) -> None:
        self.svc, self.worker, self.policy = svc, worker, svc.policy

    async def _context(
        self, job: Job, pub: Publication
    ) -> tuple[Campaign, PublicationTarget, Adapter] | Step:
        """The campaign and target as they are now (an admin may have fixed a URL), else as queued."""
        try:
            campaign = await self.svc.campaign(pub["campaign_id"])
        except NotReady:
            return later(5.0)
        snapshot = job["payload"].get("target_snapshot")
        target = target_of(campaign, pub["target"])
        if target is None and snapshot is None:
            return parked(f"活动中已没有目标 {pub['target']} / the campaign no longer has this target", {})
        target = target or PublicationTarget.model_validate(snapshot)
        return campaign, target, self.svc.adapters[target.adapter]

    async def _media(self, event: SubmissionReviewed) -> dict[str, str]:
        return await media_links(self.svc.links, event)

    async def publish(self, job: Job) -> Step:
        pub = await self.svc.publications.find_one({"_id": job["_id"]})
        if pub is None or pub["status"] == RETRACTED:
            return Finished(CANCELLED, {"reason": "已撤回 / retracted before it was sent"})
        event = SubmissionReviewed.model_validate_json(job["payload"]["event"])
        causation = str(event.event_id)

        def park(reason: str, fields: dict[str, Any]) -> Finished:
            step = parked(reason, fields)
            step.publication_id, step.causation = pub["_id"], causation
            step.publication = {"status": PUB_FAILED, "reason": reason}
            attempts = fields.get("total_tries")
            step.events = [
                published_event(pub, "failed", causation_id=causation, reason=reason, attempts=attempts)
            ]
            return step

        context = await self._context(job, pub)
        if isinstance(context, Finished):
            return park(str(context.fields.get("reason")), context.fields)
        if not isinstance(context, tuple):
            return context
        campaign, target, adapter = context
        if (waiting := hold(campaign, target)) is not None:  # a date moved later since it was queued
            return waiting
        work = Work(campaign, target, event, await self._media(event), idempotency_key(job))

        platform, timeout = platform_of(target.url), target.timeout_s
        if job.get("poll_url"):
            polls = job.get("polls", 0) + 1
            if polls > self.policy.max_polls:
                return park("平台一直未报告结果 / the platform never reported a result", {"polls": polls})
            poll_url = str(job["poll_url"])
            tried = await self.worker.attempt(
                job,
                platform,
                "poll",
                lambda: adapter.poll(work, poll_url),
                target.max_attempts,
                timeout,
                park,
            )
            if not isinstance(tried, Tried):
                return tried
            if tried.answer.pending:
                return later(self.policy.poll_interval_s, **tried.fields, polls=polls)
            return self._published(pub, tried, job.get("remote_id"), causation)
        tried = await self.worker.attempt(
            job, platform, "send", lambda: adapter.publish(work), target.max_attempts, timeout, park
        )
        if not isinstance(tried, Tried):
            return tried
        if tried.answer.pending:
            # Accepted, not done: ask again later, without holding a worker.
            fields = {**tried.fields, "remote_id": tried.answer.remote_id, "poll_url": tried.answer.poll_url}
            return later(self.policy.poll_interval_s, **fields, polls=0)
        return self._published(pub, tried, None, causation)

    def _published(self, pub: Publication, tried: Tried, known_id: str | None, causation: str) -> Finished:
        remote_id, url = tried.answer.remote_id or known_id, tried.answer.url
        attempts = tried.fields.get("total_tries")
        return Finished(
            DONE,
            {**tried.fields, "remote_id": remote_id, "url": url, "reason": None},
            pub["_id"],
            {
                "status": PUBLISHED,
                "remote_id": remote_id,
                "url": url,
                "published_at": datetime.now(UTC),
                "reason": None,
            },
            [
                published_event(
                    pub, "published", causation_id=causation, remote_id=remote_id, url=url, attempts=attempts
                )
            ],
            causation,
        )

    async def update(self, job: Job) -> Step:
        """A work already out changed (e.g. its award): the platform's copy is updated, not duplicated."""
        pub = await self.svc.publications.find_one({"_id": job["payload"]["publication_id"]})
        if pub is None or pub["status"] != PUBLISHED or not pub.get("remote_id"):
            return Finished(CANCELLED, {"reason": "作品未在该平台发布 / not published there"})
        context = await self._context(job, pub)
        if not isinstance(context, tuple):
            return context
        campaign, target, adapter = context
        event = SubmissionReviewed.model_validate_json(job["payload"]["event"])
        work = Work(campaign, target, event, await self._media(event), str(job["_id"]))
        remote_id = str(pub["remote_id"])
        tried = await self.worker.attempt(
            job,
            platform_of(target.url),
            "update",
            lambda: adapter.update(work, remote_id),
            target.max_attempts,
            target.timeout_s,
            parked,
        )
        if not isinstance(tried, Tried):
            return tried
        facts = public_facts(campaign, event)
        url = tried.answer.url or pub.get("url")
        return Finished(
            DONE,
            tried.fields,
            pub["_id"],
            {**facts, "url": url, "updated_at": datetime.now(UTC)},
            [
                published_event(
                    {**pub, **facts},
                    "published",
                    causation_id=str(event.event_id),
                    remote_id=remote_id,
                    url=url,
                )
            ],
            str(event.event_id),
        )

    async def retract(self, job: Job) -> Step:
        pub = await self.svc.publications.find_one({"_id": job["payload"]["publication_id"]})
        if pub is None or pub["status"] == RETRACTED:
            return Finished(DONE, {"reason": "已撤回 / already retracted"})
        publish_job = await self.svc.deliveries.get(pub["_id"]) or {}
        if publish_job.get("state") == RUNNING:
            return later(1.0, waiting_for="publish in flight")  # its answer tells us the remote id
        if publish_job.get("state") in (QUEUED, FAILED):
            # Stop the publication first (scheduled, backing off, or being polled), conditionally:
            # if a worker took it meanwhile, wait for its answer.
            stopped = await self.svc.deliveries.jobs.update_one(
                {"_id": pub["_id"], "state": publish_job["state"]},
                {"$set": {"state": CANCELLED, "reason": "已撤回 / retracted"}},
            )
            if stopped.modified_count == 0:
                return later(1.0, waiting_for="publish in flight")
        reason = str(job["payload"]["reason"])
        remote_id = pub.get("remote_id") or publish_job.get("remote_id")
        if not remote_id:
            return self._retracted(pub, reason, {}, None)  # it never reached the platform
        context = await self._context(publish_job or job, pub)
        if not isinstance(context, tuple):
            return context
        _, target, adapter = context
        tried = await self.worker.attempt(
            job,
            platform_of(target.url),
            "retract",
            lambda: adapter.retract(target, str(remote_id), reason, str(job["_id"])),
            target.max_attempts,
            target.timeout_s,
            parked,
        )
        if not isinstance(tried, Tried):
            return tried
        return self._retracted(pub, reason, tried.fields, str(remote_id))

    def _retracted(
        self, pub: Publication, reason: str, fields: dict[str, Any], remote_id: str | None
    ) -> Finished:
        return Finished(
            DONE,
            fields,
            pub["_id"],
            {"status": RETRACTED, "retracted_at": datetime.now(UTC), "retract_reason": reason},
            [published_event(pub, "retracted", remote_id=remote_id, url=pub.get("url"), reason=reason)],
        )

    async def abandoned(self, job: Job, reason: str) -> Finished:
        step = parked(reason, {})
        if job["payload"].get("action", "publish") == "publish":
            pub = await self.svc.publications.find_one({"_id": job["_id"]})
            if pub is not None:
                step.publication_id, step.publication = pub["_id"], {"status": PUB_FAILED, "reason": reason}
                step.events = [published_event(pub, "failed", reason=reason)]
        return step
