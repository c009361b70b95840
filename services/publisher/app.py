"""Publisher: sends qualifying works to the campaign's showcase platforms.

A qualifying ``reviewed`` event queues one delivery job per target (at once, or
from the target's ``publish_at`` or the campaign's ``showcase_from``) in the consumer's transaction; workers
deliver through an adapter per platform (adapters/), retract on request, and
push every ``published`` event to webhook subscribers. The showcase page
(pages.py) lists what is published. See docs/decisions/0005-publication.md."""

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, CampaignDefined, SubmissionPublished, SubmissionReviewed
from contracts.campaign import Campaign
from services.common.backlog import QueueBacklog
from services.common.consumer import Effect
from services.common.job_runner import JobRunner
from services.common.jobs import FAILED, Job, JobTable
from services.common.operator_secrets import OperatorSecrets
from services.common.outbound import OutboundPolicy, outbound_client
from services.common.service import Service
from services.publisher.adapters.base import Adapter
from services.publisher.adapters.http import HttpAdapter
from services.publisher.adapters.webhook import WebhookAdapter
from services.publisher.circuit import Circuits
from services.publisher.policy import DeliveryPolicy
from services.publisher.publication_store import MongoDeliveryStore
from services.publisher.publications import queue_deliveries
from services.publisher.publishing import Publishing
from services.publisher.showcase_schedule import reschedule
from services.publisher.subscriptions import Subscriptions
from services.publisher.targets import qualifying_targets
from services.publisher.worker import DeliveryWorker, Finished, Step, parked

SWEEP_EVERY_S = 30.0


class PublisherService(Service):
    name = "publisher"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy = DeliveryPolicy()
        self.deliveries = JobTable(self.db, "deliveries", lease_s=self.settings.job_lease_s)
        self.publications = self.db["publications"]
        self.circuits = Circuits(self.db, self.policy.circuit_failures, self.policy.circuit_cooldown_s)
        # Every call to a platform or subscriber: public addresses only, bounded in time and size.
        self.http = outbound_client(OutboundPolicy.from_settings(self.settings))
        secrets = OperatorSecrets.from_settings(self.settings)
        self.adapters: dict[str, Adapter] = {
            "http": HttpAdapter(self.http, self.deps.blobs, secrets),
            "webhook": WebhookAdapter(self.http, secrets),
        }
        self.worker = DeliveryWorker(self)
        self.runner = JobRunner[Step](
            self.deliveries,
            self.deps.client,
            kind=lambda job: str(job["payload"].get("action", "publish")),
            work=self.step,
            conclude=self.worker.conclude,
            on_abandoned=self.worker.abandoned,
            concurrency=self.policy.workers,
            poll_s=self.policy.worker_poll_s,
        )
        self.publishing = Publishing(self, self.worker)
        self.subscriptions = Subscriptions(self)
        # The routes import this module for their service type, hence imported here.
        from services.publisher.routes import router

        self.router = router

    # register and setup: the Service hooks, alike in shape in every service, each its own topics and indexes.
    def register(self) -> None:
        super().register()
        self.consume(TOPICS["reviewed"], SubmissionReviewed, self.on_reviewed)

    async def setup(self) -> None:
        await self.deliveries.create_indexes()
        await self.deliveries.jobs.create_index("payload.subscription_id")
        await self.publications.create_index([("campaign_id", 1), ("status", 1)])
        await self.publications.create_index("submission_id")
        await self.subscriptions.log.create_index("occurred_at")

    async def start(self) -> None:
        await super().start()
        self.run_jobs(self.runner, SWEEP_EVERY_S, "delivery_sweep")
        # One table, two queues: deliveries to platforms and pushes to webhook subscribers.
        backlog = QueueBacklog(
            {
                "delivery": (self.deliveries, {"payload.action": {"$ne": "webhook"}}),
                "webhook": (self.deliveries, {"payload.action": "webhook"}),
            }
        )
        self.spawn_every(self.settings.backlog_every_s, backlog.refresh, "backlog")

    async def stop(self) -> None:
        await super().stop()
        await self.http.aclose()

    async def on_campaign(self, event: CampaignDefined) -> Effect:
        """Keep the spec, and move queued works to the dates it now gives (showcase_schedule.py)."""
        kept = await super().on_campaign(event)

        async def writes(session: AsyncClientSession) -> None:
            assert kept.writes is not None
            await kept.writes(session)
            # The newest definition stored, not this event's: a late, older one must not win.
            newest = await self.db["campaigns"].find_one({"_id": event.campaign_id}, session=session)
            assert newest is not None
            campaign = Campaign.model_validate(newest["spec"])
            await reschedule(campaign, self.deliveries, self.publications, session)

        return Effect(writes=writes)

    async def on_reviewed(self, event: SubmissionReviewed) -> Effect:
        campaign = await self.campaign(event.campaign_id)
        if not qualifying_targets(campaign, event):
            return Effect()

        async def writes(session: AsyncClientSession) -> None:
            store = MongoDeliveryStore(self.publications, self.deliveries, session)
            await queue_deliveries(store, campaign, event)

        return Effect(writes=writes)

    async def step(self, job: Job) -> Step:
        """What one claim of ``job`` does, by its action."""
        action = job["payload"].get("action", "publish")
        if action == "publish":
            return await self.publishing.publish(job)
        if action == "update":
            return await self.publishing.update(job)
        if action == "retract":
            return await self.publishing.retract(job)
        if action == "webhook":
            return await self.subscriptions.deliver(job, self.worker)
        return parked(f"未知操作 / unknown action {action!r}", {})

    async def abandoned_step(self, job: Job, reason: str) -> Finished:
        return await self.publishing.abandoned(job, reason)

    async def emit(
        self, events: Sequence[SubmissionPublished], session: AsyncClientSession, causation: str | None
    ) -> None:
        """Emit on Kafka (outbox) and to webhook subscribers, in the caller's transaction."""
        await self.outbox.add(events, session, causation=causation)
        for event in events:
            await self.subscriptions.fan_out(event, session)

    async def retract(
        self, submission_id: str, targets: list[str] | None, reason: str
    ) -> list[dict[str, Any]]:
        """Queue a retraction per publication of the submission (all targets, or those named)."""
        query: dict[str, Any] = {"submission_id": submission_id}
        if targets:
            query["target"] = {"$in": targets}
        queued = []
        async for pub in self.publications.find(query):
            job_id = f"{pub['_id']}:retract"
            payload = {
                "action": "retract",
                "publication_id": pub["_id"],
                "campaign_id": pub["campaign_id"],
                "reason": reason,
            }
            await self.deliveries.enqueue(job_id, payload, 0.0, None)
            # Asked again after the last retraction was parked: try again, with this reason.
            await self.deliveries.requeue(job_id, from_states=(FAILED,), payload=payload, round_tries=0)
            queued.append({"target": pub["target"], "delivery_id": job_id, "status": pub["status"]})
        return queued
