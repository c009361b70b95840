"""Notifier: tells entrants, unit admins and campaign admins what happened to entries.

It consumes the submission events like any service (inbox, effects and outbox in one
transaction: ``services/common/consumer.py``) and decides who hears what (``audience.py``). In
the same transaction it writes each person's in-app message (``mailbox``) and queues one send
per person and channel they agreed to (``sends``, a job table); workers send those through
the channels (``channels/``), holding them through quiet hours and per-person limits,
retrying then parking failures (``sending.py``). See docs/decisions/0026-notifications.md."""

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import (
    EVENT_MODELS,
    REVIEWER_TOPIC,
    ROUND_TOPIC,
    TOPICS,
    ReviewerAssigned,
    RoundNoticed,
    SubmissionSubmitted,
)
from contracts.calendar import campaign_today
from contracts.campaign import Campaign
from contracts.events import SubmissionEvent
from services.common.backlog import QueueBacklog
from services.common.consumer import Effect, NotReady
from services.common.job_runner import JobRunner
from services.common.jobs import JobTable
from services.common.service import Service
from services.common.store import in_transaction
from services.notifier.audience import (
    Cause,
    Notice,
    approval_due,
    notices_for,
    review_assigned,
    review_due,
    round_noticed,
)
from services.notifier.channel_setup import channels_from_settings
from services.notifier.channels.base import Channel
from services.notifier.dead_letters import DeadLetterMarks, tell_dead_letters
from services.notifier.deadlines import reminders
from services.notifier.people import INAPP, People, agreed_channels
from services.notifier.rendering import render
from services.notifier.review_shares import ReviewShares
from services.notifier.review_shares import due as shares_due
from services.notifier.sending import Sender, Step
from services.notifier.unsubscribe import UnsubscribeLinks
from services.notifier.waiting import WaitingEntries

SWEEP_EVERY_S = 30.0
# An event whose submission's ``submitted`` has not been read yet waits for it this long (the
# topics are read side by side); older ones come from before the notifier ran: no entrant known.
ENTRANT_WAIT = timedelta(minutes=10)


