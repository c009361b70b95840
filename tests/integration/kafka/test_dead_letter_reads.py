"""Reading dead letters after the offsets already told of (the notifier's sweep) takes a bounded
amount at a time: poison messages near the broker's size limit are read a few per sweep, the rest
by the next, and none is skipped or read twice."""

from aiokafka import AIOKafkaProducer

from contracts import CAMPAIGN_TOPIC, dlq_topic
from services.common.dead_letter_admin import read_after
from services.common.settings import Settings

DLQ = dlq_topic(CAMPAIGN_TOPIC)
BIG = 400_000  # bytes of one poison; the broker takes up to 1 MB


async def test_large_dead_letters_are_read_a_bounded_amount_per_sweep(settings: Settings) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, max_request_size=2**20)
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(DLQ, bytes([65 + i]) * BIG, partition=0)
    finally:
        await producer.stop()

    marks: dict[tuple[str, int], int] = {}
    sweeps: list[str] = []
    while read := await read_after(settings.kafka_bootstrap_servers, [DLQ], marks, max_bytes=1_000_000):
        sweeps.append("".join(chr(letter.value[0]) for _, letter in read))
        marks[(DLQ, 0)] = read[-1][1].offset
    # Up to the first letter past 1 MB each time: 3 letters (1.2 MB), then the last 2.
    assert sweeps == ["ABC", "DE"]
    assert (
        await read_after(settings.kafka_bootstrap_servers, [DLQ], {}, limit=2)
        == (await read_after(settings.kafka_bootstrap_servers, [DLQ], {}))[:2]
    )
