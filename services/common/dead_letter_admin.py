"""Looking at a dead-letter topic and sending its messages back (``zhengji admin dlq``).

A dead letter is the original message's bytes with headers saying why it was parked
(``consumer.py``: ``x-error-kind``, ``x-error``, ``x-attempts``, ``x-original-topic``,
``x-consumer-group``...). Replaying sends the bytes to the original topic again, keyed as the
event's own key (``contracts.topics.key_field``), so a submission's events stay on one partition.
That is safe to do more than once and safe for every consumer group of the topic: each group's
inbox already holds the events it handled, so only the group that parked the message acts on it.
Its attempt count was forgotten when it was parked, so the replayed message gets fresh attempts.
Fix the cause first (a campaign not yet known, a store that was down, a bug): a message that
fails again is parked again, not lost."""

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts.topics import DLQ_SUFFIX, key_field
from services.common.topic_admin import Options


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    value: bytes
    headers: dict[str, str]
    timestamp_ms: int | None = None  # when it was parked (the record's time), if the broker says

    @cached_property  # parsed once: a sweep asks each letter for its event several times
    def event(self) -> dict[str, Any] | None:
        try:
            parsed = json.loads(self.value)
        except ValueError:  # the poison was not even JSON
            return None
        return parsed if isinstance(parsed, dict) else None

    @property
    def event_id(self) -> str | None:
        event = self.event
        return str(event["event_id"]) if event and "event_id" in event else None

    @property
    def key(self) -> bytes | None:
        event = self.event
        if not event or "event_type" not in event:
            return None
        value = event.get(key_field(str(event["event_type"])))
        return str(value).encode() if value is not None else None

    def original_topic(self, dlq: str) -> str:
        return self.headers.get("x-original-topic") or dlq.removesuffix(DLQ_SUFFIX)

    def summary(self) -> dict[str, Any]:
        event = self.event or {}
        return {
            "partition": self.partition,
            "offset": self.offset,
            "event_id": self.event_id,
            "event_type": event.get("event_type"),
            "key": self.key.decode() if self.key else None,
            "kind": self.headers.get("x-error-kind"),
            "group": self.headers.get("x-consumer-group"),
            "error": self.headers.get("x-error", "")[:300],
        }


async def read_dead_letters(
    bootstrap: str, dlq: str, options: Options = None, deadline_s: float = 120.0
) -> list[DeadLetter]:
    """Every message the dead-letter topic holds now, oldest first per partition; no group is
    joined and no offset committed, so reading changes nothing. A broker that stops giving the
    messages it listed ends the read with :class:`TimeoutError` after ``deadline_s``."""
    if not dlq.endswith(DLQ_SUFFIX):
        raise ValueError(f"不是死信主题 / not a dead-letter topic (…{DLQ_SUFFIX}): {dlq}")
    return [letter for _, letter in await read_after(bootstrap, [dlq], {}, options, deadline_s)]


async def read_after(
    bootstrap: str,
    dlqs: Sequence[str],
    after: Mapping[tuple[str, int], int],
    options: Options = None,
    deadline_s: float = 120.0,
    limit: int | None = None,
    max_bytes: int | None = None,
) -> list[tuple[str, DeadLetter]]:
    """The messages of the dead-letter topics after ``after`` ((topic, partition) -> the last
    offset already read; from the beginning where it has none), oldest first per partition, at
    most ``limit`` of them and about ``max_bytes`` of their values (a poison may be as large as the
    broker allows; the rest are there next time, and at least one is read). Like
    ``read_dead_letters``, no group is joined."""
    # "earliest" as well as the seek below: an assignment's first position is otherwise looked up
    # as "latest", and that lookup can land after the seek (seen: an empty listing now and then).
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", **(options or {})
    )
    await consumer.start()
    try:
        if any(not consumer.partitions_for_topic(t) for t in dlqs):
            await consumer.topics()  # metadata for topics this client has not asked about yet
        tps = [TopicPartition(t, p) for t in dlqs for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            if (tp.topic, tp.partition) in after:
                consumer.seek(tp, after[(tp.topic, tp.partition)] + 1)
            else:
                await consumer.seek_to_beginning(tp)
        found: list[tuple[str, DeadLetter]] = []
        size = 0
        give_up = asyncio.get_running_loop().time() + deadline_s

        def room() -> bool:
            return (limit is None or len(found) < limit) and (max_bytes is None or size < max_bytes)

        for tp in tps:
            while room() and await consumer.position(tp) < ends[tp]:
                if asyncio.get_running_loop().time() > give_up:
                    zh = f"死信主题 {tp.topic} 未能在 {deadline_s:g} 秒内读完"
                    raise TimeoutError(f"{zh} / not read within {deadline_s:g} s")
                batch = await consumer.getmany(tp, timeout_ms=1000)
                for record in batch.get(tp, []):
                    if record.offset < ends[tp] and record.value is not None and room():
                        headers = {k: v.decode(errors="replace") for k, v in record.headers}
                        value, at = record.value, record.timestamp
                        found.append((tp.topic, DeadLetter(tp.partition, record.offset, value, headers, at)))
                        size += len(record.value)
        return found
    finally:
        await consumer.stop()


async def replay(
    bootstrap: str, dlq: str, letters: Iterable[DeadLetter], options: Options = None
) -> list[DeadLetter]:
    """Send ``letters`` back to their original topic; the ones sent."""
    sent: list[DeadLetter] = []
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **(options or {}))
    await producer.start()
    try:
        for letter in letters:
            marker = f"{dlq}@{letter.partition}:{letter.offset}".encode()
            await producer.send_and_wait(
                letter.original_topic(dlq),
                letter.value,
                key=letter.key,
                headers=[("x-replayed-from", marker)],
            )
            sent.append(letter)
    finally:
        await producer.stop()
    return sent


def chosen(letters: list[DeadLetter], event_ids: list[str], everything: bool) -> list[DeadLetter]:
    """The letters an operator named (by event id), or all of them with ``everything``."""
    if everything:
        return letters
    wanted = set(event_ids)
    return [letter for letter in letters if letter.event_id in wanted]
