"""OpenTelemetry traces across HTTP and Kafka: exported over OTLP when configured, off otherwise.

One trace follows a piece of work from the HTTP request that started it through every event it
caused: the request's server span (``TraceRequests``), the outbox row the request stored (its
trace context kept beside the payload, because the relay publishes later, in another task), the
relay's publish and each consumer's processing (FastStream's ``KafkaTelemetryMiddleware``, which
carries the W3C ``traceparent`` in the event's Kafka headers), a job enqueued on the way (its row
keeps the context too), and the events those emit in turn.

Off (no ``ZHENGJI_OTLP_ENDPOINT``): no provider, no middleware, nothing stored and no span made;
the cost is one ``None`` check where context would be carried. Tests install a provider of their
own (``install``), e.g. with an in-memory exporter. See docs/decisions/0029-day-2-operations.md."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.asgi_middleware import HttpMiddleware
from services.common.http_metrics import route_of

if TYPE_CHECKING:
    from fastapi import FastAPI

    from services.common.settings import Settings

PROPAGATOR = TraceContextTextMapPropagator()
_provider: trace.TracerProvider | None = None


def install(provider: trace.TracerProvider | None) -> None:
    """Use ``provider`` for every service in this process (None: tracing off)."""
    global _provider
    _provider = provider


def provider_for(settings: "Settings", names: list[str]) -> trace.TracerProvider | None:
    """The process's provider: the one installed, or an OTLP exporter's when one is configured."""
    if _provider is None and settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        provider = TracerProvider(
            resource=Resource.create({"service.name": "zhengji-" + "-".join(names)}),
            sampler=ParentBased(TraceIdRatioBased(settings.otlp_sample_ratio)),
        )
        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint.rstrip("/") + "/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        install(provider)
    return _provider


def kafka_middlewares(provider: trace.TracerProvider | None) -> tuple[Any, ...]:
    """The broker's middlewares: spans for publish and process, context in the headers."""
    if provider is None:
        return ()
    from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

    return (KafkaTelemetryMiddleware(tracer_provider=provider, include_messages_counters=False),)


def trace_fields() -> dict[str, dict[str, str]]:
    """``{"trace": <W3C headers>}`` of the current span, to store with work done later (an
    outbox row, a job); ``{}`` when tracing is off or nothing is being traced."""
    if _provider is None:
        return {}
    carrier: dict[str, str] = {}
    PROPAGATOR.inject(carrier)
    return {"trace": carrier} if carrier else {}


@contextmanager
def continued(carrier: dict[str, str] | None) -> Iterator[None]:
    """Run the block in the trace ``carrier`` (from ``trace_fields``) belongs to."""
    if not carrier or _provider is None:
        yield
        return
    token = context.attach(PROPAGATOR.extract(carrier))
    try:
        yield
    finally:
        context.detach(token)


def headers_of(record: object) -> dict[str, str]:
    """A Kafka record's headers, when tracing is on (to continue its trace); else ``{}``."""
    if _provider is None:
        return {}
    pairs = getattr(record, "headers", None) or ()
    return {str(k): bytes(v).decode("latin-1") for k, v in pairs if v is not None}


@contextmanager
def consumed(headers: dict[str, str], topic: str, group_id: str) -> Iterator[None]:
    """One event of a batch processed in a span of its own, a child of its producer's span (as
    FastStream's middleware makes for an event consumed alone)."""
    if _provider is None:
        yield
        return
    tracer = _provider.get_tracer("zhengji")
    with tracer.start_as_current_span(
        f"{topic} process", context=PROPAGATOR.extract(headers), kind=trace.SpanKind.CONSUMER
    ) as span:
        span.set_attribute("messaging.consumer.group.name", group_id)
        yield


def mark_consumer(group_id: str) -> None:
    """Say which service's consumer group the current (process) span is."""
    if _provider is not None:
        trace.get_current_span().set_attribute("messaging.consumer.group.name", group_id)


class TraceRequests(HttpMiddleware):
    """A server span per HTTP request, continuing a caller's ``traceparent``; named by the route
    template (never the raw path: ids and tokens travel in paths), as the metrics are."""

    def __init__(self, app: ASGIApp, tracer: trace.Tracer) -> None:
        super().__init__(app)
        self.tracer = tracer

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = str(scope["method"])
        with self.tracer.start_as_current_span(
            method, context=PROPAGATOR.extract(headers), kind=trace.SpanKind.SERVER
        ) as span:

            async def noting_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", int(message["status"]))
                await send(message)

            try:
                await self.app(scope, receive, noting_status)
            finally:
                route = route_of(scope)
                span.update_name(f"{method} {route}")
                span.set_attributes({"http.request.method": method, "http.route": route})


def install_request_tracing(app: "FastAPI", provider: trace.TracerProvider | None) -> None:
    if provider is not None:
        app.add_middleware(TraceRequests, tracer=provider.get_tracer("zhengji.http"))
