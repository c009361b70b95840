"""Assembling services: one (``zhengji serve X``) or all of them (embedded ``zhengji up``).

Nothing here knows which mode it runs in: both talk to a Kafka-protocol broker
and a MongoDB-protocol store through the same clients."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.common.assets import mount_shared_assets
from services.common.blob_stores import open_blob_store
from services.common.bus import make_broker, start_broker
from services.common.callers import Callers
from services.common.csrf import install_origin_check
from services.common.errors import install_error_handlers
from services.common.health import health_router
from services.common.http_metrics import install_http_metrics
from services.common.kafka_security import broker_security
from services.common.loops import LoopState
from services.common.security_headers import install_security_headers
from services.common.service import Deps, Service
from services.common.settings import Settings
from services.common.store import connect
from services.common.topic_admin import topics_ready
from services.common.tracing import install_request_tracing, kafka_middlewares, provider_for
from services.intake.app import IntakeService
from services.notifier.app import NotifierService
from services.publisher.app import PublisherService
from services.review.app import ReviewService
from services.transcoder.app import TranscoderService
from services.validator.app import ValidatorService

PROMETHEUS_TEXT = {
    "description": "Prometheus 指标 / metrics",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}


SERVICES: dict[str, type[Service]] = {
    "intake": IntakeService,
    "validator": ValidatorService,
    "transcoder": TranscoderService,
    "review": ReviewService,
    "publisher": PublisherService,
    "notifier": NotifierService,
}


class Runtime:
    def __init__(self, settings: Settings, names: list[str]) -> None:
        unknown = set(names) - set(SERVICES)
        if unknown:
            raise ValueError(f"未知服务 / unknown services: {sorted(unknown)}; choose from {list(SERVICES)}")
        self.settings = s = settings
        self.names = names
        # Clients connect lazily: building them here lets routers exist before the app starts.
        self.client = connect(s.mongodb_uri)
        self.tracer_provider = provider_for(s, names)  # None: tracing off
        self.broker = make_broker(
            s.kafka_bootstrap_servers,
            client_id="zhengji-" + "-".join(names),
            idempotent=s.kafka_idempotent,
            security=broker_security(s),
            middlewares=kafka_middlewares(self.tracer_provider),
        )
        deps = Deps(settings=s, client=self.client, broker=self.broker, blobs=open_blob_store(s))
        self.services: dict[str, Service] = {name: SERVICES[name](deps) for name in names}
        for service in self.services.values():
            service.register()
            service.subscribe()

    async def start(self) -> None:
        await topics_ready(self.settings)
        for service in self.services.values():
            await service.prepare()  # its collections and indexes before any handler writes
        await start_broker(self.broker)
        for service in self.services.values():
            await service.start()

    async def stop(self) -> None:
        for service in self.services.values():
            await service.stop()
        await self.broker.stop()
        await self.client.close()

    def loops(self) -> list[LoopState]:
        """Every background loop of the services served here (what /healthz and /readyz judge)."""
        return [state for service in self.services.values() for state in service.loops.states.values()]

    def web_app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        app = FastAPI(title="zhengji 征集", lifespan=lifespan)
        install_error_handlers(app)
        install_origin_check(app, self.settings)  # before the headers: its refusals carry them too
        install_security_headers(app)
        install_request_tracing(app, self.tracer_provider)
        install_http_metrics(app)  # last added, so outermost: it times the others too
        mount_shared_assets(app)  # /static/common/: the JS modules every service's pages import
        # What the module-level routers' dependencies read (services/common/{web,callers}.py).
        app.state.services = self.services
        app.state.callers = Callers(self.settings)
        app.state.reviewer_callers = Callers(self.settings, reviewers=True)  # the notifier's
        app.include_router(health_router(self.settings, self.names, self.loops, self.client, self.broker))

        @app.get("/metrics", response_class=Response, responses={200: PROMETHEUS_TEXT})
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        for service in self.services.values():
            if service.router is not None:
                app.include_router(service.router)
        return app
