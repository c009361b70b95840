"""A job table with leases, for work longer than a Kafka poll should wait.

The Kafka handler only enqueues a job (quickly, in the consumer's transaction);
workers claim jobs with a lease and renew it while they run. A worker that dies
stops renewing, its lease expires and another worker claims the job and does it
again from scratch. Finishing is conditional on still holding the lease, so
exactly one finish (and one outgoing event) results. Shorter jobs are claimed
first, so a one-minute clip is not stuck behind an eight-minute encode.

A job may wait for a time (``not_before``): a publication scheduled for a date,
or a delivery backing off from a platform that is down. A worker that cannot
finish a job yet ``release``s it for later instead of sleeping on its lease.
The runner that works through the table is ``job_runner.py``; see docs/decisions/0003-long-jobs.md."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from services.common.consumer import BulkWrite
from services.common.log import carried_context
from services.common.store import after_commit
from services.common.tracing import trace_fields

Job = dict[str, Any]
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


def _now() -> datetime:
    return datetime.now(UTC)


class LeaseLost(Exception):
    """The job was cancelled or claimed by another worker; stop without effects."""


@dataclass(frozen=True)
class Backlog:
    """How much work waits in a queue (see ``JobTable.backlog``)."""

    queued: int  # claimable now
    scheduled: int  # queued, but not before a time still ahead (a publish date, a back-off)
    running: int
    oldest_queued_at: datetime | None  # created_at of the oldest claimable job


def _requeued(job_id: str, from_states: tuple[str, ...], fields: dict[str, Any]) -> UpdateOne:
    """The write that puts a job in one of ``from_states`` back in the queue, with ``fields``."""
    return UpdateOne(
        {"_id": job_id, "state": {"$in": list(from_states)}},
        {"$set": {"state": QUEUED, "not_before": None, "attempts": 0, **fields}},
    )


def _held(job: Job) -> dict[str, Any]:
    """The filter for a job still claimed by the worker that holds ``job`` (its lease)."""
    return {"_id": job["_id"], "worker": job["worker"], "state": RUNNING}


class JobTable:
    def __init__(
        self, db: AsyncDatabase[dict[str, Any]], name: str, lease_s: float, max_attempts: int = 3
    ) -> None:
        self.jobs = db[name]
        self.lease = timedelta(seconds=lease_s)
        self.max_attempts = max_attempts
        self.wake = asyncio.Event()

    async def create_indexes(self) -> None:
        await self.jobs.create_index([("state", ASCENDING), ("cost", ASCENDING), ("created_at", ASCENDING)])

    async def enqueue(
        self,
        job_id: str,
        payload: dict[str, Any],
        cost: float,
        session: AsyncClientSession | None,
        not_before: datetime | None = None,
    ) -> None:
        """Add a job unless it exists; ``cost`` orders the queue (e.g. media seconds).

        ``not_before``: no worker claims the job before then (None: at once)."""
        await self.jobs.bulk_write(
            [op for _, op in self.enqueue_writes(job_id, payload, cost, not_before=not_before)],
            session=session,
        )
        after_commit(session, self.wake.set)

    def enqueue_writes(
        self,
        job_id: str,
        payload: dict[str, Any],
        cost: float,
        again: bool = False,
        not_before: datetime | None = None,
    ) -> list[BulkWrite]:
        """The writes that add a job unless it exists, for a consumer's ``Effect.bulk`` (many
        events' writes in one round trip). ``again``: also run a finished job again with
        ``payload``, for a new event about the same work (a re-drive, ``zhengji admin redrive``);
        a duplicate of the same event never gets here (the consumer's inbox drops it), and a job
        still queued or running is left as it is. Whoever applies them wakes the runner after the
        commit (``Effect.committed = table.wake.set``): a runner woken before it would find
        nothing to claim and sleep until its next poll."""
        fresh = {
            "state": QUEUED,
            "payload": payload,
            "cost": cost,
            "attempts": 0,
            "created_at": _now(),
            "progress": None,
            "not_before": not_before,
            "log_context": carried_context(),  # the ids its run logs with (job_runner.py)
            **trace_fields(),  # the trace its run continues (job_runner.py)
        }
        name = self.jobs.name
        writes: list[BulkWrite] = [(name, UpdateOne({"_id": job_id}, {"$setOnInsert": fresh}, upsert=True))]
        if again:
            # A finished job runs again with the new event's payload, ids and trace (the insert
            # above sets them only on a job that did not exist).
            kept = ("state", "attempts", "created_at", "not_before")  # (_requeued sets the first 3)
            rerun = {k: v for k, v in fresh.items() if k not in kept} | {"reason": None, "last_error": None}
            writes.append((name, _requeued(job_id, (DONE, FAILED, CANCELLED), rerun)))
        return writes

    async def claim(self, worker: str) -> Job | None:
        now = _now()
        return await self.jobs.find_one_and_update(
            {
                "$or": [
                    # None also matches jobs enqueued before not_before existed (no such field).
                    {"state": QUEUED, "not_before": None},
                    {"state": QUEUED, "not_before": {"$lte": now}},
                    {"state": RUNNING, "lease_until": {"$lt": now}, "attempts": {"$lt": self.max_attempts}},
                ]
            },
            {
                "$set": {
                    "state": RUNNING,
                    "worker": worker,
                    "lease_until": now + self.lease,
                    "started_at": now,
                },
                "$inc": {"attempts": 1},
            },
            sort=[("cost", ASCENDING), ("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def renew(self, job: Job, progress: dict[str, Any] | None = None) -> None:
        update: dict[str, Any] = {"lease_until": _now() + self.lease}
        if progress is not None:
            update["progress"] = progress
        result = await self.jobs.update_one(_held(job), {"$set": update})
        if result.matched_count == 0:
            raise LeaseLost(job["_id"])

    async def finish(self, job: Job, state: str, session: AsyncClientSession, **fields: Any) -> None:
        """Close the job inside the caller's transaction; raises LeaseLost if it is not ours any more."""
        result = await self.jobs.update_one(
            _held(job),
            {"$set": {"state": state, "finished_at": _now(), **fields}},
            session=session,
        )
        if result.matched_count == 0:
            raise LeaseLost(job["_id"])

    async def release(
        self, job: Job, not_before: datetime | None, session: AsyncClientSession | None = None, **fields: Any
    ) -> None:
        """Give a running job back to the queue until ``not_before``; raises LeaseLost if it is not ours.

        A clean release is not a crash, so the count of claims that died starts again."""
        result = await self.jobs.update_one(
            _held(job),
            {"$set": {"state": QUEUED, "not_before": not_before, "attempts": 0, **fields}},
            session=session,
        )
        if result.matched_count == 0:
            raise LeaseLost(job["_id"])
        after_commit(session, self.wake.set)

    async def requeue(
        self,
        job_id: str,
        from_states: tuple[str, ...] = (FAILED,),
        session: AsyncClientSession | None = None,
        **fields: Any,
    ) -> bool:
        """Put a finished job (by default a failed one) back in the queue, e.g. an admin's retry."""
        result = await self.jobs.bulk_write([_requeued(job_id, from_states, fields)], session=session)
        if result.modified_count:
            after_commit(session, self.wake.set)
        return result.modified_count == 1

    async def note_error(self, job: Job, error: str) -> None:
        """Keep why this attempt crashed, for ``zhengji admin jobs list``, while it is still ours
        (not on a job another worker took over or that has ended since)."""
        await self.jobs.update_one(_held(job), {"$set": {"last_error": error[:500]}})

    async def cancel(self, job_id: str) -> bool:
        result = await self.jobs.update_one(
            {"_id": job_id, "state": {"$in": [QUEUED, RUNNING]}}, {"$set": {"state": CANCELLED}}
        )
        return result.modified_count == 1

    async def abandoned(self) -> list[Job]:
        """Jobs whose every attempt died: they need a failure recorded, not another try."""
        cursor = self.jobs.find(
            {"state": RUNNING, "lease_until": {"$lt": _now()}, "attempts": {"$gte": self.max_attempts}}
        )
        return [job async for job in cursor]

    async def get(self, job_id: str) -> Job | None:
        return await self.jobs.find_one({"_id": job_id})

    async def backlog(self, match: dict[str, Any] | None = None) -> Backlog:
        """The queue's size for scaling and alerts, over the jobs ``match`` selects (all: None).
        A job waiting for its ``not_before`` is not backlog yet: more workers would not start it."""
        now = _now()
        where = match or {}
        due = {"$or": [{"not_before": None}, {"not_before": {"$lte": now}}]}
        queued = {"$and": [where, {"state": QUEUED}, due]}
        oldest = await self.jobs.find_one(queued, {"created_at": 1}, sort=[("created_at", ASCENDING)])
        count = await self.jobs.count_documents(queued)
        # The reads are not one snapshot: a queue drained between them reads 0 queued, no age.
        return Backlog(
            queued=count,
            scheduled=await self.jobs.count_documents(
                {"$and": [where, {"state": QUEUED, "not_before": {"$gt": now}}]}
            ),
            running=await self.jobs.count_documents({"$and": [where, {"state": RUNNING}]}),
            oldest_queued_at=oldest["created_at"] if oldest and count else None,
        )
