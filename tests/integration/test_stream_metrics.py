"""Consumer lag, DLQ depth, the outbox backlog and HTTP requests on the real broker and store.

What an operator (and the alerts in k8s/observability/) reads: a group N messages behind shows
lag N; a message parked in a dead-letter topic makes its depth grow; an outbox entry not yet
published shows as backlog with its age; an HTTP call is counted by its route template."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient
from structlog.testing import capture_logs

from contracts import TOPICS, dlq_topic
from services.common.bus import make_broker
from services.common.kafka_lag import ConsumerLag
from services.common.outbox import Outbox
from services.common.settings import Settings
from services.common.store import Doc, connect, service_db
from services.common.topic_admin import apply, topics_of
from tests.conftest import eventually
from tests.integration.metrics_scrape import Samples, scrape
from zhengji.server import running

SUBMITTED = TOPICS["submitted"]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncMongoClient[Doc]]:
    client = connect(settings.mongodb_uri)
    yield client
    await client.close()


async def measured_lag(settings: Settings, group: str) -> float | None:
    """``group``'s lag on the submitted topic, as a service's lag loop exports it."""
    lag = ConsumerLag(settings.kafka_bootstrap_servers, group, [SUBMITTED])
    try:
        await lag.refresh()
    finally:
        await lag.close()
    return REGISTRY.get_sample_value("zhengji_consumer_lag_messages", {"group": group, "topic": SUBMITTED})


async def first_message(reader: AIOKafkaConsumer, topic: str) -> ConsumerRecord[bytes, bytes]:
    """The first message of whichever partition of ``topic`` holds one (read without joining a group)."""
    await reader.topics()  # loads the cluster's metadata, which partitions_for_topic reads
    partitions = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic) or [])]
    assert partitions
    reader.assign(partitions)
    await reader.seek_to_beginning(*partitions)
    return await reader.getone()


def lag(samples: Samples, group: str, topic: str) -> float:
    return samples.get(("zhengji_consumer_lag_messages", (("group", group), ("topic", topic))), -1)


def depth(samples: Samples, topic: str) -> float:
    return samples.get(("zhengji_dlq_messages", (("topic", topic),)), -1)


async def test_lag_counts_what_the_group_has_not_read_and_the_dlq_what_it_parked(settings: Settings) -> None:
    await apply(settings.kafka_bootstrap_servers, topics_of(settings), create_only=True)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for i in range(3):  # not events at all: the validator will park each one in the DLQ
            await producer.send_and_wait(SUBMITTED, f"not an event {i}".encode(), key=f"s{i}".encode())
    finally:
        await producer.stop()

    # The validator's group has read nothing yet: it is three behind, and nothing is parked.
    assert await measured_lag(settings, "zhengji-validator") == 3
    assert REGISTRY.get_sample_value("zhengji_dlq_messages", {"topic": dlq_topic(SUBMITTED)}) == 0

    # Another group that has committed past the first message it read is two behind.
    reader = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id="zhengji-probe", enable_auto_commit=False
    )
    await reader.start()
    try:
        first = await first_message(reader, SUBMITTED)
        await reader.commit({TopicPartition(SUBMITTED, first.partition): first.offset + 1})
    finally:
        await reader.stop()
    assert await measured_lag(settings, "zhengji-probe") == 2

    fast = settings.model_copy(update={"backlog_every_s": 0.2})
    async with (
        running(fast, ["validator"]),
        httpx.AsyncClient(base_url=fast.base_url(), timeout=30) as api,
    ):

        async def caught_up() -> Samples | None:
            samples = await scrape(api)
            done = (
                lag(samples, "zhengji-validator", SUBMITTED) == 0
                and depth(samples, dlq_topic(SUBMITTED)) == 3
            )
            return samples if done else None

        samples = await eventually(caught_up, 60, "the validator's lag at 0 and its three dead letters")
        assert lag(samples, "zhengji-validator", TOPICS["validated"]) == -1, "only the topics it reads"


async def test_an_unsent_outbox_entry_shows_as_backlog_with_its_age_until_relayed(
    settings: Settings, client: AsyncMongoClient[Doc]
) -> None:
    await apply(settings.kafka_bootstrap_servers, topics_of(settings), create_only=True)
    outbox = Outbox(service_db(client, settings.db_prefix, "review"))
    await outbox.collection.insert_one(
        {
            "_id": "e1",
            "topic": TOPICS["reviewed"],
            "key": "s1",
            "payload": "{}",
            "causation": None,
            "sent": False,
            "created_at": datetime.now(UTC) - timedelta(minutes=5),
        }
    )
    sample = REGISTRY.get_sample_value
    await outbox.export_backlog("review")
    assert sample("zhengji_outbox_unsent", {"service": "review"}) == 1
    assert 300 <= (sample("zhengji_outbox_oldest_unsent_age_seconds", {"service": "review"}) or 0) < 400

    broker = make_broker(settings.kafka_bootstrap_servers, "zhengji-test")
    await broker.connect()
    try:
        assert await outbox.relay_once(broker) == 1
    finally:
        await broker.stop()
    await outbox.export_backlog("review")
    assert sample("zhengji_outbox_unsent", {"service": "review"}) == 0
    assert sample("zhengji_outbox_oldest_unsent_age_seconds", {"service": "review"}) == 0


async def test_http_calls_are_counted_and_logged_by_route_template_without_secrets(
    settings: Settings,
) -> None:
    async with (
        running(settings, ["intake"]),
        httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as api,
    ):
        headers = {"Authorization": "Bearer secret-bearer"}
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
            r = await api.get("/api/units/999000?token=secret-query", headers=headers)
            assert r.status_code == 404
            assert (await api.get("/no/such/page/12345")).status_code == 404
        samples = await scrape(api)

    route = (("method", "GET"), ("route", "/api/units/{code}"), ("status", "404"))
    assert samples[("zhengji_http_requests_total", route)] >= 1
    assert (
        samples[
            ("zhengji_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))
        ]
        >= 1
    )
    assert samples[("zhengji_http_request_seconds_count", route[:2])] >= 1
    # Label values only: a sample's value (a duration, say) may hold the same digits by chance.
    labels = [value for (_, pairs) in samples for (_, value) in pairs]
    assert not [v for v in labels if "999000" in v or "12345" in v], "no raw paths in the metrics"

    access = [line for line in lines if line["event"] == "http_request"]
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("GET", "/api/units/{code}", 404),
        ("GET", "unmatched", 404),
    ]
    assert access[0]["client"] == "127.0.0.1" and access[0]["duration_ms"] >= 0
    assert "secret" not in repr(lines), "no query string, no Authorization in the logs"
