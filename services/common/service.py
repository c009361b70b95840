"""What every service is made of, and the few things they share.

A service is a name, the consumers it registers, an optional HTTP router and
background loops. The runtime (``zhengji/runtime.py``) builds ``Deps`` once and
runs one service (distributed mode) or all five in one process (embedded)."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from fastapi import APIRouter
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure

from contracts import CAMPAIGN_TOPIC, BaseEvent, CampaignDefined
from contracts.campaign import Campaign
from services.common.blob_links import BlobLinks
from services.common.blobs import BlobStore
from services.common.bus import subscribe as register_subscriber
from services.common.bus import subscribe_batches
from services.common.consumer import Consumer, Effect, Handler, NotReady
from services.common.consumer_adapters import KafkaDeadLetters, MongoInbox
from services.common.consumer_batches import BatchConsumer, by_topic
from services.common.job_runner import JobRunner
from services.common.kafka_lag import ConsumerLag
from services.common.kafka_security import client_options
from services.common.log import get_logger
from services.common.loops import STOP_WITHIN_S, Backoff, Loops, LoopState, cancelled, every, supervise
from services.common.outbox import Outbox
from services.common.pruning import Pruner
from services.common.settings import Settings
from services.common.store import service_db

E = TypeVar("E", bound=BaseEvent)


@dataclass
class Deps:
    settings: Settings
    client: AsyncMongoClient[dict[str, Any]]
    broker: KafkaBroker
    blobs: BlobStore


class Service:
    name: ClassVar[str]

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.settings = deps.settings
        self.db = service_db(deps.client, deps.settings.db_prefix, self.name)
        self.outbox = Outbox(self.db)
        # Who gets a stored file by which link; one per process, so its key is read once.
        self.links = BlobLinks(deps.blobs, deps.settings)
        self.pruner = Pruner(self.db, timedelta(days=deps.settings.prune_after_days))
        self.log = get_logger(self.name)
        self.router: APIRouter | None = None
        self.loops = Loops(Backoff(deps.settings.loop_backoff_s, deps.settings.loop_backoff_cap_s))
        self._tasks: list[asyncio.Task[None]] = []
        self._consumers: dict[str, Consumer[Any]] = {}
        self._batches: dict[str, BatchConsumer[Any, Any]] = {}
        self._runners: list[JobRunner[Any]] = []
        self._prepared = False  # indexes and setup done (prepare)
        self._lag: ConsumerLag | None = None

    def consume(self, topic: str, model: type[E], handler: Handler[E]) -> None:
        store = MongoInbox(self.deps.client, self.db, self.outbox, publisher=self.deps.broker)
        consumer = Consumer(
            service=self.name,
            topic=topic,
            model=model,
            handler=handler,
            store=store,
            dead_letters=KafkaDeadLetters(self.deps.broker),
            attempts=self.settings.retry_attempts,
            backoff_s=self.settings.retry_backoff_s,
        )
        self._consumers[topic] = consumer
        self._batches[topic] = BatchConsumer(
            consumer,
            store,
            max_events=self.settings.consume_batch_max,
            max_work_s=self.settings.consume_batch_work_s,
        )

    @property
    def group(self) -> str:
        """The service's consumer group: every replica of the service is a member of it."""
        return f"zhengji-{self.name}"

    def subscribe(self) -> None:
        """One consumer group per service, over every topic it registered; in batches unless
        ``consume_batch_max`` is 1."""
        if self.settings.consume_batch_max > 1:
            subscribe_batches(
                self.deps.broker,
                list(self._consumers),
                self.group,
                by_topic(self._batches),
                self.settings.kafka_session_timeout_ms,
                max_records=self.settings.consume_batch_max,
                wait_ms=self.settings.consume_batch_wait_ms,
            )
            return
        register_subscriber(
            self.deps.broker,
            list(self._consumers),
            self.group,
            self._dispatch,
            self.settings.kafka_session_timeout_ms,
        )

    async def _dispatch(self, topic: str, raw: bytes, where: dict[str, Any]) -> None:
        await self._consumers[topic](raw, where)

    def register(self) -> None:
        """Register consumers on the broker; called before the broker starts."""
        self.consume(CAMPAIGN_TOPIC, CampaignDefined, self.on_campaign)

    async def on_campaign(self, event: CampaignDefined) -> Effect:
        """Keep this service's own copy of a campaign's spec (event-carried state)."""
        doc = {"spec": event.spec.model_dump(mode="json"), "defined_at": event.occurred_at}

        async def writes(session: AsyncClientSession) -> None:
            campaigns = self.db["campaigns"]
            current = await campaigns.find_one({"_id": event.campaign_id}, {"defined_at": 1}, session=session)
            if (
                current is None
                or current.get("defined_at") is None
                or current["defined_at"] <= event.occurred_at
            ):
                await campaigns.update_one(
                    {"_id": event.campaign_id}, {"$set": doc}, upsert=True, session=session
                )

        return Effect(writes=writes)

    async def campaign(self, campaign_id: str) -> Campaign:
        """The campaign's spec; NotReady while its definition has not reached this service yet."""
        doc = await self.db["campaigns"].find_one({"_id": campaign_id})
        if doc is None:
            raise NotReady(f"campaign {campaign_id} not known yet")
        return Campaign.model_validate(doc["spec"])

    async def setup(self) -> None:
        """Create indexes; called once the store is reachable."""

    async def start(self) -> None:
        if not self._prepared:
            await self.prepare()
        relay, poll_s = self.outbox.relay_forever, self.settings.outbox_poll_s
        self.spawn("outbox_relay", lambda state: relay(self.deps.broker, poll_s, state))
        self.spawn_every(self.settings.prune_every_s, self.pruner.prune_once, "prune")
        every_s = self.settings.backlog_every_s
        self.spawn_every(every_s, lambda: self.outbox.export_backlog(self.name), "outbox_backlog")
        if self._consumers:
            bootstrap, options = self.settings.kafka_bootstrap_servers, client_options(self.settings)
            self._lag = ConsumerLag(bootstrap, self.group, list(self._consumers), options)
            self.spawn_every(every_s, self._lag.refresh, "consumer_lag")

    async def prepare(self) -> None:
        """Indexes and the service's own setup, tried again while the store cannot be reached: a
        service started during a store blip (a restart, a failover) waits for it instead of
        exiting. Each step is idempotent, so a retry after a half-done attempt is safe. The
        runtime calls it before the consumers start, so no handler's write creates a collection
        while its index is being built (that race wedged SecantusDB, decision 0038)."""
        backoff, failures = Backoff(self.settings.loop_backoff_s, self.settings.loop_backoff_cap_s), 0
        while True:
            try:
                # Without this index the relay's search reads the whole outbox on every event.
                await self.outbox.collection.create_index([("sent", 1), ("created_at", 1)])
                # A duplicate delivery re-arms what its cause emitted (Outbox.rearm): found by index,
                # not by reading the outbox; the batch path takes duplicates one by one.
                await self.outbox.collection.create_index("causation")
                await self.pruner.create_indexes()
                await self.setup()
                self._prepared = True
                return
            except ConnectionFailure as exc:
                failures += 1
                delay = backoff.delay(failures)
                self.log.warning("store_unreachable_at_start", error=str(exc)[:300], retry_in_s=delay)
                await asyncio.sleep(delay)

    def spawn(self, what: str, run: Callable[[LoopState], Coroutine[Any, Any, None]]) -> None:
        """Run ``run(state)`` in the background while the service runs, restarted (after a
        backoff) whenever it raises; it reports how it does in ``state`` (loops.py)."""
        self._tasks.append(self.loops.start(f"{self.name}.{what}", lambda state: supervise(state, run)))

    def spawn_every(self, every_s: float, step: Callable[[], Awaitable[object]], what: str) -> None:
        """Run ``step`` every ``every_s`` seconds while the service runs; a failed run is logged
        and tried again after a backoff (a sweeper must outlive a store that is away for a while)."""
        self._tasks.append(self.loops.start(f"{self.name}.{what}", lambda state: every(state, every_s, step)))

    def run_jobs(self, runner: JobRunner[Any], sweep_every_s: float, what: str) -> None:
        """Work through a job table while the service runs, and sweep its abandoned jobs."""
        self._runners.append(runner)
        self.spawn(f"jobs:{runner.table.jobs.name}", runner.serve)
        self.spawn_every(sweep_every_s, runner.sweep_once, what)

    async def stop(self) -> None:
        if stuck := await cancelled(self._tasks):
            self.log.warning("loops_still_running_at_stop", loops=stuck, waited_s=STOP_WITHIN_S)
        self._tasks.clear()
        # No more claims now: the jobs running here go back to the queue for another worker
        # (or, if the store does not answer, their leases run out).
        for runner in self._runners:
            try:
                await asyncio.wait_for(runner.stop(), STOP_WITHIN_S)
            except TimeoutError:
                self.log.warning("jobs_not_handed_back_at_stop", table=runner.table.jobs.name)
        self._runners.clear()
        if self._lag is not None:
            await self._lag.close()