class NotifierService(Service):
    name = "notifier"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = People(self.db["people"])
        self.mailbox = self.db["mailbox"]
        self.entrants = self.db["entrants"]
        self.waiting = WaitingEntries(self.db["waiting"])
        self.shares = ReviewShares(self.db["review_shares"])
        self.dead_letter_marks = DeadLetterMarks(self.db["dead_letter_marks"])
        self.sends = JobTable(self.db, "sends", lease_s=self.settings.job_lease_s)
        self.http, self.channels = channels_from_settings(self.settings)
        self.sender = Sender(self)
        self.unsubscribe = UnsubscribeLinks(b"", self.settings.base_url())  # keyed in setup()
        self.runner = JobRunner[Step](
            self.sends,
            self.deps.client,
            kind=lambda job: f"notify_{job['payload']['channel']}",
            work=self.sender.step,
            conclude=self.sender.conclude,
            on_abandoned=self.sender.abandoned,
            concurrency=self.settings.notifier_concurrency,
        )
        from services.notifier.routes import router

        self.router = router

    def register(self) -> None:
        super().register()
        for stage, topic in TOPICS.items():
            self.consume(topic, EVENT_MODELS[f"submission.{stage}"], self.on_event)  # type: ignore[arg-type]
        self.consume(REVIEWER_TOPIC, ReviewerAssigned, self.on_assigned)
        self.consume(ROUND_TOPIC, RoundNoticed, self.on_round)

    async def setup(self) -> None:
        await self.sends.create_indexes()
        # The rule "never twice for one event, person and channel", kept by the store itself.
        triple = [
            ("payload.event_id", ASCENDING),
            ("payload.person_id", ASCENDING),
            ("payload.channel", ASCENDING),
        ]
        await self.sends.jobs.create_index(triple, unique=True)
        await self.sends.jobs.create_index([("payload.person_id", 1), ("payload.channel", 1), ("sent_at", 1)])
        await self.sends.jobs.create_index([("state", 1), ("parked", 1)])
        await self.mailbox.create_index([("event_id", 1), ("person_id", 1), ("channel", 1)], unique=True)
        await self.mailbox.create_index([("person_id", 1), ("created_at", -1)])
        await self.people.setup()
        await self.waiting.setup()
        await self.shares.setup()
        self.unsubscribe = await UnsubscribeLinks.load(self.settings, self.db["config"])

    async def start(self) -> None:
        await super().start()
        self.run_jobs(self.runner, SWEEP_EVERY_S, "send_sweep")
        backlog = QueueBacklog({"sends": (self.sends, {})})
        self.spawn_every(self.settings.notifier_reminder_every_s, self.remind, "reminders")
        self.spawn_every(
            self.settings.notifier_dead_letters_every_s, partial(tell_dead_letters, self), "dead letters"
        )
        self.spawn_every(self.settings.backlog_every_s, backlog.refresh, "backlog")

    async def stop(self) -> None:
        await super().stop()
        await self.http.aclose()

    async def entrant_of(self, event: SubmissionEvent) -> str | None:
        if isinstance(event, SubmissionSubmitted):
            return event.entrant_id
        doc = await self.entrants.find_one({"_id": event.submission_id})
        if doc is not None:
            return str(doc["entrant_id"]) if doc.get("entrant_id") else None
        if datetime.now(UTC) - event.occurred_at < ENTRANT_WAIT:
            raise NotReady(f"submission {event.submission_id}: its submitted event not read yet")
        return None

    async def on_event(self, event: SubmissionEvent) -> Effect:
        campaign = await self.campaign(event.campaign_id)
        entrant = await self.entrant_of(event)
        notices = notices_for(event, entrant, campaign, self.settings.base_url())
        common = {"title": event.entry.title, "version": str(event.entry.version)}

        async def writes(session: AsyncClientSession) -> None:
            if isinstance(event, SubmissionSubmitted):
                await self.entrants.update_one(
                    {"_id": event.submission_id},
                    {"$set": {"entrant_id": event.entrant_id, "campaign_id": event.campaign_id}},
                    upsert=True,
                    session=session,
                )
            # Kept while notifications are off too, so turning them on mid-campaign reminds of
            # every entry still waiting, not only those that moved since.
            await self.waiting.track(event, session)
            if not campaign.notifications.enabled:
                return
            for notice in notices:
                for person in await self.people.members(notice.audience, session):
                    await self.tell(Cause.of(event, notice.kind), campaign, notice, person, common, session)

        return Effect(writes=writes)

    async def on_assigned(self, event: ReviewerAssigned) -> Effect:
        campaign = await self.campaign(event.campaign_id)
        notice = review_assigned(event, self.settings.base_url())
        cause = Cause(str(event.event_id), event.campaign_id)

        async def writes(session: AsyncClientSession) -> None:
            await self.shares.record(event, session)  # for reminders, should they be turned on
            if not campaign.notifications.enabled or event.change != "staffing":
                return
            for person in await self.people.members(notice.audience, session):
                await self.tell(cause, campaign, notice, person, {}, session)

        return Effect(writes=writes)

    async def on_round(self, event: RoundNoticed) -> Effect:
        """A round's chairs, once per chair and round for its last score, once per appeal."""
        campaign = await self.campaign(event.campaign_id)
        if not campaign.notifications.enabled:
            return Effect()
        key = f"round_scored:{event.round_id}" if event.kind == "scored" else f"appeal:{event.appeal_id}"
        cause, notices = Cause(key, event.campaign_id), round_noticed(event, self.settings.base_url())

        async def writes(session: AsyncClientSession) -> None:
            for notice in notices:
                for person in await self.people.members(notice.audience, session):
                    await self.tell(cause, campaign, notice, person, {}, session)

        return Effect(writes=writes)

    async def remind(self) -> None:
        """Tell unit admins whose entries still wait for approval near the upload deadline
        (``deadlines.py``) and reviewers with entries in a round whose scoring window closes soon
        (``review_shares.py``): once per person and deadline, a campaign in a transaction of its own."""
        async for doc in self.db["campaigns"].find({}, {"spec": 1}):
            campaign = Campaign.model_validate(doc["spec"])
            rules, today = campaign.notifications, campaign_today(campaign)
            if not rules.enabled:
                continue
            base = self.settings.base_url()
            due: list[tuple[str, Notice]] = []
            if (days := rules.approval_reminder_days) is not None:
                waiting = await self.waiting.of(campaign.id)
                due += [(r.key, approval_due(r, base)) for r in reminders(campaign, waiting, today, days)]
            if (days := rules.review_reminder_days) is not None:
                shares = await self.shares.of(campaign.id)
                due += [(s.key, review_due(s, base)) for s in shares_due(shares, today, days)]
            if due:
                await in_transaction(self.deps.client, partial(self._remind, campaign, due))

    async def _remind(
        self, campaign: Campaign, due: list[tuple[str, Notice]], session: AsyncClientSession
    ) -> None:
        for key, notice in due:
            for person in await self.people.members(notice.audience, session):
                await self.tell(Cause(key, campaign.id), campaign, notice, person, {}, session)

    async def tell(
        self,
        cause: "Cause",
        campaign: Campaign,
        notice: Notice,
        person: str,
        common: dict[str, str],
        session: AsyncClientSession,
    ) -> None:
        """The person's in-app message and a send per channel they agree to, each at most once
        per cause (an event, or a reminder's key) and person."""
        preferences = await self.people.preferences(person, session)
        zh = {**common, **notice.zh}
        message = render(notice.kind, campaign, zh, notice.en, preferences.english)
        event_id, now = cause.id, datetime.now(UTC)
        await self.mailbox.update_one(
            {"event_id": event_id, "person_id": person, "channel": INAPP},
            {
                "$setOnInsert": {
                    "kind": notice.kind,
                    "campaign_id": cause.campaign_id,
                    "submission_id": cause.submission_id,
                    "subject": message.subject,
                    "body": message.body,
                    "link": zh.get("link"),
                    "read": False,
                    "created_at": now,
                }
            },
            upsert=True,
            session=session,
        )
        for channel in agreed_channels(preferences):
            payload = {
                "event_id": event_id,
                "person_id": person,
                "channel": channel,
                "kind": notice.kind,
                "campaign_id": cause.campaign_id,
                "zh": zh,
                "en": notice.en,
            }
            await self.sends.enqueue(f"{event_id}:{person}:{channel}", payload, 0.0, session)

    def channel_for(self, name: str, campaign: Campaign) -> Channel | None:
        """The channel that carries ``name`` for ``campaign``: SMS by the provider it names."""
        if name != "sms":
            return self.channels.get(name)
        if provider := campaign.notifications.sms_provider:
            return self.channels.get(f"sms:{provider}")
        return next((c for key, c in self.channels.items() if key.startswith("sms:")), None)
