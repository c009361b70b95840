"""Running delivery jobs: one claim makes at most one request.

A job that must wait (a backoff, a platform's Retry-After, an open circuit, an
asynchronous platform still working, a publication date) is released with a
``not_before``, so no worker sleeps on a lease and one slow platform holds up
no other. What a try decides (``Later`` or ``Finished``) is applied at the
end by the job runner (``services.common.job_runner``): a release, or, in one
transaction, the job's end, the publication record and the ``published``
events (with their webhook fan-out)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import SubmissionPublished
from services.common.job_runner import Ending, Release
from services.common.jobs import FAILED, Job
from services.publisher.adapters.base import Answer, RemoteFailed
from services.publisher.delivery import Attempt, Permanent, Retryable, backoff_s

if TYPE_CHECKING:
    from services.publisher.app import PublisherService

MAX_TRIES_KEPT = 50


# Give the job back until ``at``; ``fields`` are stored on it (tries so far, poll state).
Later = Release


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
        self.policy = svc.policy

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

    def conclude(self, job: Job, step: Step) -> Ending | Release:
        """What the job runner applies: a release, or the job's end with its record and events."""
        return step if isinstance(step, Later) else self._ending(step)

    async def abandoned(self, job: Job) -> Ending:
        """Jobs whose every claim died (a worker killed each time) are parked, not retried forever."""
        reason = "工作进程多次中断 / the worker died on every try"
        return self._ending(await self.svc.abandoned_step(job, reason))

    def _ending(self, step: Finished) -> Ending:
        async def writes(session: AsyncClientSession) -> None:
            if step.publication_id and step.publication:
                await self.svc.publications.update_one(
                    {"_id": step.publication_id}, {"$set": step.publication}, session=session
                )
            await self.svc.emit(step.events, session, step.causation)

        return Ending(step.state, step.fields, writes)


def parked(reason: str, fields: dict[str, Any]) -> Finished:
    return Finished(FAILED, {**fields, "reason": reason})
