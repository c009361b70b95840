"""A circuit breaker per platform: one platform down holds up no other, and its deliveries wait."""

import httpx
import pytest

from services.common.settings import Settings
from tests.conftest import eventually
from tests.integration.publisher.harness import (
    campaign_with,
    delivery,
    produce,
    read_published,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, serving


@pytest.fixture
def long_cooldown(monkeypatch: pytest.MonkeyPatch) -> None:
    # Long enough that the second work surely meets the open circuit; the test waits it out once.
    monkeypatch.setenv("ZHENGJI_PUBLISHER_CIRCUIT_COOLDOWN_S", "8")


async def test_an_open_circuit_reschedules_deliveries_without_spending_their_tries(
    long_cooldown: None, api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(fail_first=3, fail_status=503)) as down, serving(StandIn()) as up:
        cid = await campaign_with(
            kafka,
            [
                target("down", down.url("/down"), max_attempts=3),
                target("up", up.url("/up"), qualifies=["recommended"], level="county"),
            ],
        )
        first = reviewed(cid, 1)
        await produce(kafka, first)
        # Three failures in a row: the delivery is parked and the platform's circuit opens.
        await settled(api, first.submission_id, {"down": "failed"})
        circuits = {c["platform"]: c for c in (await api.get("/api/publisher/circuits")).json()}
        assert circuits[down.url("")]["state"] == "open"

        second, other = reviewed(cid, 2), reviewed(cid, 3, outcome="recommended", level="county")
        await produce(kafka, second, other)
        # The other platform is served at once, while the second work waits for the circuit, untried.
        await settled(api, other.submission_id, {"up": "published"})

        async def waiting() -> dict[str, object] | None:
            job = await delivery(api, f"{second.submission_id}:down")
            return job if job["waiting_for"] and job["state"] == "queued" else None

        job = await eventually(waiting, 30, "the second delivery to wait for the circuit")
        assert job["total_tries"] == 0 and "circuit open" in str(job["waiting_for"])
        assert len(down.log) == 3

        # After the cool-down one probe goes through, succeeds, and closes the circuit.
        await settled(api, second.submission_id, {"down": "published"}, timeout_s=60)
        assert (
            await api.post(f"/api/publisher/deliveries/{first.submission_id}:down/retry")
        ).status_code == 202
        await settled(api, first.submission_id, {"down": "published"})

    assert (await delivery(api, f"{second.submission_id}:down"))["total_tries"] == 1
    assert [r["status"] for r in down.log] == [503, 503, 503, 201, 201]
    assert sorted(r["key"] for r in down.received) == sorted(
        [f"{first.submission_id}:down", f"{second.submission_id}:down"]
    )
    assert len(up.received) == 1
    circuits = {c["platform"]: c for c in (await api.get("/api/publisher/circuits")).json()}
    assert circuits[down.url("")]["state"] == "closed" and circuits[down.url("")]["times_opened"] == 1
    events = await read_published(kafka, 4)
    by_work = {(e["submission_id"], e["target"], e["status"]) for e in events}
    assert by_work == {
        (first.submission_id, "down", "failed"),
        (first.submission_id, "down", "published"),
        (second.submission_id, "down", "published"),
        (other.submission_id, "up", "published"),
    }
