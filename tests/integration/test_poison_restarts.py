"""A message whose handling kills its consumer process, on the real broker and store: after the
bounded attempts (each one a dead process, counted in the store) the next restart parks it in
``<topic>.dlq`` and handles the message behind it, instead of dying on it forever."""

import subprocess
import sys
from pathlib import Path

from aiokafka import AIOKafkaProducer

from contracts import dlq_topic
from services.common.settings import Settings
from services.common.store import connect
from services.common.topic_admin import apply
from services.common.topic_plan import TopicSpec
from tests.conftest import eventually
from tests.integration.dead_letters import read_dead_letters
from tests.integration.poison_consumer import DB, TOPIC, Noted

ATTEMPTS = 2


def _start(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)


async def test_a_message_that_kills_its_consumer_ends_in_the_dlq_and_the_next_is_handled(
    settings: Settings, procs: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    bootstrap = settings.kafka_bootstrap_servers
    await apply(bootstrap, [TopicSpec(t, 6, 1) for t in (TOPIC, dlq_topic(TOPIC))], create_only=True)
    poison = Noted(campaign_id="c1", producer="test", note="poison")
    after = Noted(campaign_id="c1", producer="test", note="after")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in (poison, after):  # one key: one partition, the poison in front
            await producer.send_and_wait(TOPIC, event.model_dump_json().encode(), key=b"s1")
    finally:
        await producer.stop()

    client = connect(settings.mongodb_uri)
    notes = client[DB]["notes"]
    argv = [sys.executable, "-m", "tests.integration.poison_consumer", bootstrap, settings.mongodb_uri]
    argv.append(str(ATTEMPTS))
    log = tmp_path / "consumer.log"
    try:
        for _ in range(ATTEMPTS + 2):  # one bounded restart more than needed
            proc = _start(argv, log)
            procs.append(proc)

            async def died_or_handled(proc: subprocess.Popen[bytes] = proc) -> bool:
                return proc.poll() is not None or await notes.find_one({"_id": "after"}) is not None

            await eventually(died_or_handled, 90, "the consumer to die on the poison or get past it")
            if proc.poll() is None:
                break
            assert proc.returncode == 3, "killed by the poison event, not by something else"

        assert await notes.find_one({"_id": "after"}) is not None
        assert [p.returncode for p in procs[:-1]] == [3] * ATTEMPTS
        assert procs[-1].poll() is None, "the restart after the attempts is alive and moved on"
        [(body, headers)] = await read_dead_letters(bootstrap, TOPIC, 1)
        assert body == poison.model_dump_json().encode()
        assert (headers["x-error-kind"], headers["x-attempts"]) == ("attempts_exhausted", str(ATTEMPTS))
        assert await client[DB]["attempts"].find_one({"_id": str(poison.event_id)}) is None
    finally:
        await client.close()
