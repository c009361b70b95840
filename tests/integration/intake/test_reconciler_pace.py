"""The reconciler on the real broker and store, while validation is busy: a submission waiting its
turn is left alone, one the stage has moved past is re-driven at once, and the one that waited is
re-driven once the stage goes still (the 5,000-arrival day re-drove 1,676 waiting ones)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from pymongo.asynchronous.collection import AsyncCollection

from contracts import TOPICS, SubmissionSubmitted
from services.common.settings import Settings
from services.common.store import connect
from services.intake.status import progress_key
from tests.conftest import eventually
from tests.unit.samples import submitted, validated
from zhengji.server import running

# Well above the time intake takes to record one validated event on a loaded CI machine: the
# stage counts as still once no submission has left it for a deadline.
DEADLINE_S = 10.0
BUSY_FOR_S = 3 * DEADLINE_S


@pytest.fixture
async def submissions(settings: Settings) -> AsyncIterator[AsyncCollection[dict[str, Any]]]:
    busy = settings.model_copy(update={"stage_deadline_s": DEADLINE_S, "reconcile_every_s": 0.2})
    client = connect(settings.mongodb_uri)
    try:
        async with running(busy, ["intake"]):
            yield client[f"{settings.db_prefix}_intake"]["submissions"]
    finally:
        await client.close()


def uploaded(sid: str, at: datetime) -> SubmissionSubmitted:
    return submitted().model_copy(
        update={"submission_id": sid, "correlation_id": f"{sid}:v1", "occurred_at": at}
    )


def in_validation(sid: str, since: datetime, due: datetime | None) -> dict[str, Any]:
    """A submission as intake keeps it once uploaded: in validation, its submitted event to re-send."""
    event = uploaded(sid, since)
    return {
        "_id": sid,
        "campaign_id": event.campaign_id,
        "stage": "validating",
        "stage_since": since,
        "progress": list(progress_key(event)),
        "last_event": {"topic": TOPICS["submitted"], "payload": event.model_dump_json()},
        "redrive_also": [],
        "redrives": 0,
        "redrive_at": due,
    }


async def test_a_submission_waiting_in_a_busy_stage_is_not_re_driven_until_the_stage_goes_still(
    submissions: AsyncCollection[dict[str, Any]], settings: Settings
) -> None:
    now = datetime.now(UTC)
    tag = uuid4().hex[:6].upper()
    waiting, lost, fresh = f"SWAIT{tag}", f"SLOST{tag}", f"SFRESH{tag}"
    ahead = [f"SAHEAD{tag}{i:03d}" for i in range(400)]
    await submissions.insert_many(
        [
            in_validation(waiting, now - timedelta(seconds=20), now + timedelta(seconds=DEADLINE_S)),
            # Uploaded 40 s before `waiting`: the stage is about to pass it by, so its event is lost.
            in_validation(lost, now - timedelta(seconds=60), now),
            *(in_validation(sid, now - timedelta(seconds=21), None) for sid in ahead),
            # Uploaded just now, two deadlines after `waiting`, its event on the bus as the upload sent it.
            in_validation(fresh, now, None),
        ]
    )

    async def redrives(sid: str) -> int:
        doc = await submissions.find_one({"_id": sid}, {"redrives": 1})
        assert doc is not None
        return int(doc["redrives"])

    # The validator works through the uploads that came just before `waiting`, one after another.
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        # The upload's own event is not `fresh` leaving validation (once, read back by intake, it
        # counted as one, and everything a deadline older looked overtaken).
        payload = uploaded(fresh, now).model_dump_json().encode()
        await producer.send_and_wait(TOPICS["submitted"], payload, key=fresh.encode())
        busy_until = datetime.now(UTC) + timedelta(seconds=BUSY_FOR_S)
        done = 0
        while datetime.now(UTC) < busy_until:
            sid = ahead[done]
            event = validated().model_copy(
                update={"submission_id": sid, "correlation_id": f"{sid}:v1", "event_id": uuid4()}
            )
            payload = event.model_dump_json().encode()
            await producer.send_and_wait(TOPICS["validated"], payload, key=sid.encode())

            async def applied(sid: str = sid) -> bool:
                doc = await submissions.find_one({"_id": sid}, {"stage": 1})
                return doc is not None and doc["stage"] != "validating"

            await eventually(applied, 30, f"{sid} validated")
            done += 1
            assert await redrives(waiting) == 0, f"re-driven while the stage moved ({done} validated)"
    finally:
        await producer.stop()

    assert await redrives(lost) >= 1  # passed by uploads that came 39 s after it
    assert await redrives(waiting) == 0

    # The stage has gone still with `waiting` in it: now its event may be the one that was lost.
    async def re_driven() -> bool:
        return await redrives(waiting) >= 1

    await eventually(re_driven, 120, "the waiting one re-driven")
