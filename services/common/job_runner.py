"""Running the jobs of a job table: claim, heartbeat, finish, sweep, hand back on shutdown.

A service supplies only its domain parts: ``work(job)`` (the long part, in a task the runner can
cancel), ``conclude(job, result)`` (how the job ends: an ``Ending`` written in one transaction
with the job's end, or a ``Release`` back to the queue) and ``on_abandoned(job)`` (the ending of a
job whose every attempt died). The runner keeps the lease while the work runs (with the work's
progress, if the service gives a ``progress`` callable), and a lost lease (the job cancelled, or
taken over by another worker) stops the work without effects. A failure of ours (a bug, the
store away) is logged and leaves the job claimed: its lease runs out and it is tried again.

A worker stopped by its service does not leave its jobs to time out: their work is cancelled
(which kills their ffmpeg) and the jobs are released to the queue at once, for any worker.
See docs/decisions/0003-long-jobs.md."""

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import structlog
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from services.common.jobs import Job, JobTable, LeaseLost
from services.common.log import get_logger
from services.common.loops import LoopState, stop_asked
from services.common.metrics import JOB_SECONDS, JOBS_RUNNING
from services.common.store import in_transaction
from services.common.tracing import continued

R = TypeVar("R")
Writes = Callable[[AsyncClientSession], Awaitable[None]]
log = get_logger("jobs")


