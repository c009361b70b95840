"""The embedded runtime declares its topics with as many partitions as Tansu gives a topic it
makes by itself. After the broker restarts, the consumers that reconnect first make their topics
again; with any other count a producer holding the old metadata would send to partitions the new
topic lacks, which Tansu acknowledges and drops (a re-driven submission was lost so in CI)."""

from pathlib import Path

from aiokafka import AIOKafkaConsumer

from tests.conftest import eventually
from zhengji.embedded import EmbeddedServers
from zhengji.server import embedded_settings


async def test_a_topic_tansu_makes_by_itself_has_the_partitions_the_runtime_declares(
    servers: EmbeddedServers, tmp_path: Path
) -> None:
    declared = embedded_settings(tmp_path, servers, "127.0.0.1", 0).kafka_partitions
    consumer = AIOKafkaConsumer("a-topic-nobody-made", bootstrap_servers=servers.kafka_bootstrap)
    await consumer.start()  # its metadata request makes the topic
    try:

        async def made() -> set[int] | None:
            await consumer.topics()
            found: set[int] | None = consumer.partitions_for_topic("a-topic-nobody-made")
            return found

        partitions = await eventually(made, 30, "Tansu to make the topic")
        assert len(partitions) == declared
    finally:
        await consumer.stop()
