"""One queued message to one person on one channel: checked, held, sent, retried or parked.

The ``sends`` job table holds a job per (event, person, channel), made in the consumer's
transaction; its id is that triple and a unique index says so, so no event tells one person
twice on one channel whatever is redelivered. A worker claims the job and, at send time:
- asks again whether the person agrees to the channel (an unsubscribe since stops it: skipped);
- holds it through the campaign's quiet hours and the person's hourly limit (released until then);
- sends, and marks the job sent at once: a send interrupted by a stop finishes and is marked
  before the job goes back, so the next claim does not send it again (a process killed in
  the moment between the provider's answer and that mark is the one window left; the key
  goes to the provider as Message-ID/OutId/SessionContext/client_msg_id);
- a failure worth retrying is released with a counted try and a growing backoff; past
  ``notifier_max_tries``, or a failure not worth retrying, parks it (FAILED, ``parked``), where
  campaign admins see and may retry it (api.py)."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.common.job_runner import Ending, Release
from services.common.jobs import DONE, FAILED, Job
from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.people import agreed_channels
from services.notifier.rendering import render
from services.notifier.timing import quiet_until, retry_delay_s

if TYPE_CHECKING:
    from services.notifier.app import NotifierService

SKIPPED = "skipped"
RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Sent:
    provider_id: str


@dataclass(frozen=True)
class Held:
    until: datetime
    why: str


@dataclass(frozen=True)
class Skipped:
    why: str


Step = Sent | Held | Skipped | SendFailed


class Sender:
    def __init__(self, svc: "NotifierService") -> None:
        self.svc = svc

    async def step(self, job: Job) -> Step:
        if job.get("sent_at") is not None:  # sent before a hand-back: only the ending is left
            return Sent(str(job.get("provider_id", "")))
        p = job["payload"]
        person, channel_name = p["person_id"], p["channel"]
        preferences = await self.svc.people.preferences(person)
        if channel_name not in agreed_channels(preferences):
            return Skipped("未同意或已退订此渠道 / not agreed, or unsubscribed")
        campaign = await self.svc.campaign(p["campaign_id"])
        channel = self.svc.channel_for(channel_name, campaign)
        if channel is None or not campaign.notifications.enabled:
            return Skipped("渠道未配置 / channel not configured")
        now = datetime.now(UTC)
        rules = campaign.notifications
        if until := quiet_until(now, campaign.time_zone, rules.quiet_from_hour, rules.quiet_until_hour):
            return Held(until, "quiet_hours")
        if until := await self.rate_limited(person, channel_name, rules.max_per_hour, now):
            return Held(until, "rate_limit")
        message = render(p["kind"], campaign, p["zh"], p["en"], preferences.english)
        contact = preferences.contacts[channel_name]
        unsubscribe = self.svc.unsubscribe.url(person, channel_name)
        out = Outgoing(job["_id"], p["kind"], contact.address, message, campaign, unsubscribe)
        send = asyncio.ensure_future(self._send_and_mark(job, channel.send, out))
        try:
            return await asyncio.shield(send)
        except asyncio.CancelledError:
            # Stopping: let a send under way finish and be marked, so it is not made twice.
            await asyncio.gather(send, return_exceptions=True)
            raise

    async def _send_and_mark(self, job: Job, send: Any, out: Outgoing) -> Step:
        try:
            provider_id = str(await send(out))
        except SendFailed as failed:
            return failed
        now = datetime.now(UTC)
        await self.svc.sends.jobs.update_one(
            {"_id": job["_id"]}, {"$set": {"sent_at": now, "provider_id": provider_id}}
        )
        return Sent(provider_id)

    async def rate_limited(self, person: str, channel: str, limit: int, now: datetime) -> datetime | None:
        """When the person may be sent another message on the channel, if not now."""
        recent = self.svc.sends.jobs.find(
            {"payload.person_id": person, "payload.channel": channel, "sent_at": {"$gt": now - RATE_WINDOW}},
            {"sent_at": 1},
        ).sort("sent_at", 1)
        times = [doc["sent_at"] async for doc in recent]
        if len(times) < limit:
            return None
        oldest: datetime = times[-limit]
        return (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)) + RATE_WINDOW

    def conclude(self, job: Job, step: Step) -> Ending | Release:
        now = datetime.now(UTC)
        match step:
            case Sent(provider_id):
                return Ending(DONE, {"provider_id": provider_id, "sent_at": job.get("sent_at") or now})
            case Held(until, why):
                return Release(until, {"held": why})
            case Skipped(why):
                return Ending(SKIPPED, {"last_error": why})
        assert isinstance(step, SendFailed)
        tries = int(job.get("tries", 0)) + 1
        fields: dict[str, Any] = {"tries": tries, "last_error": step.reason, "held": None}
        settings = self.svc.settings
        if step.retryable and tries < settings.notifier_max_tries:
            delay = step.retry_after_s or retry_delay_s(tries, settings.notifier_retry_backoff_s)
            return Release(now + timedelta(seconds=delay), fields)
        self.svc.log.warning("notification_parked", job_id=job["_id"], error=step.reason, tries=tries)
        return Ending(FAILED, {**fields, "parked": True})

    async def abandoned(self, job: Job) -> Ending:
        why = "发送进程多次中断 / the sending process died on every try"
        return Ending(FAILED, {"parked": True, "last_error": why, "tries": int(job.get("tries", 0))})
