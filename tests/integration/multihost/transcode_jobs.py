"""What the tests read about transcode jobs across hosts: the job rows in the store, which
process held a job, a job caught mid-encode, and the ``transcoded`` events on the topic."""

import json
import os
import signal

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import TOPICS
from services.common.store import Doc, connect
from tests.conftest import eventually
from tests.integration.multihost.cluster import Cluster, Served, children


async def jobs(cluster: Cluster, sids: list[str]) -> list[Doc]:
    client = connect(cluster.infra.servers.mongodb_uri)
    try:
        table = client["zhengji_transcoder"]["jobs"]
        return [j async for j in table.find({"payload.submission_id": {"$in": sids}})]
    finally:
        await client.close()


def holder(cluster: Cluster, job: Doc) -> Served:
    """The transcoder process that held the job: a worker id is ``hostname:pid:nonce``."""
    pid = int(job["worker"].split(":")[1])
    return next(s for s in cluster.served if s.service == "transcoder" and s.proc.pid == pid)


async def frozen_mid_encode(cluster: Cluster, sid: str) -> tuple[Served, list[int]]:
    """Wait for the job's ffmpeg on whichever host runs it and freeze it (SIGSTOP): the job is
    then certainly unfinished until the test acts. The process holding it, and the frozen pids."""

    async def encoding() -> tuple[Served, list[int]] | None:
        found = await jobs(cluster, [sid])
        if not found or found[0]["state"] != "running":
            return None
        held_by = holder(cluster, found[0])
        pids = children(held_by.proc.pid, "ffmpeg")
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return (held_by, pids) if pids else None

    caught: tuple[Served, list[int]] = await eventually(encoding, 60, f"{sid} encoding on some host")
    return caught


async def transcoded_events(bootstrap: str, sid: str) -> int:
    """Distinct ``transcoded`` events on the topic for a submission (its key), read from start to
    end. Distinct by event id: the outbox relay publishes at least once (a produce that timed out
    under load is sent again, and every consumer's inbox drops the copy), so what must happen once
    is the event, one job's outcome, not the record."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = TOPICS["transcoded"]
        await consumer.topics()  # loads the metadata that partitions_for_topic reads
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        found: set[str] = set()
        while any([await consumer.position(p) < ends[p] for p in parts]):
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                found |= {json.loads(r.value)["event_id"] for r in records if r.key == sid.encode()}
        return len(found)
    finally:
        await consumer.stop()
