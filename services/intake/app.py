"""Intake: campaigns, entries, uploads, and the status view of every submission."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from fastapi import APIRouter
from pydantic import SecretStr
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import (
    CAMPAIGN_TOPIC,
    EVENT_MODELS,
    TOPICS,
    AnyEvent,
    Attribution,
    BlobRef,
    CampaignDefined,
    EntryInfo,
    SubmissionReturned,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
    topic_for,
)
from contracts.campaign import Campaign, ScreenTextSpec
from services.common.consumer import Effect
from services.common.errors import ServiceError
from services.common.kafka_security import client_options
from services.common.metrics import REDRIVES
from services.common.operator_secrets import OperatorSecrets
from services.common.rate_limit import RateLimit
from services.common.service import Service
from services.common.store import in_transaction
from services.common.topic_admin import topics_ready
from services.intake.accounts import Accounts
from services.intake.auth import Auth
from services.intake.broker_watch import BrokerWatch
from services.intake.live_change_store import ChangeLog
from services.intake.login_throttle import LoginThrottle
from services.intake.materials import material_refs
from services.intake.stage_movement import StageMovement
from services.intake.status import progress_key, shown_stage, stage_of, timeline_entry
from services.intake.unit_store import UnitStore
from services.intake.upload_rules import UPLOAD_STAGES
from services.intake.upload_store import UploadStore
from services.intake.upload_sweeper import sweep_and_log

Writes = Callable[[AsyncClientSession], Awaitable[None]]


class IntakeService(Service):
    name = "intake"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaigns = self.db["campaigns"]
        self.submissions = self.db["submissions"]
        self.accounts = Accounts(self.db, self.settings.token_ttl_s)
        self.auth = Auth(self.accounts, self.settings.cookie_secure)
        self.login_throttle = LoginThrottle(
            self.db, self.settings.login_max_failures, self.settings.login_window_s
        )
        self.units = UnitStore(self.db)
        s = self.settings  # the upload page's pre-check, counted per account (precheck.py)
        self.precheck_limit = RateLimit(
            self.db["precheck_calls"], s.precheck_max_per_window, s.precheck_window_s
        )
        self.change_log = ChangeLog(self.db)
        self.uploads = UploadStore(self)
        self.secrets = OperatorSecrets.from_settings(self.settings)
        self.movement = StageMovement(started=datetime.now(UTC))  # what the reconciler asks
        self.router = routes()

    def register(self) -> None:
        super().register()
        for stage, topic in TOPICS.items():
            if stage == "submitted":
                # Intake's own upload event: the upload's transaction records it (record_upload).
                # Read back, it doubled intake's consumer work in a deadline burst, while the
                # stages' events waited behind it (docs/performance.md, the 5,000 day of 12-08).
                continue
            self.consume(topic, EVENT_MODELS[f"submission.{stage}"], self.on_event)  # type: ignore[arg-type]

    async def setup(self) -> None:
        await self.submissions.create_index([("campaign_id", ASCENDING), ("stage", ASCENDING)])
        await self.submissions.create_index([("redrive_at", ASCENDING)])
        await self.submissions.create_index([("campaign_id", ASCENDING), ("person_keys", ASCENDING)])
        await self.submissions.create_index([("attribution.unit_path", ASCENDING)])
        await self.submissions.create_index([("owner", ASCENDING)])
        await self.accounts.setup()
        await self.login_throttle.setup()
        await self.units.setup()
        await self.precheck_limit.setup()
        await self.change_log.setup()
        await self.uploads.setup()
        self.auth.use_secret(await self.accounts.session_secret(_revealed(self.settings.session_secret)))
        await self.accounts.bootstrap_admin(_revealed(self.settings.admin_password))

    async def start(self) -> None:
        await super().start()
        s = self.settings
        watch = BrokerWatch(
            s.kafka_bootstrap_servers, self.on_new_broker, client_options(s), s.kafka_replication_factor
        )
        self.spawn_every(self.settings.broker_watch_s, watch.look_once, "broker_watch")
        self.spawn_every(self.settings.reconcile_every_s, self.reconcile_once, "reconcile")
        self.spawn_every(self.settings.tus_sweep_s, lambda: sweep_and_log(self.uploads), "upload_sweep")

    async def find_campaign(self, campaign_id: str) -> Campaign | None:
        doc = await self.campaigns.find_one({"_id": campaign_id})
        return Campaign.model_validate(doc["spec"]) if doc else None

    async def define_campaign(self, campaign: Campaign, also: Writes | None = None) -> None:
        """Store the campaign and announce it to the other services, atomically (with ``also``:
        a live change's audit record, live_change_store.py)."""
        self.secrets.check(campaign)  # names only secrets the operator allows, or nothing is stored
        event = CampaignDefined(campaign_id=campaign.id, producer=self.name, spec=campaign)

        async def work(session: AsyncClientSession) -> None:
            # A change (before the campaign opens) replaces the spec; the services keep the newest.
            await self.campaigns.update_one(
                {"_id": campaign.id},
                {
                    "$set": {"spec": campaign.model_dump(mode="json"), "defined_at": event.occurred_at},
                    "$setOnInsert": {"created_at": event.occurred_at},
                },
                upsert=True,
                session=session,
            )
            if also is not None:
                await also(session)
            await self.outbox.add([event], session)

        await in_transaction(self.deps.client, work)

    def moved_to(self, event: AnyEvent) -> dict[str, Any]:
        """The status fields for a submission whose latest step is ``event``."""
        return moved_to(event, self.settings.stage_deadline_s)

    async def on_event(self, event: AnyEvent) -> Effect:
        if isinstance(event, SubmissionReturned):
            return Effect()  # recorded by return_entry with the return itself; the notifier tells
        doc = await self.submissions.find_one(
            {"_id": event.submission_id}, {"progress": 1, "approval": 1, "stage": 1, "stage_since": 1}
        )
        if doc is None:
            raise LookupError(f"unknown submission {event.submission_id}")
        entry = timeline_entry(event)
        update: dict[str, Any] = {"$push": {"timeline": entry}, "$set": {}}
        if isinstance(event, SubmissionValidated):
            if event.entry.questions is not None:  # a quiz set: its quota counts questions
                update["$set"]["questions"] = event.entry.questions
            # Every version keeps its own report, whatever happened after it.
            update["$set"][f"reports.{event.entry.version}"] = {
                "passed": event.passed,
                "findings": entry["findings"],
                "at": event.occurred_at,
            }
        key = list(progress_key(event))
        current = doc.get("progress")
        left: Callable[[], None] | None = None
        if current is None or key > current:
            moved = self.moved_to(event)
            if isinstance(event, SubmissionTranscoded):
                approved = (doc.get("approval") or {}).get("state") == "approved"
                moved["stage"] = shown_stage(moved["stage"], approved)
                moved["redrive_at"] = self._redrive_at(moved["stage"], 0)
            update["$set"].update(moved)
            if isinstance(event, SubmissionValidated):
                update["$set"]["findings"] = entry["findings"]
            if doc.get("stage") in REDRIVEN and doc.get("stage_since") and doc["stage"] != moved["stage"]:
                left = self._left(doc["stage"], doc["stage_since"])
        if not update["$set"]:
            del update["$set"]

        # A plain write, decided before the transaction: as a bulk write, a run of these events
        # costs one round trip, not one each (docs/performance.md, "bench_bus, batched").
        return Effect(bulk=[("submissions", UpdateOne({"_id": event.submission_id}, update))], committed=left)

    def _left(self, stage: str, entered: datetime) -> Callable[[], None]:
        return lambda: self.movement.left(stage, entered, datetime.now(UTC))

    # -- uploads -------------------------------------------------------------------------------

    @staticmethod  # also how `zhengji admin redrive` rebuilds a submitted event
    def entry_info(submission: dict[str, Any], version: int, work: str | None = None) -> EntryInfo:
        form = submission["form"]
        return EntryInfo(
            title=form.get("title", ""),
            group=submission.get("group"),
            category=form.get("category"),
            subcolumn=form.get("subcolumn"),
            series=submission.get("series"),
            work=work,
            summary=form.get("summary"),
            version=version,
            details=submission.get("details") or {},
        )

    async def record_upload(
        self,
        submission: dict[str, Any],
        media: BlobRef,
        filename: str | None = None,
        also: Writes | None = None,
        work_key: str | None = None,
    ) -> SubmissionSubmitted:
        """Store the new version and its ``submitted`` event in one transaction (with ``also``).
        ``work_key``: the material key when the work is an alternative to the primary material.

        Guarded by the version and stage read before: of two uploads finishing at once, one
        wins and the other gets a 409, never two versions with one number."""
        previous = int(submission.get("version", 0))
        version = previous + 1
        event = SubmissionSubmitted(
            submission_id=submission["_id"],
            campaign_id=submission["campaign_id"],
            correlation_id=f"{submission['_id']}:v{version}",
            producer=self.name,
            entry=self.entry_info(submission, version, work_key),
            attribution=Attribution.model_validate(submission["attribution"]),
            entrant_id=submission.get("owner"),
            media=media,
            materials=material_refs(submission),
            on_screen=ScreenTextSpec.values_for(
                await self.campaign(submission["campaign_id"]), submission["form"]
            ),
        )

        async def work(session: AsyncClientSession) -> None:
            done = await self.submissions.update_one(
                {"_id": submission["_id"], "version": previous, "stage": {"$in": list(UPLOAD_STAGES)}},
                {
                    "$set": {
                        "version": version,
                        "media": media.model_dump(mode="json"),
                        "work": work_key,
                        "approval": {"state": "pending", "version": version},
                        **self.moved_to(event),
                    },
                    "$push": {
                        "versions": {
                            "version": version,
                            "media": media.model_dump(mode="json"),
                            "filename": filename,
                            "at": datetime.now(UTC),
                        },
                        "timeline": timeline_entry(event),
                    },
                },
                session=session,
            )
            if done.matched_count != 1:
                raise ServiceError(
                    409,
                    "作品已有新的版本或正在处理中，本次上传未计入，请刷新后重试",
                    "the entry changed meanwhile (a newer version, or being processed); refresh and retry",
                )
            if also is not None:
                await also(session)
            await self.outbox.add([event], session)

        await in_transaction(self.deps.client, work)
        return event

    def new_submission_id(self) -> str:
        return "S" + uuid4().hex[:16].upper()

    # -- reconciler -----------------------------------------------------------------------------

    def _redrive_at(self, stage: str, redrives: int) -> datetime | None:
        return redrive_at(stage, redrives, self.settings.stage_deadline_s)

    async def on_new_broker(self) -> int:
        """The broker has lost what it held (broker_watch.py): its topics, every campaign and
        every submission in flight again, at once; how many submissions were re-driven."""
        # A rebuilt distributed cluster gets its topics from `zhengji admin topics apply` again.
        await topics_ready(self.settings)
        # Same event ids: services that have a campaign already skip it as a duplicate.
        await self.outbox.collection.update_many({"topic": CAMPAIGN_TOPIC}, {"$set": {"sent": False}})
        count = 0
        # Not counted as re-drives of the submissions: the broker lost them, nothing is stuck.
        async for doc in self.submissions.find({"redrive_at": {"$ne": None}}, REDRIVE_FIELDS):
            await self._publish_again(doc)
            count += 1
        # A first start has no marker either: only a broker that lost work in flight is a warning.
        (self.log.warning if count else self.log.info)("broker_is_new", redriven=count)
        return count

    async def _publish_again(self, doc: dict[str, Any]) -> None:
        # An approved entry needs both its transcoded and its approved event at review.
        for last in [*doc.get("redrive_also", []), doc.get("last_event")]:
            if last:
                await self.deps.broker.publish(
                    last["payload"].encode(),
                    topic=last["topic"],
                    key=doc["_id"].encode(),
                    headers={"content-type": "application/json"},
                )

    async def reconcile_once(self) -> int:
        """Publish again the last event of every submission stuck past its stage's deadline.

        Consumers are idempotent, and a duplicate re-arms the events it caused, so this heals
        a broker that lost messages (the embedded broker keeps them in memory only)."""
        count = 0
        now = datetime.now(UTC)
        put_off: list[UpdateOne] = []
        async for doc in self.submissions.find({"redrive_at": {"$lt": now}}, REDRIVE_FIELDS):
            if not self._stuck(doc, now):
                put_off.append(self._put_off(doc, now))
                continue
            await self._publish_again(doc)
            redrives = int(doc.get("redrives", 0)) + 1
            await self.submissions.update_one(
                _unmoved(doc),
                {"$set": {"redrives": redrives, "redrive_at": self._redrive_at(doc["stage"], redrives)}},
            )
            REDRIVES.labels(stage=doc["stage"]).inc()
            self.log.warning("submission_redriven", submission_id=doc["_id"], stage=doc["stage"])
            count += 1
        if put_off:  # one round trip, however long the queue
            await self.submissions.bulk_write(put_off, ordered=False)
            self.log.info("redrives_put_off", waiting=len(put_off), reason="the stage is moving towards them")
        return count

    def _put_off(self, doc: dict[str, Any], now: datetime) -> UpdateOne:
        """Look again later, later each time (a deadline, then 2, 4, at most 8): a queue hours deep
        costs each waiting submission a few writes, not one every deadline."""
        waits = int(doc.get("redrive_waits", 0))
        later = now + timedelta(seconds=self.settings.stage_deadline_s * 2 ** min(waits, 3))
        return UpdateOne(_unmoved(doc), {"$set": {"redrive_at": later, "redrive_waits": waits + 1}})

    def _stuck(self, doc: dict[str, Any], now: datetime) -> bool:
        """Stuck, or only waiting its turn in a busy stage (stage_movement.py)?"""
        since = doc.get("stage_since")
        if since is None:
            return True
        deadline = timedelta(seconds=self.settings.stage_deadline_s)
        return self.movement.stuck(doc["stage"], since, now, deadline)


def routes() -> APIRouter:
    """Intake's routers, as the app mounts them. Imported here, not at the top: the routes'
    dependencies import this module for ``IntakeService``."""
    from services.intake import (
        accounts_api,
        api,
        builder_api,
        change_api,
        entries_api,
        first_run,
        lists_api,
        pages,
        precheck,
        statistics_api,
        tus,
    )

    router = APIRouter()
    modules = (api, accounts_api, entries_api, precheck, tus, pages, change_api)
    for module in (*modules, builder_api, lists_api, statistics_api, first_run):
        router.include_router(module.router)
    return router


# Stages after which a service (not a person) must act next.
REDRIVEN = {"validating", "transcoding", "in_review", "recommended", "awarded"}
MAX_REDRIVES = 5
REDRIVE_FIELDS = dict.fromkeys(
    ["last_event", "redrive_also", "stage", "redrives", "stage_since", "redrive_waits"], 1
)


def moved_to(event: AnyEvent, stage_deadline_s: float) -> dict[str, Any]:
    """The status fields for a submission whose latest step is ``event`` (also for `zhengji admin
    redrive`, which records a re-run as intake records an upload)."""
    stage = stage_of(event)
    return {
        "stage": stage,
        "progress": list(progress_key(event)),
        "stage_since": datetime.now(UTC),
        "last_event": {"topic": topic_for(event.event_type), "payload": event.model_dump_json()},
        "redrive_also": [],
        "redrives": 0,
        "redrive_waits": 0,
        "redrive_at": redrive_at(stage, 0, stage_deadline_s),
    }


def redrive_at(stage: str, redrives: int, stage_deadline_s: float) -> datetime | None:
    """When a submission still in ``stage`` counts as stuck; None where people, not services, act next."""
    if stage not in REDRIVEN or redrives >= MAX_REDRIVES:
        return None
    return datetime.now(UTC) + timedelta(seconds=stage_deadline_s * 2**redrives)


def _unmoved(doc: dict[str, Any]) -> dict[str, Any]:
    """The submission as the reconciler read it: an event that moved it meanwhile has set its
    new stage's deadline, which the reconciler's write must not overwrite."""
    return {"_id": doc["_id"], "stage": doc["stage"], "stage_since": doc.get("stage_since")}


def _revealed(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret else None
