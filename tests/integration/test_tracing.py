"""Traces across HTTP and Kafka: an admin's request that defines a campaign is one trace, from
intake's HTTP span through the outbox relay's publish to review's processing of the event, in
its own consumer group. With tracing off, nothing is carried: no trace context is stored."""

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts import CAMPAIGN_TOPIC
from services.common import tracing
from services.common.settings import Settings
from services.common.store import connect, service_db
from tests.conftest import admin_client, create_campaign, eventually


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory (as an OTLP exporter would send them to a collector)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    yield exporter
    tracing.install(None)


def group_of(span: ReadableSpan) -> object:
    return (span.attributes or {}).get("messaging.consumer.group.name")


async def test_a_request_and_the_event_it_emits_are_one_trace_across_two_services(
    exported: InMemorySpanExporter, settings: Settings
) -> None:
    async with admin_client(settings, ["review"]) as api:
        cid = await create_campaign(api)

        def request() -> ReadableSpan | None:
            found = [s for s in exported.get_finished_spans() if s.name == "POST /api/campaigns"]
            return found[0] if found else None

        async def processed_by_review() -> list[ReadableSpan]:
            posted = request()
            if posted is None or posted.context is None:
                return []
            same = [
                s
                for s in exported.get_finished_spans()
                if s.context is not None and s.context.trace_id == posted.context.trace_id
            ]
            return same if any(group_of(s) == "zhengji-review" for s in same) else []

        trace = await eventually(processed_by_review, 60, "review's processing span in the request's trace")
        assert (await api.get(f"/api/review/campaigns/{cid}/plan")).status_code == 200

    posted = request()
    assert posted is not None and posted.kind == SpanKind.SERVER
    assert (posted.attributes or {})["http.response.status_code"] == 201
    kinds = {(s.kind, s.name) for s in trace}
    assert (SpanKind.PRODUCER, f"{CAMPAIGN_TOPIC} publish") in kinds
    (consumed,) = [s for s in trace if group_of(s) == "zhengji-review"]
    assert consumed.kind == SpanKind.CONSUMER and consumed.name == f"{CAMPAIGN_TOPIC} process"


async def test_with_tracing_off_no_context_is_stored(settings: Settings) -> None:
    async with admin_client(settings, ["review"]) as api:
        cid = await create_campaign(api)
    client = connect(settings.mongodb_uri)
    try:
        row = await service_db(client, settings.db_prefix, "intake")["outbox"].find_one({"key": cid})
    finally:
        await client.close()
    assert row is not None and "trace" not in row
