"""The publisher's HTTP API: retractions, parked deliveries, circuits, webhook subscriptions.
Every endpoint is for campaign admins (checked with intake, ``services/common/callers.py``).

Errors answer in Chinese first, English second, like every zhengji API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from services.common.callers import role
from services.common.errors import ServiceError, responses
from services.common.jobs import Job
from services.common.web import service
from services.publisher.app import PublisherService
from services.publisher.delivery_retry import delivery_of, retry_delivery
from services.publisher.subscriptions import NewSubscription, Replay, public_view

Publisher = Annotated[PublisherService, Depends(service(PublisherService))]
State = Literal["queued", "running", "done", "failed", "cancelled"]  # services/common/jobs.py
ADMIN = (401, 403, 503)  # every route asks intake who is calling

router = APIRouter(
    prefix="/api/publisher",
    tags=["publisher"],
    dependencies=[Depends(role("campaign_admin"))],
    responses=responses(*ADMIN),
)


class Retraction(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="e.g. 奖项撤销 / award withdrawn")
    targets: list[str] | None = Field(default=None, description="Target keys; None: every target")


class Publication(BaseModel):
    """A work on one target, as stored (its public facts, status, the platform's id and link)."""

    model_config = ConfigDict(extra="allow")
    id: str
    submission_id: str
    campaign_id: str
    target: str
    status: str


class Retracting(BaseModel):
    target: str
    delivery_id: str
    status: str  # the publication's status when the retraction was queued


class Retractions(BaseModel):
    submission_id: str
    retractions: list[Retracting]


class Delivery(BaseModel):
    id: str
    action: str  # publish | update | retract | webhook
    state: str
    campaign_id: str | None
    submission_id: str | None
    target: str | None
    subscription_id: str | None
    not_before: datetime | None
    tries: list[dict[str, Any]]
    total_tries: int
    remote_id: str | None
    reason: str | None
    waiting_for: str | None


class Circuit(BaseModel):
    model_config = ConfigDict(extra="allow")
    platform: str
    state: str
    failures: int = 0


class Subscription(BaseModel):
    id: str
    url: str
    events: list[str]
    campaign_id: str | None
    created_at: datetime


class NewSubscriptionMade(Subscription):
    secret: str  # shown once


class WebhookDelivery(BaseModel):
    id: str
    event_id: str
    replay: bool | None
    state: str
    tries: list[dict[str, Any]]
    reason: str | None
    not_before: datetime | None


class Replaying(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    subscription_id: str
    queued: int
    from_: datetime = Field(alias="from")
    to: datetime


def delivery_view(job: Job) -> dict[str, Any]:
    payload = job["payload"]
    return {
        "id": job["_id"],
        "action": payload.get("action", "publish"),
        "state": job["state"],
        "campaign_id": payload.get("campaign_id"),
        "submission_id": payload.get("submission_id"),
        "target": payload.get("target"),
        "subscription_id": payload.get("subscription_id"),
        "not_before": job.get("not_before"),
        "tries": job.get("tries", []),
        "total_tries": job.get("total_tries", 0),
        "remote_id": job.get("remote_id"),
        "reason": job.get("reason") or job.get("last_error"),
        "waiting_for": job.get("waiting_for"),
    }


async def _retract(
    svc: PublisherService, submission_id: str, targets: list[str] | None, reason: str
) -> dict[str, Any]:
    queued = await svc.retract(submission_id, targets, reason)
    if not queued:
        raise ServiceError(
            404, "该作品在此目标上没有发布记录", f"nothing of {submission_id} to retract there"
        )
    return {"submission_id": submission_id, "retractions": queued}


async def _subscription(svc: PublisherService, sub_id: str, *, active: bool = True) -> dict[str, Any]:
    query: dict[str, Any] = {"_id": sub_id, "active": True} if active else {"_id": sub_id}
    sub = await svc.subscriptions.subscriptions.find_one(query)
    if sub is None:
        raise ServiceError(404, f"订阅 {sub_id} 不存在", f"no subscription {sub_id}")
    return sub


@router.get("/submissions/{submission_id}/publications", response_model=list[Publication])
async def publications(svc: Publisher, submission_id: str) -> list[dict[str, Any]]:
    cursor = svc.publications.find({"submission_id": submission_id}).sort("target", 1)
    return [{"id": d.pop("_id"), **d} async for d in cursor]


@router.post(
    "/submissions/{submission_id}/retract",
    status_code=202,
    response_model=Retractions,
    responses=responses(400, 404),
)
async def retract_all(svc: Publisher, submission_id: str, body: Retraction) -> dict[str, Any]:
    return await _retract(svc, submission_id, body.targets, body.reason)


@router.post(
    "/submissions/{submission_id}/targets/{target}/retract",
    status_code=202,
    response_model=Retractions,
    responses=responses(400, 404),
)
async def retract_one(svc: Publisher, submission_id: str, target: str, body: Retraction) -> dict[str, Any]:
    return await _retract(svc, submission_id, [target], body.reason)


@router.get("/deliveries", response_model=list[Delivery])
async def deliveries(
    svc: Publisher,
    state: State | None = None,
    action: str | None = None,
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    query: dict[str, Any] = {}
    if state:
        query["state"] = state
    if action:
        query["payload.action"] = action
    cursor = svc.deliveries.jobs.find(query).sort("created_at", 1).limit(limit)
    return [delivery_view(job) async for job in cursor]


@router.get("/deliveries/{delivery_id}", response_model=Delivery, responses=responses(404))
async def delivery(svc: Publisher, delivery_id: str) -> dict[str, Any]:
    return delivery_view(await delivery_of(svc.deliveries, delivery_id))


@router.post(
    "/deliveries/{delivery_id}/retry",
    status_code=202,
    response_model=Delivery,
    responses=responses(404, 409),
)
async def retry(svc: Publisher, delivery_id: str) -> dict[str, Any]:
    return delivery_view(await retry_delivery(svc.deliveries, svc.publications, delivery_id))


@router.get("/circuits", response_model=list[Circuit])
async def circuits(svc: Publisher) -> list[dict[str, Any]]:
    return await svc.circuits.all()


@router.post("/subscriptions", status_code=201, response_model=NewSubscriptionMade, responses=responses(400))
async def subscribe(svc: Publisher, body: NewSubscription) -> dict[str, Any]:
    return await svc.subscriptions.create(body)


@router.get("/subscriptions", response_model=list[Subscription])
async def subscriptions(svc: Publisher) -> list[dict[str, Any]]:
    cursor = svc.subscriptions.subscriptions.find({"active": True}).sort("created_at", 1)
    return [public_view(d) async for d in cursor]


@router.get("/subscriptions/{sub_id}", response_model=Subscription, responses=responses(404))
async def subscription(svc: Publisher, sub_id: str) -> dict[str, Any]:
    return public_view(await _subscription(svc, sub_id))


@router.delete("/subscriptions/{sub_id}", status_code=204, response_class=Response, responses=responses(404))
async def unsubscribe(svc: Publisher, sub_id: str) -> None:
    if not await svc.subscriptions.delete(sub_id):
        raise ServiceError(404, f"订阅 {sub_id} 不存在", f"no subscription {sub_id}")


@router.get(
    "/subscriptions/{sub_id}/deliveries", response_model=list[WebhookDelivery], responses=responses(404)
)
async def subscription_deliveries(svc: Publisher, sub_id: str) -> list[dict[str, Any]]:
    # The log outlives the subscription: a deleted one's deliveries can still be read.
    await _subscription(svc, sub_id, active=False)
    return await svc.subscriptions.deliveries(sub_id)


# Like retract_all's decorator in shape only: each route documents its own status and model.
@router.post(
    "/subscriptions/{sub_id}/replay",
    status_code=202,
    response_model=Replaying,
    responses=responses(400, 404),
)
async def replay(svc: Publisher, sub_id: str, body: Replay) -> dict[str, Any]:
    """422 also when ``to`` is before ``from`` (a rule the schema cannot state)."""
    if body.to < body.from_:
        raise ServiceError(422, "结束时间早于开始时间", "'to' is before 'from'")
    queued = await svc.subscriptions.replay(await _subscription(svc, sub_id), body)
    return {"subscription_id": sub_id, "queued": queued, "from": body.from_, "to": body.to}
