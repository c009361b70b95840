"""A service's consumer lag and the depth of its dead-letter topics, as Prometheus gauges.

Each service measures its own consumer group on the topics it subscribes to: the group's
committed offsets (an admin client's OffsetFetch) against each partition's end offset (a
group-less consumer's ListOffsets). A partition the group has not committed on yet counts from
its beginning, as the group will read it (``auto_offset_reset="earliest"``, bus.py). A
dead-letter topic's depth is its end minus its beginning offset: what retention still holds,
i.e. what an operator has not dealt with yet.

Read in a loop (``Service.spawn_every``), not at scrape time, for the reason backlog.py gives;
``zhengji_consumer_lag_refreshed_timestamp_seconds`` says when the numbers were last read.
Lag near zero does not mean idle: handlers only enqueue media work, so the job queues' own
gauges (backlog.py) say how far behind the encodes are."""

import contextlib
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import dlq_topic
from services.common.metrics import CONSUMER_LAG, CONSUMER_LAG_REFRESHED, DLQ_DEPTH


def _by_topic(values: Iterable[tuple[TopicPartition, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for tp, value in values:
        totals[tp.topic] = totals.get(tp.topic, 0) + value
    return totals


class ConsumerLag:
    """Lag of consumer group ``group`` on ``topics``, and the depth of those topics' DLQs."""

    def __init__(
        self, bootstrap: str, group: str, topics: list[str], options: dict[str, Any] | None = None
    ) -> None:
        """``options``: how to connect (``kafka_security.client_options``); plaintext when None."""
        self.bootstrap, self.group, self.topics = bootstrap, group, topics
        self.options = options or {}
        self.dlqs = [dlq_topic(t) for t in topics]
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        # Kept across refreshes (a connection every 10 s is noise in the broker's logs); dropped
        # after a failure, so the next refresh starts from fresh connections.
        if self._admin is None or self._offsets is None:
            where = {"bootstrap_servers": self.bootstrap, "client_id": f"{self.group}-lag", **self.options}
            admin = AIOKafkaAdminClient(**where)
            offsets = AIOKafkaConsumer(**where)
            self._admin, self._offsets = admin, offsets
            await admin.start()
            await offsets.start()
        return self._admin, self._offsets

    async def _partitions(self, admin: AIOKafkaAdminClient, topics: list[str]) -> list[TopicPartition]:
        described = await admin.describe_topics(topics)
        return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]

    async def refresh(self) -> None:
        """Read the group's lag and the DLQs' depth once; run it with ``Service.spawn_every``."""
        try:
            admin, offsets = await self._clients()
            partitions = await self._partitions(admin, self.topics)
            committed = await admin.list_consumer_group_offsets(self.group, partitions=partitions)
            dead = await self._partitions(admin, self.dlqs)
            starts = await offsets.beginning_offsets([*partitions, *dead])
            ends = await offsets.end_offsets([*partitions, *dead])
        except Exception:
            await self.close()
            raise
        done = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
        lag = _by_topic((tp, max(0, ends[tp] - done.get(tp, starts[tp]))) for tp in partitions)
        depth = _by_topic((tp, ends[tp] - starts[tp]) for tp in dead)
        # All read first, then all set: a scrape never sees one topic new and its sibling old.
        for topic in self.topics:
            CONSUMER_LAG.labels(self.group, topic).set(lag.get(topic, 0))
        for topic in self.dlqs:
            DLQ_DEPTH.labels(topic).set(depth.get(topic, 0))
        CONSUMER_LAG_REFRESHED.labels(self.group).set_to_current_time()

    async def close(self) -> None:
        admin, offsets, self._admin, self._offsets = self._admin, self._offsets, None, None
        # Closing a client that never connected can raise too; nothing is left to do about it.
        with contextlib.suppress(Exception):
            if offsets is not None:
                await offsets.stop()
        with contextlib.suppress(Exception):
            if admin is not None:
                await admin.close()
