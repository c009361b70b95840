"""A blob a service cannot read is our fault, not the entrant's (issue 11): five services with five
data dirs once reported every upload as ``failed_validation``. Now the validator retries the
event, then parks it on the dead-letter topic for operators, and writes no verdict."""

import hashlib

from contracts import TOPICS, BlobRef, CampaignDefined
from services.common.settings import Settings
from services.common.store import connect
from tests.integration.dead_letters import read_dead_letters
from tests.integration.validator.test_validator_service import YANBIAN, publish, submitted
from zhengji.server import running


async def test_a_blob_the_validator_cannot_read_is_retried_and_parked_not_failed(settings: Settings) -> None:
    sha256 = hashlib.sha256(b"only on intake's disk").hexdigest()
    elsewhere = BlobRef(uri=f"blob://sha256/{sha256}", sha256=sha256, size=21, media_type="video/mp4")
    event = submitted("s-elsewhere", elsewhere)
    client = connect(settings.mongodb_uri)
    try:
        async with running(settings, ["validator"]):
            await publish(settings, CampaignDefined(campaign_id=YANBIAN.id, producer="intake", spec=YANBIAN))
            await publish(settings, event)
            [(_, headers)] = await read_dead_letters(settings.kafka_bootstrap_servers, TOPICS["submitted"], 1)
            db = client[f"{settings.db_prefix}_validator"]
            report = await db["reports"].find_one({"_id": "s-elsewhere:v1"})
            validated = await db["outbox"].find_one({"causation": str(event.event_id)})
    finally:
        await client.close()
    assert headers["x-error-kind"] == "handler_failed"
    assert "BlobUnavailable" in headers["x-error"] and sha256[2:] in headers["x-error"]
    assert report is None and validated is None  # no verdict: the entrant is never told it failed