def worker_id() -> str:
    """Who holds a lease: the host and process, and a nonce for each runner in the process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class Ending:
    """The job ends in ``state`` with ``fields``; ``writes`` go in the same transaction."""

    state: str
    fields: dict[str, Any] = field(default_factory=dict)
    writes: Writes | None = None


@dataclass
class Release:
    """Give the job back to the queue until ``at`` (None: at once); ``fields`` are stored on it."""

    at: datetime | None
    fields: dict[str, Any] = field(default_factory=dict)


async def hold_lease(
    table: JobTable,
    job: Job,
    work: "asyncio.Task[Any]",
    progress: Callable[[], dict[str, Any] | None] | None = None,
) -> None:
    """Renew the lease (with the progress) while ``work`` runs; a lost lease cancels the work.
    Run it as a task beside the work."""
    every = min(table.lease.total_seconds() / 3, 2.0)
    while True:
        await asyncio.sleep(every)
        try:
            await table.renew(job, progress() if progress else None)
        except LeaseLost:
            work.cancel()
            return
        except Exception as exc:  # the store is away: keep working, the lease may still hold
            if stop_asked():  # the renewal swallowed our cancellation: the job is over
                raise asyncio.CancelledError("lease renewal stopped") from exc
            log.warning("lease_renew_failed", job_id=job["_id"], error=str(exc))


async def run_workers(
    table: JobTable,
    worker: str,
    concurrency: int,
    run: Callable[[Job], Awaitable[None]],
    poll_s: float = 1.0,
    state: LoopState | None = None,
) -> None:
    """Keep up to ``concurrency`` jobs running; wake early when a job is enqueued here.

    A claim that fails (the store away) is recorded in ``state`` and tried again after its
    backoff; the jobs already running go on meanwhile."""
    state = state or LoopState("jobs")
    slots = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()

    async def one(job: Job) -> None:
        try:
            await run(job)
        finally:
            slots.release()

    while True:
        await slots.acquire()
        try:
            job = await table.claim(worker)
        except Exception as exc:
            slots.release()
            await state.failed(exc)
            continue
        state.ok()
        if job is None:
            slots.release()
            table.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(table.wake.wait(), timeout=poll_s)
            continue
        task = asyncio.create_task(one(job))
        running.add(task)
        task.add_done_callback(running.discard)


class JobRunner(Generic[R]):
    def __init__(
        self,
        table: JobTable,
        client: AsyncMongoClient[dict[str, Any]],
        *,
        kind: str | Callable[[Job], str],
        work: Callable[[Job], Coroutine[Any, Any, R]],
        conclude: Callable[[Job, R], Ending | Release],
        on_abandoned: Callable[[Job], Awaitable[Ending]],
        progress: Callable[[Job], dict[str, Any] | None] | None = None,
        concurrency: int = 1,
        poll_s: float = 1.0,
    ) -> None:
        self.table, self.client = table, client
        self.kind = kind if callable(kind) else (lambda _job, label=kind: label)
        self.work, self.conclude, self.on_abandoned = work, conclude, on_abandoned
        self.progress = progress
        self.concurrency, self.poll_s = concurrency, poll_s
        self.worker = worker_id()
        self._runs: dict[str, asyncio.Task[None]] = {}  # job id -> run(), to hand it back on stop
        self._works: dict[str, asyncio.Task[R]] = {}  # job id -> its work, to cancel it here

    async def serve(self, state: LoopState | None = None) -> None:
        """Claim and run jobs until cancelled (run it as one of the service's loops)."""
        await run_workers(self.table, self.worker, self.concurrency, self.run, self.poll_s, state)

    async def run(self, job: Job) -> None:
        # Bound before the work's task is made, so the work (which copies this context) logs with them.
        with (
            structlog.contextvars.bound_contextvars(job_id=job["_id"], **job.get("log_context") or {}),
            continued(job.get("trace")),
        ):
            await self._run(job)

    async def _run(self, job: Job) -> None:
        kind = self.kind(job)
        work = asyncio.create_task(self.work(job))
        me = asyncio.current_task()
        if me is not None:
            self._runs[job["_id"]] = me
        self._works[job["_id"]] = work
        progress = self.progress
        heartbeat = asyncio.create_task(
            hold_lease(self.table, job, work, (lambda: progress(job)) if progress else None)
        )
        started, outcome = time.perf_counter(), "crashed"
        JOBS_RUNNING.labels(kind).inc()
        try:
            result = await work
            heartbeat.cancel()
            end = self.conclude(job, result)
            await self.apply(job, end)
            outcome = end.state if isinstance(end, Ending) else "later"
        except asyncio.CancelledError:
            if me is not None and me.cancelling():  # the service is stopping: give the job back
                outcome = "handed_back"
                await self._hand_back(job, heartbeat, work)
                raise
            outcome = "cancelled"  # cancelled here, or the lease went to another worker: no effects
            log.info("job_stopped", job_id=job["_id"])
        except LeaseLost:
            outcome = "lease_lost"
            log.warning("job_lease_lost", job_id=job["_id"])
        except Exception as exc:  # ours, not the job's (a tool missing, the store away): retried later
            error = f"{type(exc).__name__}: {exc}"
            log.error("job_crashed", job_id=job["_id"], error=error)
            with contextlib.suppress(Exception):  # the store may be what failed
                await self.table.note_error(job, error)
        finally:
            heartbeat.cancel()
            work.cancel()
            self._runs.pop(job["_id"], None)
            self._works.pop(job["_id"], None)
            JOBS_RUNNING.labels(kind).dec()
            JOB_SECONDS.labels(kind, outcome).observe(time.perf_counter() - started)

    async def apply(self, job: Job, end: Ending | Release) -> None:
        """End or release ``job``; raises LeaseLost if it is not ours any more (no effects then)."""
        if isinstance(end, Release):
            await self.table.release(job, end.at, **end.fields)
            return

        async def work(session: AsyncClientSession) -> None:
            await self.table.finish(job, end.state, session, **end.fields)
            if end.writes is not None:
                await end.writes(session)

        await in_transaction(self.client, work)

    async def _hand_back(self, job: Job, heartbeat: "asyncio.Task[None]", work: "asyncio.Task[R]") -> None:
        heartbeat.cancel()
        work.cancel()  # its subprocess is killed and its scratch space removed before the release
        await asyncio.gather(work, return_exceptions=True)
        try:
            await self.table.release(job, None)
        except Exception as exc:  # LeaseLost, or the store away: the lease runs out instead
            log.warning("job_hand_back_failed", job_id=job["_id"], error=repr(exc))
        else:
            log.info("job_handed_back", job_id=job["_id"])

    def cancel_here(self, job_id: str) -> bool:
        """Stop the work of a job running in this process at once (its ffmpeg is killed)."""
        work = self._works.get(job_id)
        if work is None:
            return False
        work.cancel()
        return True

    async def stop(self) -> None:
        """Hand the jobs running here back to the queue; call after the claiming loop is cancelled."""
        runs = list(self._runs.values())
        for task in runs:
            task.cancel()
        await asyncio.gather(*runs, return_exceptions=True)

    async def sweep_once(self) -> int:
        """Jobs whose every attempt died end with what ``on_abandoned`` says; returns how many."""
        swept = 0
        for job in await self.table.abandoned():
            # LeaseLost: its worker finished after all, or another sweeper got there first.
            with contextlib.suppress(LeaseLost):
                await self.apply(job, await self.on_abandoned(job))
                swept += 1
        if swept:
            log.warning("jobs_abandoned", table=self.table.jobs.name, count=swept)
        return swept
