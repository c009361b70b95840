"""Reading dead letters after the offsets already told of (the notifier's sweep) takes a bounded
amount at a time: poison messages near the broker's size limit are read a few per sweep, the rest
by the next, and none is skipped or read twice."""

from aiokafka import AIOKafkaProducer

from contracts import CAMPAIGN_TOPIC, dlq_topic
from services.common.dead_letter_admin import read_after
from services.common.settings import Settings

DLQ = dlq_topic(CAMPAIGN_TOPIC)
BIG = 400_000  # bytes of one poison; the broker takes up to 1 MB
MAX_SWEEPS = 10


async def test_large_dead_letters_are_read_a_bounded_amount_per_sweep(settings: Settings) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, max_request_size=2**20)
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(DLQ, bytes([65 + i]) * BIG, partition=0)
    finally:
        await producer.stop()

    async def sweeps(max_bytes: int) -> list[str]:
        """The letters each sweep reads (by their first byte), sweeping until one reads nothing."""
        marks: dict[tuple[str, int], int] = {}
        seen: list[str] = []
        for _ in range(MAX_SWEEPS):
            read = await read_after(settings.kafka_bootstrap_servers, [DLQ], marks, max_bytes=max_bytes)
            if not read:
                return seen
            seen.append("".join(chr(letter.value[0]) for _, letter in read))
            marks[(DLQ, 0)] = read[-1][1].offset
        raise AssertionError(f"still reading after {MAX_SWEEPS} sweeps: {seen}")

    # Up to the first letter past 1 MB each time: 3 letters (1.2 MB), then the last 2.
    assert await sweeps(1_000_000) == ["ABC", "DE"]
    # A letter larger than the whole allowance is still read, one a sweep: none is stuck behind it.
    assert await sweeps(BIG // 4) == ["A", "B", "C", "D", "E"]
    assert (
        await read_after(settings.kafka_bootstrap_servers, [DLQ], {}, limit=2)
        == (await read_after(settings.kafka_bootstrap_servers, [DLQ], {}))[:2]
    )
