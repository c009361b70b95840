"""The one leased-job runner on the real store: progress with each renewal, one ending with its
effects, a lost lease stops the work without effects, a stopped worker hands its job back at once,
and a job whose every attempt died ends as the service says."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from structlog.testing import capture_logs

from services.common.job_runner import Ending, JobRunner
from services.common.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job, JobTable
from services.common.log import get_logger
from services.common.settings import Settings
from services.common.store import Doc, connect, in_transaction
from tests.conftest import eventually

log = get_logger("test-work")


class Domain:
    """A service's domain parts: work that waits to be let go, and endings that record an effect."""

    def __init__(self, client: AsyncMongoClient[Doc]) -> None:
        self.effects = client["runner_test"]["effects"]
        self.go = asyncio.Event()
        self.started = asyncio.Event()
        self.cancelled = 0

    async def work(self, job: Job) -> str:
        self.started.set()
        try:
            await self.go.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return f"made {job['_id']}"

    def _ending(self, state: str, what: str) -> Ending:
        async def writes(session: AsyncClientSession) -> None:
            await self.effects.insert_one({"what": what}, session=session)

        return Ending(state, {"note": what}, writes)

    def conclude(self, job: Job, result: str) -> Ending:
        return self._ending(DONE, result)

    async def on_abandoned(self, job: Job) -> Ending:
        return self._ending(FAILED, f"gave up on {job['_id']}")

    def runner(self, table: JobTable) -> JobRunner[str]:
        return JobRunner[str](
            table,
            self.effects.database.client,
            kind="test",
            work=self.work,
            conclude=self.conclude,
            on_abandoned=self.on_abandoned,
            progress=lambda job: {"percent": 50},
            poll_s=0.1,
        )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncMongoClient[Doc]]:
    client = connect(settings.mongodb_uri)
    yield client
    await client.close()


@contextlib.asynccontextmanager
async def serving(runner: JobRunner[str]) -> AsyncIterator[None]:
    """The runner claiming and running jobs, then stopped as its service stops it."""
    task = asyncio.create_task(runner.serve())
    try:
        yield
    finally:
        task.cancel()
        await runner.stop()


async def queued_job(client: AsyncMongoClient[Doc], lease_s: float) -> JobTable:
    table = JobTable(client["runner_test"], "jobs", lease_s=lease_s)
    await table.create_indexes()
    await table.enqueue("job-1", {}, 1.0, None)
    return table


async def row(table: JobTable) -> dict[str, Any]:
    found = await table.get("job-1")
    assert found is not None
    return found


async def test_a_job_reports_progress_and_ends_once_with_its_effects(client: AsyncMongoClient[Doc]) -> None:
    table = await queued_job(client, lease_s=0.6)
    domain = Domain(client)
    async with serving(domain.runner(table)):
        await asyncio.wait_for(domain.started.wait(), 30)

        async def progress_stored() -> bool:
            return bool((await row(table))["progress"] == {"percent": 50})

        await eventually(progress_stored, 30, "the progress stored with a renewal")
        domain.go.set()

        async def ended() -> bool:
            return bool((await row(table))["state"] == DONE)

        await eventually(ended, 30, "the job done")
    assert (await row(table))["note"] == "made job-1"
    assert await domain.effects.count_documents({}) == 1


async def test_a_lost_lease_stops_the_work_without_effects(client: AsyncMongoClient[Doc]) -> None:
    table = await queued_job(client, lease_s=0.6)
    domain = Domain(client)
    async with serving(domain.runner(table)):
        await asyncio.wait_for(domain.started.wait(), 30)
        assert await table.cancel("job-1")  # e.g. an admin's cancel, from any process

        async def stopped() -> bool:
            return domain.cancelled == 1

        await eventually(stopped, 30, "the work cancelled at the next renewal")
    assert (await row(table))["state"] == CANCELLED
    assert await domain.effects.count_documents({}) == 0


