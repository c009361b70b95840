"""Each job queue's backlog on /metrics, read from the real store by the service that owns it.

The services run (validator, transcoder, publisher) with their job workers off, so the jobs
this test puts in their tables stay exactly where it puts them: it checks what an autoscaler
and an operator read, not how the jobs are worked (tests/integration/test_job_runner.py)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from services.common.jobs import JobTable
from services.common.service import Service
from services.common.settings import Settings
from services.common.store import Doc, connect, service_db
from tests.conftest import eventually
from tests.integration.metrics_scrape import Samples, scrape
from zhengji.server import running

QUEUES = ("transcode", "quality_check", "delivery", "webhook")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncMongoClient[Doc]]:
    client = connect(settings.mongodb_uri)
    yield client
    await client.close()


def table(client: AsyncMongoClient[Doc], settings: Settings, service: str, name: str) -> JobTable:
    return JobTable(service_db(client, settings.db_prefix, service), name, lease_s=600)


def jobs(samples: Samples, queue: str) -> dict[str, float]:
    return {
        state: samples.get(("zhengji_queue_jobs", (("queue", queue), ("state", state))), -1)
        for state in ("queued", "scheduled", "running")
    }


def age(samples: Samples, queue: str) -> float:
    return samples.get(("zhengji_queue_oldest_queued_age_seconds", (("queue", queue),)), -1)


async def test_each_queue_exports_queued_running_and_oldest_age(
    settings: Settings, client: AsyncMongoClient[Doc], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Service, "run_jobs", lambda *_args, **_kw: None)  # no worker claims our jobs
    fast = settings.model_copy(update={"backlog_every_s": 0.2})
    transcodes = table(client, settings, "transcoder", "jobs")
    checks = table(client, settings, "validator", "jobs")
    deliveries = table(client, settings, "publisher", "deliveries")
    tomorrow = datetime.now(UTC) + timedelta(days=1)

    async def enqueue(t: JobTable, job_id: str, cost: float, **payload: Any) -> None:
        await t.enqueue(job_id, payload, cost, None)

    # Transcodes: three claimable (one waiting two minutes), one scheduled for tomorrow, one running.
    for i in range(4):
        await enqueue(transcodes, f"t{i}", cost=i)
    await transcodes.jobs.update_one(
        {"_id": "t3"}, {"$set": {"created_at": datetime.now(UTC) - timedelta(minutes=2)}}
    )
    await transcodes.enqueue("later", {}, 0.5, None, not_before=tomorrow)
    claimed = await transcodes.claim("elsewhere:1")
    assert claimed is not None and claimed["_id"] == "t0"
    await enqueue(transcodes, "t4", cost=9)
    # Quality checks: two claimable. Deliveries: two publishes; webhooks: one queued, one running.
    await enqueue(checks, "q1", cost=1)
    await enqueue(checks, "q2", cost=2)
    await enqueue(deliveries, "p1", cost=0, action="publish")
    await enqueue(deliveries, "p2", cost=0)  # no action: a publish
    await enqueue(deliveries, "w1", cost=0, action="webhook")
    await enqueue(deliveries, "w2", cost=1, action="webhook")
    await deliveries.jobs.update_one({"_id": "w1"}, {"$set": {"state": "running"}})

    started = datetime.now(UTC).timestamp()
    async with (
        running(fast, ["validator", "transcoder", "publisher"]),
        httpx.AsyncClient(base_url=fast.base_url(), timeout=30) as api,
    ):

        async def exported() -> Samples | None:
            """Every queue read since the services started (so after every job above was put)."""
            samples = await scrape(api)
            read = [
                samples.get(("zhengji_queue_refreshed_timestamp_seconds", (("queue", q),)), 0) for q in QUEUES
            ]
            return samples if min(read) >= started else None

        samples = await eventually(exported, 30, "the transcode backlog on /metrics")
        assert jobs(samples, "transcode") == {"queued": 4, "scheduled": 1, "running": 1}
        assert 120 <= age(samples, "transcode") < 180, "the oldest claimable job is t3, two minutes old"
        assert jobs(samples, "quality_check") == {"queued": 2, "scheduled": 0, "running": 0}
        assert 0 <= age(samples, "quality_check") < 60
        assert jobs(samples, "delivery") == {"queued": 2, "scheduled": 0, "running": 0}
        assert jobs(samples, "webhook") == {"queued": 1, "scheduled": 0, "running": 1}

        # The numbers follow the table: the queue drains, the age goes back to 0.
        await checks.jobs.update_many({}, {"$set": {"state": "done"}})

        async def drained() -> Samples | None:
            samples = await scrape(api)
            return samples if jobs(samples, "quality_check")["queued"] == 0 else None

        samples = await eventually(drained, 30, "the quality-check backlog to drain on /metrics")
        assert age(samples, "quality_check") == 0
        refreshed = samples[("zhengji_queue_refreshed_timestamp_seconds", (("queue", "quality_check"),))]
        assert abs(refreshed - datetime.now(UTC).timestamp()) < 30
