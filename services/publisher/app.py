"""Publisher: sends qualifying works to the campaign's showcase platforms.

Deliveries are jobs (one per submission x target), so a slow or failing
platform never holds the Kafka consumer; the job id is the idempotency key."""

import socket
import time
from typing import Any

import httpx
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, SubmissionPublished, SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget
from services.common.consumer import Effect
from services.common.jobs import DONE, FAILED, Job, JobTable, LeaseLost, run_workers
from services.common.metrics import JOB_SECONDS
from services.common.service import Service
from services.publisher.delivery import DeliveryFailed, post_with_retries
from services.publisher.payload import public_payload


class PublisherService(Service):
    name = "publisher"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deliveries = JobTable(self.db, "deliveries", lease_s=self.settings.job_lease_s)
        self.worker_id = f"{socket.gethostname()}:{id(self):x}"
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["reviewed"], SubmissionReviewed, self.on_reviewed)

    async def setup(self) -> None:
        await self.deliveries.create_indexes()

    async def start(self) -> None:
        await super().start()
        self.spawn(run_workers(self.deliveries, self.worker_id, 4, self.deliver))

    async def stop(self) -> None:
        await super().stop()
        await self.http.aclose()

    async def on_reviewed(self, event: SubmissionReviewed) -> Effect:
        campaign = await self.campaign(event.campaign_id)
        targets = qualifying_targets(campaign, event)
        if not targets:
            return Effect()

        async def writes(session: AsyncClientSession) -> None:
            for target in targets:
                await self.deliveries.enqueue(
                    f"{event.submission_id}:{target.key}",
                    {"event": event.model_dump_json(), "target": target.model_dump(mode="json")},
                    0.0,
                    session,
                )

        return Effect(writes=writes)

    async def deliver(self, job: Job) -> None:
        event = SubmissionReviewed.model_validate_json(job["payload"]["event"])
        target = PublicationTarget.model_validate(job["payload"]["target"])
        campaign = await self.campaign(event.campaign_id)
        payload = public_payload(campaign, target, event, self.settings.base_url())
        started = time.perf_counter()
        common = {
            "submission_id": event.submission_id,
            "campaign_id": event.campaign_id,
            "correlation_id": event.correlation_id,
            "causation_id": event.event_id,
            "producer": self.name,
            "entry": event.entry,
            "attribution": event.attribution,
            "target": target.key,
            "award_tier": event.award_tier,
        }
        try:
            if not target.url:
                raise DeliveryFailed("目标平台未配置地址 / the target has no URL configured", [])
            done = await post_with_retries(self.http, target.url, payload, idempotency_key=job["_id"])
            outcome = SubmissionPublished(
                **common, status="published", remote_id=done.remote_id, url=done.url
            )
            attempts = done.attempts
        except DeliveryFailed as exc:
            outcome = SubmissionPublished(**common, status="failed", reason=str(exc))
            attempts = exc.attempts
        JOB_SECONDS.labels("publish", outcome.status).observe(time.perf_counter() - started)

        async def work(session: AsyncClientSession) -> None:
            await self.deliveries.finish(
                job,
                DONE if outcome.status == "published" else FAILED,
                session,
                remote_id=outcome.remote_id,
                reason=outcome.reason,
                attempts=[{"at": a.at, "status": a.status, "error": a.error} for a in attempts],
            )
            await self.outbox.add([outcome], session, causation=str(event.event_id))

        try:
            async with self.deps.client.start_session() as session:
                await session.with_transaction(work)
        except LeaseLost:
            self.log.warning("delivery_lease_lost", job_id=job["_id"])


def qualifying_targets(campaign: Campaign, event: SubmissionReviewed) -> list[PublicationTarget]:
    last_level = campaign.review_levels[-1].key if campaign.review_levels else None
    return [
        t
        for t in campaign.publication_targets
        if event.outcome in t.qualifies and event.level == (t.level or last_level)
    ]