async def test_a_stopped_worker_hands_its_job_back_for_another_to_do(client: AsyncMongoClient[Doc]) -> None:
    table = await queued_job(client, lease_s=60)  # a lease that would outlast the test
    first, second = Domain(client), Domain(client)
    async with serving(first.runner(table)):
        await asyncio.wait_for(first.started.wait(), 30)
    assert first.cancelled == 1
    back = await row(table)
    assert (back["state"], back["attempts"], back["not_before"]) == (QUEUED, 0, None)

    second.go.set()
    taking_over = second.runner(table)
    async with serving(taking_over):

        async def done() -> dict[str, Any] | None:
            found = await row(table)
            return found if found["state"] == DONE else None

        ended = await eventually(done, 30, "the job done by the second worker")
    assert (ended["worker"], ended["attempts"]) == (taking_over.worker, 1)
    assert await first.effects.count_documents({}) == 1


async def test_a_job_whose_every_attempt_died_ends_as_the_service_says(
    client: AsyncMongoClient[Doc],
) -> None:
    table = await queued_job(client, lease_s=60)
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    await table.jobs.update_one(
        {"_id": "job-1"},
        {"$set": {"state": RUNNING, "worker": "dead-3", "attempts": 3, "lease_until": long_ago}},
    )
    domain = Domain(client)
    runner = domain.runner(table)
    assert await runner.sweep_once() == 1
    assert await runner.sweep_once() == 0  # ended once
    ended = await row(table)
    assert (ended["state"], ended["note"]) == (FAILED, "gave up on job-1")
    assert await domain.effects.count_documents({}) == 1


async def test_a_job_logs_with_the_ids_of_the_event_that_enqueued_it(client: AsyncMongoClient[Doc]) -> None:
    table = JobTable(client["runner_test"], "jobs", lease_s=5)
    await table.create_indexes()
    with structlog.contextvars.bound_contextvars(submission_id="s1", correlation_id="s1:v2", event_id="e9"):
        await table.enqueue("job-1", {}, 1.0, None)  # as a handler does, inside the consumer's binding
    domain = Domain(client)
    runner = domain.runner(table)
    work = runner.work

    async def logging_work(job: Job) -> str:
        log.info("encoding")
        return await work(job)

    runner.work = logging_work
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        domain.go.set()
        async with serving(runner):

            async def ended() -> bool:
                return bool((await row(table))["state"] == DONE)

            await eventually(ended, 30, "the job done")
    (encoding,) = [line for line in lines if line["event"] == "encoding"]
    assert (encoding["correlation_id"], encoding["submission_id"], encoding["job_id"]) == (
        "s1:v2",
        "s1",
        "job-1",
    )
    assert "event_id" not in encoding, "the run is not the event's handling: only the submission's ids travel"


async def test_a_job_queued_in_a_transaction_is_taken_at_its_commit_not_at_the_next_poll(
    client: AsyncMongoClient[Doc],
) -> None:
    table = JobTable(client["runner_test"], "jobs", lease_s=60)
    await table.create_indexes()
    domain = Domain(client)
    domain.go.set()
    runner = domain.runner(table)
    runner.poll_s = 3600.0  # it looks again only when woken

    async def done(job_id: str) -> bool:
        found = await table.get(job_id)
        return found is not None and found["state"] == DONE

    async with serving(runner):
        await table.enqueue("job-1", {}, 1.0, None)
        await eventually(lambda: done("job-1"), 30, "the first job done")

        async def asleep() -> bool:
            return not table.wake.is_set()  # it found nothing more and waits to be woken

        await eventually(asleep, 30, "the runner waiting")

        async def queue_second(session: AsyncClientSession) -> None:
            await table.enqueue("job-2", {}, 1.0, session)
            # Woken now, it would find nothing yet and sleep its poll out.
            assert not table.wake.is_set()

        await in_transaction(client, queue_second)
        await eventually(lambda: done("job-2"), 60, "the job queued in a transaction done")
