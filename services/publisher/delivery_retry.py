"""An admin's retry of a parked delivery: one function for the API route and ``zhengji admin``.

Only a failed (parked) delivery goes back to the queue, with its rounds of tries started again.
A platform that reported the work failed keeps no copy, so the retry sends a new request under a
new key (``generation``); otherwise the platform would answer the old key with the old failure."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.common.errors import ServiceError
from services.common.jobs import Job, JobTable


async def delivery_of(deliveries: JobTable, delivery_id: str) -> Job:
    """The delivery, or a 404 naming it."""
    job = await deliveries.get(delivery_id)
    if job is None:
        raise ServiceError(404, f"投递 {delivery_id} 不存在", f"no delivery {delivery_id}")
    return job


async def retry_delivery(
    deliveries: JobTable, publications: AsyncCollection[dict[str, Any]], delivery_id: str
) -> Job:
    """Queue the parked delivery again; the delivery as it is now. ServiceError 404 or 409."""
    job = await delivery_of(deliveries, delivery_id)
    fields: dict[str, Any] = {"round_tries": 0, "reason": None}
    if job.get("remote_failed"):
        fields |= {"generation": job.get("generation", 0) + 1, "remote_failed": False}
        fields |= {"poll_url": None, "remote_id": None}
    if not await deliveries.requeue(delivery_id, **fields):
        raise ServiceError(
            409,
            "只有已搁置（失败）的投递可以重试",
            f"only a failed delivery can be retried; it is {job['state']}",
        )
    if job["payload"].get("action", "publish") == "publish":
        await publications.update_one({"_id": delivery_id}, {"$set": {"status": "pending", "reason": None}})
    return await deliveries.get(delivery_id) or job
