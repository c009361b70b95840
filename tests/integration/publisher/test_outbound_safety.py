"""What campaign data cannot make the publisher do: call a non-public address, take in an answer
without end, or send a secret the operator did not name."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.conftest import admin_client
from tests.integration.publisher.harness import campaign_with, delivery, produce, reviewed, settled, target
from zhengji.standin import STANDINS_ALLOW, StandIn, serving


async def one_work(api: httpx.AsyncClient, kafka: str, spec: dict[str, Any], status: str) -> tuple[str, Any]:
    """A campaign with the one target ``spec``, one awarded work, and its publication once ``status``."""
    work = reviewed(await campaign_with(kafka, [spec]), 1)
    await produce(kafka, work)
    pubs = await settled(api, work.submission_id, {spec["key"]: status})
    return work.submission_id, pubs[spec["key"]]


@pytest.fixture
async def strict_api(settings: Settings, fast_policy: None) -> AsyncIterator[httpx.AsyncClient]:
    """The publisher as it ships: no ZHENGJI_OUTBOUND_ALLOW, so loopback stand-ins are out of reach."""
    async with admin_client(settings.model_copy(update={"outbound_allow": ""}), ["publisher"]) as client:
        yield client


async def test_a_target_on_loopback_is_parked_unsent_unless_the_operator_allows_it(
    strict_api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as platform:
        sid, pub = await one_work(strict_api, kafka, target("alpha", platform.url("/alpha")), "failed")

    assert platform.requests == 0
    reason = pub["reason"]
    assert "127.0.0.1" in reason and "loopback" in reason and "ZHENGJI_OUTBOUND_ALLOW" in reason
    tries = (await delivery(strict_api, f"{sid}:alpha"))["tries"]
    assert len(tries) == 1 and tries[0]["status"] is None  # parked at once: no retry can help


async def test_the_same_target_is_delivered_when_the_operator_allows_loopback(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.outbound_allow == STANDINS_ALLOW
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as platform:
        await one_work(api, kafka, target("alpha", platform.url("/alpha")), "published")
    assert len(platform.received) == 1


async def test_an_oversized_answer_is_cut_and_parks_the_delivery(
    settings: Settings, fast_policy: None
) -> None:
    capped = settings.model_copy(update={"outbound_max_response_bytes": 4096})
    kafka = settings.kafka_bootstrap_servers
    async with admin_client(capped, ["publisher"]) as api, serving(StandIn(padding=200_000)) as platform:
        spec = target("alpha", platform.url("/alpha"), max_attempts=2)
        sid, pub = await one_work(api, kafka, spec, "failed")
        tries = (await delivery(api, f"{sid}:alpha"))["tries"]

    assert "4096" in pub["reason"] and "cut" in pub["reason"]
    assert len(tries) == 1 and platform.requests == 1


async def test_a_campaign_naming_mongodb_uri_as_its_secret_is_refused_and_never_read(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as platform:
        stealing = target("alpha", platform.url("/alpha"), auth="bearer", secret_env="MONGODB_URI")
        spec = load_preset("yanbian-2024").model_dump(mode="json") | {
            "id": "stealing",
            "publication_targets": [stealing],
        }
        refused = await api.post("/api/campaigns", json={"definition_yaml": json.dumps(spec)})
        assert refused.status_code == 422, refused.text
        detail = refused.json()["detail"]
        assert "MONGODB_URI" in detail["problems"] and "ZHENGJI_PUBLISHER_SECRETS" in detail["problems"]
        assert (await api.get("/api/campaigns/stealing")).status_code == 404

        # A campaign that reaches the publisher some other way (stored before the rule) gets no further.
        _, pub = await one_work(api, kafka, stealing, "failed")

    assert platform.requests == 0
    assert "MONGODB_URI" in pub["reason"] and "not one the operator allows" in pub["reason"]
    assert settings.mongodb_uri not in json.dumps(pub)
