"""The embedded broker restarts (memory storage: everything in it is gone) while a submission's
event sits in it unconsumed: the runtime starts the broker again, intake sees that the broker is
new and re-drives the submission at once, not after its stage deadline (here an hour, so only
that re-drive can move it within the test's wait)."""

import json
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import TOPICS
from services.common.settings import Settings
from tests.conftest import UNIT, admin_client, create_campaign, eventually
from zhengji import samples
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.samples import yanbian_form
from zhengji.server import running

HOUR = 3600.0


async def event_ids_on(bootstrap: str, topic: str, submission_id: str) -> list[str]:
    """The event ids of every record on ``topic`` for one submission, read to the end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # the metadata, for the topic's partitions
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[str] = []

        async def read_to_end() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found.extend(
                    json.loads(r.value)["event_id"] for r in records if r.key == submission_id.encode()
                )
            return all([await consumer.position(tp) >= end for tp, end in ends.items()])

        await eventually(read_to_end, 30, f"the end of {topic}")
        return found
    finally:
        await consumer.stop()


async def test_a_submission_in_flight_when_the_broker_restarts_moves_on_at_once(
    servers: EmbeddedServers, settings: Settings, tmp_path: Path
) -> None:
    patient = settings.model_copy(update={"stage_deadline_s": HOUR, "reconcile_every_s": HOUR})
    media = await samples.conforming(tmp_path / "ok.mp4", seconds=2)
    # No validator yet: the upload's ``submitted`` event waits in the broker, unconsumed.
    async with servers.kept_alive(), admin_client(patient, ["transcoder", "review", "publisher"]) as api:
        cid = await create_campaign(api)
        reg = await api.post(
            f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"}
        )
        assert reg.status_code == 201, reg.text
        sid = reg.json()["submission_id"]
        put = await api.put(f"/api/submissions/{sid}/media", content=media.read_bytes())
        assert put.status_code == 202, put.text
        assert (await api.get(f"/api/submissions/{sid}")).json()["stage"] == "validating"

        broker = servers.procs[0]
        broker.kill()  # the broker dies with the event (and the campaign's definition) in it

        async def broker_back() -> bool:
            return servers.procs[0] is not broker and servers.procs[0].poll() is None

        await eventually(broker_back, 30, "the runtime to start its broker again")

        validator = patient.model_copy(update={"http_port": free_port()})
        async with running(validator, ["validator"]):

            async def passed() -> str | None:
                stage = (await api.get(f"/api/submissions/{sid}")).json()["stage"]
                return stage if stage == "awaiting_approval" else None

            # Well before the hour: only the re-drive on the new broker can have moved it.
            await eventually(passed, 180, "the upload to be checked and transcoded after the restart")

        timeline = (await api.get(f"/api/submissions/{sid}")).json()["timeline"]
        kinds = sorted(e["event_type"] for e in timeline)
        assert kinds.count("submission.validated") == 1, kinds
        assert kinds.count("submission.transcoded") == 1, kinds
        for stage in ("validated", "transcoded"):
            ids = await event_ids_on(patient.kafka_bootstrap_servers, TOPICS[stage], sid)
            assert len(set(ids)) == 1, f"one {stage} event (however often published): {ids}"
