"""A rolling upgrade: a newer intake defines a campaign with fields today's services do not
know. Today's services (here: every one) keep the definition and act on it instead of
dead-lettering it; an author who types an unknown field is still told at once."""

import json

import httpx
from aiokafka import AIOKafkaProducer

from contracts import CAMPAIGN_TOPIC, CampaignDefined
from services.common.settings import Settings
from services.common.store import connect, service_db
from services.intake.presets import load_preset
from tests.conftest import OPEN_WINDOW, UNIT, eventually
from zhengji.runtime import SERVICES
from zhengji.samples import yanbian_form


def newer_definition(campaign_id: str) -> dict[str, object]:
    spec = load_preset("yanbian-2024").model_copy(update={"id": campaign_id})
    event = CampaignDefined(campaign_id=campaign_id, producer="intake@next", spec=spec).model_dump(
        mode="json"
    )
    event["spec"]["upload_window"] = OPEN_WINDOW
    # What a later release might add: at the top, in the spec, deep inside a material.
    event["trace_flags"] = "01"
    event["spec"]["certificates"] = {"template": "省级证书", "signatures": 2}
    event["spec"]["materials"][0]["video"]["hdr"] = {"allowed": False}
    return event


async def test_todays_services_keep_and_use_a_newer_campaign_definition(
    system: httpx.AsyncClient, settings: Settings
) -> None:
    event = newer_definition("from-the-future")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(CAMPAIGN_TOPIC, json.dumps(event).encode(), key=b"from-the-future")
    finally:
        await producer.stop()

    client = connect(settings.mongodb_uri)
    try:

        async def everyone_has_it() -> bool:
            for name in SERVICES:
                doc = await service_db(client, settings.db_prefix, name)["campaigns"].find_one(
                    {"_id": "from-the-future"}
                )
                if doc is None:
                    return False
            return True

        await eventually(everyone_has_it, 60, "the newer definition at every service")
    finally:
        await client.close()
    entry = await system.post(
        "/api/campaigns/from-the-future/entries",
        json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"},
    )
    assert entry.status_code == 201, entry.text


async def test_an_author_is_still_told_of_a_field_no_one_knows(system: httpx.AsyncClient) -> None:
    definition = load_preset("yanbian-2024").model_dump(mode="json")
    definition["id"] = "typo"
    definition["materials"][0]["vidoe"] = {"containers": ["mp4"]}
    r = await system.post(
        "/api/campaigns", json={"definition_yaml": json.dumps(definition, ensure_ascii=False)}
    )
    assert r.status_code == 422
    assert "materials[0].vidoe: 未知字段" in r.json()["detail"]["problems"]
