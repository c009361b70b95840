"""Webhook subscriptions for downstream platforms: who hears about which publication events.

Every ``published`` event the publisher emits is kept in ``published_log``
and, in the same transaction, a delivery job is queued for each subscription
that wants it: delivered at least once (retries with backoff, the platform's
circuit, parking), signed (signing.py), logged per subscription, and
replayable over a time range. The body is the event itself, exactly as on the
Kafka topic, so a subscriber validates it with the same JSON Schema; the
``event_id`` lets it drop the copies that at-least-once delivery brings."""

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from uuid import uuid4

from pydantic import AwareDatetime, BaseModel, Field, HttpUrl
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import SubmissionPublished
from services.common.jobs import CANCELLED, DONE, Job
from services.publisher.adapters.base import Answer
from services.publisher.adapters.webhook import post_signed
from services.publisher.targets import platform_of
from services.publisher.worker import DeliveryWorker, Finished, Step, Tried, parked

if TYPE_CHECKING:
    from services.publisher.app import PublisherService

EventName = Literal["published", "retracted", "failed"]
EVENT_NAMES: tuple[EventName, ...] = ("published", "retracted", "failed")


class NewSubscription(BaseModel):
    url: HttpUrl
    events: list[EventName] = Field(default_factory=lambda: list(EVENT_NAMES), min_length=1)
    secret: str | None = Field(default=None, min_length=16, description="Omitted: one is made and shown once")
    campaign_id: str | None = Field(default=None, description="Only this campaign's events; None: all")


class Replay(BaseModel):
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime


def public_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A subscription as the API shows it: never its secret."""
    return {
        "id": doc["_id"],
        "url": doc["url"],
        "events": doc["events"],
        "campaign_id": doc.get("campaign_id"),
        "created_at": doc["created_at"],
    }


class Subscriptions:
    def __init__(self, svc: "PublisherService") -> None:
        self.svc = svc
        self.subscriptions = svc.db["subscriptions"]
        self.log = svc.db["published_log"]

    async def create(self, body: NewSubscription) -> dict[str, Any]:
        secret = body.secret or "whsec_" + secrets.token_urlsafe(32)
        doc = {
            "_id": "sub_" + uuid4().hex[:16],
            "url": str(body.url),
            "events": sorted(set(body.events)),
            "campaign_id": body.campaign_id,
            "secret": secret,
            "active": True,
            "created_at": datetime.now(UTC),
        }
        await self.subscriptions.insert_one(doc)
        return {**public_view(doc), "secret": secret}

    async def delete(self, sub_id: str) -> bool:
        """Stop it and cancel what is still queued for it; the delivery log stays."""
        done = await self.subscriptions.update_one(
            {"_id": sub_id, "active": True}, {"$set": {"active": False, "deleted_at": datetime.now(UTC)}}
        )
        await self.svc.deliveries.jobs.update_many(
            {"payload.subscription_id": sub_id, "state": {"$in": ["queued", "failed"]}},
            {"$set": {"state": CANCELLED, "reason": "订阅已删除 / subscription deleted"}},
        )
        return done.modified_count == 1

    async def fan_out(self, event: SubmissionPublished, session: AsyncClientSession) -> None:
        """Keep the event for replays and queue one delivery per interested subscription."""
        await self.log.insert_one(
            {
                "_id": str(event.event_id),
                "occurred_at": event.occurred_at,
                "campaign_id": event.campaign_id,
                "status": event.status,
                "payload": event.model_dump_json(),
            },
            session=session,
        )
        wanted = {"active": True, "events": event.status, "campaign_id": {"$in": [None, event.campaign_id]}}
        async for sub in self.subscriptions.find(wanted, session=session):
            await self._enqueue(sub["_id"], str(event.event_id), event.campaign_id, session, replay=None)

    async def replay(self, sub: dict[str, Any], body: Replay) -> int:
        """Send again every event of the range the subscription wants, as new deliveries."""
        replay_id = uuid4().hex[:8]
        query = {
            "occurred_at": {"$gte": body.from_, "$lte": body.to},
            "status": {"$in": sub["events"]},
            **({"campaign_id": sub["campaign_id"]} if sub.get("campaign_id") else {}),
        }
        count = 0
        async for logged in self.log.find(query).sort("occurred_at", 1):
            await self._enqueue(sub["_id"], logged["_id"], logged["campaign_id"], None, replay=replay_id)
            count += 1
        return count

    async def _enqueue(
        self,
        sub_id: str,
        event_id: str,
        campaign_id: str,
        session: AsyncClientSession | None,
        replay: str | None,
    ) -> None:
        job_id = f"wh:{sub_id}:{event_id}" + (f":replay-{replay}" if replay else "")
        payload = {
            "action": "webhook",
            "subscription_id": sub_id,
            "event_id": event_id,
            "campaign_id": campaign_id,
            "replay": replay,
        }
        await self.svc.deliveries.enqueue(job_id, payload, 0.0, session)

    async def deliveries(self, sub_id: str) -> list[dict[str, Any]]:
        cursor = self.svc.deliveries.jobs.find({"payload.subscription_id": sub_id}).sort("created_at", 1)
        return [
            {
                "id": job["_id"],
                "event_id": job["payload"]["event_id"],
                "replay": job["payload"].get("replay"),
                "state": job["state"],
                "tries": job.get("tries", []),
                "reason": job.get("reason") or job.get("last_error"),
                "not_before": job.get("not_before"),
            }
            async for job in cursor
        ]

    async def deliver(self, job: Job, worker: DeliveryWorker) -> Step:
        payload = job["payload"]
        sub = await self.subscriptions.find_one({"_id": payload["subscription_id"]})
        if sub is None or not sub.get("active"):
            return Finished(CANCELLED, {"reason": "订阅已删除 / subscription deleted"})
        logged = await self.log.find_one({"_id": payload["event_id"]})
        if logged is None:
            return parked("事件记录缺失 / the event is not in the log", {})
        body = str(logged["payload"]).encode()
        headers = {"Zhengji-Event-Id": payload["event_id"], "Zhengji-Delivery-Id": str(job["_id"])}
        timeout = self.svc.policy.webhook_timeout_s

        async def call() -> Answer:
            response = await post_signed(self.svc.http, sub["url"], sub["secret"], body, headers, timeout)
            return Answer(response.status_code)

        tried = await worker.attempt(
            job,
            platform_of(sub["url"]),
            "webhook",
            call,
            self.svc.policy.webhook_max_attempts,
            timeout,
            parked,
        )
        if not isinstance(tried, Tried):
            return tried
        return Finished(DONE, tried.fields)
