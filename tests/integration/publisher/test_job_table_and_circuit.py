"""The job table's ``not_before`` and the store-backed circuit breaker, on the real store."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.common.jobs import DONE, FAILED, QUEUED, JobTable, LeaseLost
from services.common.store import connect
from services.publisher.circuit import CLOSED, HALF_OPEN, OPEN, Circuits
from zhengji.embedded import EmbeddedServers


@pytest.fixture
async def db(servers: EmbeddedServers) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client = connect(servers.mongodb_uri)
    yield client["zhengji_publisher_test"]
    await client.close()


async def test_a_job_is_not_claimed_before_its_time_and_a_release_puts_it_back(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    table = JobTable(db, "jobs", lease_s=30)
    now = datetime.now(UTC)
    await table.enqueue("later", {"n": 1}, 0.0, None, not_before=now + timedelta(hours=1))
    await table.enqueue("due", {"n": 2}, 0.0, None, not_before=now - timedelta(seconds=1))
    await table.enqueue("now", {"n": 3}, 1.0, None)
    # A job enqueued before not_before existed has no such field: it is due.
    old = {"_id": "old", "state": QUEUED, "payload": {}, "cost": 2.0, "attempts": 0, "created_at": now}
    await table.jobs.insert_one(old)
    claimed = [(await table.claim("w1")) for _ in range(4)]
    assert [j["_id"] if j else None for j in claimed] == ["due", "now", "old", None]

    job = claimed[0]
    assert job is not None
    await table.release(job, now + timedelta(hours=2), note="backing off")
    assert await table.claim("w1") is None
    released = await table.get("due")
    assert released is not None and released["state"] == QUEUED and released["attempts"] == 0
    assert released["note"] == "backing off"
    with pytest.raises(LeaseLost):  # released: no longer ours
        await table.release(job, None)
    assert claimed[1] is not None
    await table.release(claimed[1], None)  # back at once
    again = await table.claim("w2")
    assert again is not None and again["_id"] == "now"


async def test_only_a_failed_job_is_requeued(db: AsyncDatabase[dict[str, Any]]) -> None:
    table = JobTable(db, "jobs", lease_s=30)
    await table.enqueue("j", {}, 0.0, None)
    job = await table.claim("w")
    assert job is not None
    async with db.client.start_session() as session:
        await table.finish(job, FAILED, session, reason="gave up")
    assert await table.requeue("j", reason=None) is True
    assert await table.requeue("j") is False  # queued now, not failed
    job = await table.claim("w")
    assert job is not None
    async with db.client.start_session() as session:
        await table.finish(job, DONE, session)
    assert await table.requeue("j") is False


async def test_the_circuit_opens_lets_one_probe_through_and_closes(db: AsyncDatabase[dict[str, Any]]) -> None:
    circuits = Circuits(db, failures=3, cooldown_s=0.0)
    platform = "http://127.0.0.1:1"
    assert (await circuits.admit(platform, probe_s=30)).allowed
    assert [await circuits.failed(platform) for _ in range(3)] == [False, False, True]
    (state,) = await circuits.all()
    assert state["state"] == OPEN and state["times_opened"] == 1

    # Cool-down over (zero here): exactly one probe is admitted, the rest wait for its answer.
    first, second = await circuits.admit(platform, probe_s=30), await circuits.admit(platform, probe_s=30)
    assert first.allowed and first.probe and not second.allowed
    assert second.retry_at is not None and second.retry_at > datetime.now(UTC)
    assert (await circuits.all())[0]["state"] == HALF_OPEN

    assert await circuits.failed(platform) is True  # the probe failed: open again
    assert (await circuits.all())[0]["state"] == OPEN
    assert (await circuits.admit(platform, probe_s=30)).probe
    await circuits.succeeded(platform)
    (state,) = await circuits.all()
    assert state["state"] == CLOSED and state["failures"] == 0
    assert (await circuits.admit(platform, probe_s=30)) == (await circuits.admit(platform, probe_s=30))


async def test_an_open_circuit_refuses_until_its_cool_down_ends(db: AsyncDatabase[dict[str, Any]]) -> None:
    circuits = Circuits(db, failures=1, cooldown_s=3600)
    assert await circuits.failed("http://down") is True
    refused = await circuits.admit("http://down", probe_s=30)
    assert not refused.allowed and refused.retry_at is not None
    assert refused.retry_at > datetime.now(UTC) + timedelta(minutes=59)
    assert (await circuits.admit("http://up", probe_s=30)).allowed  # another platform is not held up
