"""The publisher's HTTP API: retractions, parked deliveries, circuits, webhook subscriptions.
Every endpoint is for campaign admins (checked with intake, ``services/common/callers.py``).

Errors answer in Chinese first, English second, like every zhengji API."""

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from services.common.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from services.publisher.subscriptions import NewSubscription, Replay, public_view

if TYPE_CHECKING:
    from services.publisher.app import PublisherService

STATES = {QUEUED, RUNNING, DONE, FAILED, CANCELLED}


class Retraction(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="e.g. 奖项撤销 / award withdrawn")
    targets: list[str] | None = Field(default=None, description="Target keys; None: every target")


def _err(status: int, zh: str, en: str) -> HTTPException:
    return HTTPException(status, detail={"message_zh": zh, "message_en": en})


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


def build_router(svc: "PublisherService") -> APIRouter:
    router = APIRouter(
        prefix="/api/publisher",
        tags=["publisher"],
        dependencies=[Depends(svc.callers.role("campaign_admin"))],
    )

    @router.get("/submissions/{submission_id}/publications")
    async def publications(submission_id: str) -> list[dict[str, Any]]:
        cursor = svc.publications.find({"submission_id": submission_id}).sort("target", 1)
        return [{"id": d.pop("_id"), **d} async for d in cursor]

    async def retract(submission_id: str, targets: list[str] | None, reason: str) -> dict[str, Any]:
        queued = await svc.retract(submission_id, targets, reason)
        if not queued:
            raise _err(404, "该作品在此目标上没有发布记录", f"nothing of {submission_id} to retract there")
        return {"submission_id": submission_id, "retractions": queued}

    @router.post("/submissions/{submission_id}/retract", status_code=202)
    async def retract_all(submission_id: str, body: Retraction) -> dict[str, Any]:
        return await retract(submission_id, body.targets, body.reason)

    @router.post("/submissions/{submission_id}/targets/{target}/retract", status_code=202)
    async def retract_one(submission_id: str, target: str, body: Retraction) -> dict[str, Any]:
        return await retract(submission_id, [target], body.reason)

    @router.get("/deliveries")
    async def deliveries(
        state: str | None = None, action: str | None = None, limit: int = Query(default=200, ge=1, le=1000)
    ) -> list[dict[str, Any]]:
        if state is not None and state not in STATES:
            raise _err(
                422, f"状态须为：{'、'.join(sorted(STATES))}", f"state must be one of {sorted(STATES)}"
            )
        query: dict[str, Any] = {}
        if state:
            query["state"] = state
        if action:
            query["payload.action"] = action
        cursor = svc.deliveries.jobs.find(query).sort("created_at", 1).limit(limit)
        return [delivery_view(job) async for job in cursor]

    @router.get("/deliveries/{delivery_id}")
    async def delivery(delivery_id: str) -> dict[str, Any]:
        job = await svc.deliveries.get(delivery_id)
        if job is None:
            raise _err(404, f"投递 {delivery_id} 不存在", f"no delivery {delivery_id}")
        return delivery_view(job)

    @router.post("/deliveries/{delivery_id}/retry", status_code=202)
    async def retry(delivery_id: str) -> dict[str, Any]:
        job = await svc.deliveries.get(delivery_id)
        if job is None:
            raise _err(404, f"投递 {delivery_id} 不存在", f"no delivery {delivery_id}")
        fields: dict[str, Any] = {"round_tries": 0, "reason": None}
        if job.get("remote_failed"):
            # The platform has no copy (it reported failure): a new key, or it answers with the failure.
            fields |= {"generation": job.get("generation", 0) + 1, "remote_failed": False}
            fields |= {"poll_url": None, "remote_id": None}
        if not await svc.deliveries.requeue(delivery_id, **fields):
            raise _err(
                409,
                "只有已搁置（失败）的投递可以重试",
                f"only a failed delivery can be retried; it is {job['state']}",
            )
        if job["payload"].get("action", "publish") == "publish":
            await svc.publications.update_one(
                {"_id": delivery_id}, {"$set": {"status": "pending", "reason": None}}
            )
        return delivery_view(await svc.deliveries.get(delivery_id) or job)

    @router.get("/circuits")
    async def circuits() -> list[dict[str, Any]]:
        return await svc.circuits.all()

    @router.post("/subscriptions", status_code=201)
    async def subscribe(body: NewSubscription) -> dict[str, Any]:
        return await svc.subscriptions.create(body)

    @router.get("/subscriptions")
    async def subscriptions() -> list[dict[str, Any]]:
        cursor = svc.subscriptions.subscriptions.find({"active": True}).sort("created_at", 1)
        return [public_view(d) async for d in cursor]

    async def _subscription(sub_id: str) -> dict[str, Any]:
        sub = await svc.subscriptions.subscriptions.find_one({"_id": sub_id, "active": True})
        if sub is None:
            raise _err(404, f"订阅 {sub_id} 不存在", f"no subscription {sub_id}")
        return sub

    @router.get("/subscriptions/{sub_id}")
    async def subscription(sub_id: str) -> dict[str, Any]:
        return public_view(await _subscription(sub_id))

    @router.delete("/subscriptions/{sub_id}", status_code=204)
    async def unsubscribe(sub_id: str) -> Response:
        if not await svc.subscriptions.delete(sub_id):
            raise _err(404, f"订阅 {sub_id} 不存在", f"no subscription {sub_id}")
        return Response(status_code=204)

    @router.get("/subscriptions/{sub_id}/deliveries")
    async def subscription_deliveries(sub_id: str) -> list[dict[str, Any]]:
        # The log outlives the subscription: a deleted one's deliveries can still be read.
        if await svc.subscriptions.subscriptions.find_one({"_id": sub_id}) is None:
            raise _err(404, f"订阅 {sub_id} 不存在", f"no subscription {sub_id}")
        return await svc.subscriptions.deliveries(sub_id)

    @router.post("/subscriptions/{sub_id}/replay", status_code=202)
    async def replay(sub_id: str, body: Replay) -> dict[str, Any]:
        if body.to < body.from_:
            raise _err(422, "结束时间早于开始时间", "'to' is before 'from'")
        queued = await svc.subscriptions.replay(await _subscription(sub_id), body)
        return {"subscription_id": sub_id, "queued": queued, "from": body.from_, "to": body.to}

    return router
