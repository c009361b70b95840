"""Running delivery jobs: one claim makes at most one request.

A job that must wait (a backoff, a platform's Retry-After, an open circuit, an
asynchronous platform still working, a publication date) is released with a
``not_before``, so no worker sleeps on a lease and one slow platform holds up
no other. What a try decides (``Later`` or ``Finished``) is applied at the
end: a release, or, in one transaction, the job's end, the publication record
and the ``published`` events (with their webhook fan-out)."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import SubmissionPublished
from services.common.jobs import FAILED, Job, LeaseLost
from services.common.metrics import JOB_SECONDS
from services.publisher.adapters.base import Answer, RemoteFailed
from services.publisher.delivery import Attempt, Permanent, Retryable, backoff_s

if TYPE_CHECKING:
    from services.publisher.app import PublisherService

MAX_TRIES_KEPT = 50


@dataclass
class Later:
    """Give the job back until ``at``; ``fields`` are stored on it (tries so far, poll state)."""

    at: datetime | None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Finished:
    state: str
    fields: dict[str, Any] = field(default_factory=dict)
    publication_id: str | None = None
    publication: dict[str, Any] | None = None
    events: list[SubmissionPublished] = field(default_factory=list)
    causation: str | None = None


Step = Later | Finished
Park = Callable[[str, dict[str, Any]], Step]


@dataclass
class Tried:
    answer: Answer
    fields: dict[str, Any]


def now() -> datetime:
    return datetime.now(UTC)


def later(seconds: float, **fields: Any) -> Later:
    return Later(now() + timedelta(seconds=seconds), fields)


class DeliveryWorker:
    def __init__(self, svc: "PublisherService") -> None:
        self.svc = svc
        self.table = svc.deliveries
        self.policy = svc.policy

    async def run(self, job: Job) -> None:
        action = job["payload"].get("action", "publish")
        started = time.perf_counter()
        try:
            async with self._renewing(job):
                step = await self.svc.step(job)
            await self.apply(job, step)
        except LeaseLost:
            self.svc.log.warning("delivery_lease_lost", job_id=job["_id"])
            return
        except Exception as exc:  # the store away, or a bug: the lease runs out and the job is tried again
            self.svc.log.error(
                "delivery_step_failed", job_id=job["_id"], error=f"{type(exc).__name__}: {exc}"
            )
            return
        outcome = "later" if isinstance(step, Later) else step.state
        JOB_SECONDS.labels(action, outcome).observe(time.perf_counter() - started)

    async def attempt(
        self,
        job: Job,
        platform: str,
        what: str,
        call: Callable[[], Awaitable[Answer]],
        max_attempts: int,
        timeout_s: float,
        park: Park,
    ) -> Tried | Step:
        """One request through the platform's circuit; a failure becomes a Later or a parked job."""
        admission = await self.svc.circuits.admit(platform, probe_s=timeout_s + 5)
        if not admission.allowed:
            # Not tried, so not counted: the job comes back when the circuit lets a probe through.
            return Later(admission.retry_at, {"waiting_for": f"circuit open: {platform}"})
        at = now()
        failures = job.get("round_tries", 0) + 1
        total = job.get("total_tries", 0) + 1
        try:
            answer = await call()
        except Retryable as exc:
            if exc.trips:
                await self.svc.circuits.failed(platform)
            fields = self._tried(job, Attempt(at, exc.status, str(exc), what), total, failures, str(exc))
            if failures >= max_attempts:
                return park(f"{failures} 次尝试后放弃 / gave up after {failures} tries: {exc}", fields)
            if exc.retry_after_s is not None:
                wait = min(exc.retry_after_s, self.policy.retry_after_cap_s)
            else:
                wait = backoff_s(failures - 1, self.policy.backoff_base_s, self.policy.backoff_cap_s)
            return later(wait, **fields)
        except Permanent as exc:
            if exc.status is not None:  # it answered, so it is up
                await self.svc.circuits.succeeded(platform)
            fields = self._tried(job, Attempt(at, exc.status, str(exc), what), total, failures, str(exc))
            fields["remote_failed"] = isinstance(exc, RemoteFailed)
            return park(str(exc), fields)
        await self.svc.circuits.succeeded(platform)
        return Tried(answer, self._tried(job, Attempt(at, answer.status, None, what), total, 0, None))

    def _tried(
        self, job: Job, attempt: Attempt, total: int, failures: int, error: str | None
    ) -> dict[str, Any]:
        tries = [*job.get("tries", []), attempt.as_doc()][-MAX_TRIES_KEPT:]
        job["tries"], job["total_tries"], job["round_tries"] = tries, total, failures
        return {"tries": tries, "total_tries": total, "round_tries": failures, "last_error": error}

    async def apply(self, job: Job, step: Step) -> None:
        if isinstance(step, Later):
            await self.table.release(job, step.at, **step.fields)
            return

        async def work(session: AsyncClientSession) -> None:
            await self.table.finish(job, step.state, session, **step.fields)
            if step.publication_id and step.publication:
                await self.svc.publications.update_one(
                    {"_id": step.publication_id}, {"$set": step.publication}, session=session
                )
            await self.svc.emit(step.events, session, step.causation)

        async with self.svc.deps.client.start_session() as session:
            await session.with_transaction(work)

    @contextlib.asynccontextmanager
    async def _renewing(self, job: Job) -> AsyncIterator[None]:
        """Keep the lease while a request is out: a slow answer must not hand the job to a second worker."""

        async def beat() -> None:
            every = self.table.lease.total_seconds() / 3
            while True:
                await asyncio.sleep(every)
                try:
                    await self.table.renew(job)
                except LeaseLost:
                    return

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def sweep_abandoned(self) -> int:
        """Jobs whose every claim died (a worker killed each time) are parked, not retried forever."""
        swept = 0
        for job in await self.table.abandoned():
            reason = "工作进程多次中断 / the worker died on every try"
            step = await self.svc.abandoned_step(job, reason)
            with contextlib.suppress(LeaseLost):
                await self.apply(job, step)
                swept += 1
        return swept


def parked(reason: str, fields: dict[str, Any]) -> Finished:
    return Finished(FAILED, {**fields, "reason": reason})
