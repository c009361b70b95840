"""Campaign admins hear of messages parked in the dead-letter topics (``<topic>.dlq``): one
message per campaign per sweep, saying how many of its messages which services parked.

A dead letter is a message a service gave up on after its bounded attempts (``consumer.py``): an
entry that stays where it is until someone looks (``zhengji admin dlq``, then ``replay``). The
notifier reads every dead-letter topic after the offsets it has already told of, kept in its own
store (``dead_letter_marks``, one document per topic partition) and written in the transaction
that records the messages, so each dead letter is told once, across restarts and replicas. The
first unread dead letter of a campaign names its message, so a sweep retried after a crash writes
the same one. A dead letter whose bytes are no event of a known campaign (the poison itself may
not be JSON) concerns no campaign's admins: the services' metrics and alerts count it, and
``zhengji admin dlq`` lists it. One of a campaign this notifier does not know *yet* (its definition
still on its way, a notifier just started) waits, with those after it in its partition, for
``UNKNOWN_CAMPAIGN_GRACE_MS`` after it was parked before it is passed over."""

import contextlib
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from contracts import EVENT_TOPICS, dlq_topic
from contracts.campaign import Campaign
from services.common.consumer import NotReady
from services.common.dead_letter_admin import DeadLetter, read_after
from services.common.kafka_security import client_options
from services.common.store import in_transaction
from services.notifier.audience import CAMPAIGN_ADMIN, Audience, Cause, Notice

if TYPE_CHECKING:
    from services.notifier.app import NotifierService

# Dead letters per sweep, and about how many bytes of them (a poison may be up to the broker's
# message size, 1 MB by default); the rest are read by the next sweep.
READ_AT_MOST = 10_000
READ_BYTES_AT_MOST = 32 * 1024 * 1024
UNKNOWN_CAMPAIGN_GRACE_MS = 3_600_000  # an hour: far longer than a definition takes to arrive
Mark = tuple[str, int]  # (dead-letter topic, partition)


@dataclass
class Parked:
    """One campaign's dead letters found by a sweep."""

    campaign_id: str
    first: str  # the first of them, as topic:partition:offset: the message's identity
    services: Counter[str] = field(default_factory=Counter)  # the service that parked -> how many

    @property
    def count(self) -> int:
        return sum(self.services.values())

    def by_service(self, each: str = "条", between: str = "、") -> str:
        return between.join(f"{name} {n}{each}" for name, n in sorted(self.services.items()))


def parked_by_campaign(letters: Iterable[tuple[str, DeadLetter]]) -> list[Parked]:
    """Group what a sweep read by the campaign of each event. Pure."""
    found: dict[str, Parked] = {}
    for topic, letter in letters:
        campaign_id = campaign_of(letter)
        if campaign_id is None:
            continue
        parked = found.setdefault(
            campaign_id, Parked(campaign_id, f"{topic}:{letter.partition}:{letter.offset}")
        )
        group = letter.headers.get("x-consumer-group", "")
        parked.services[group.removeprefix("zhengji-") or "?"] += 1
    return list(found.values())


def campaign_of(letter: DeadLetter) -> str | None:
    campaign_id = (letter.event or {}).get("campaign_id")
    return campaign_id if isinstance(campaign_id, str) else None


def held_back(
    letters: list[tuple[str, DeadLetter]], unknown: set[str], now_ms: int
) -> list[tuple[str, DeadLetter]]:
    """What a sweep may tell of and pass: in each partition, the letters before the first one of
    a campaign in ``unknown`` parked within the grace; it and those after it wait for a later
    sweep (marks are one offset per partition, so nothing after it can be passed either). Pure."""
    stop: dict[Mark, int] = {}
    for topic, letter in letters:
        young = letter.timestamp_ms is not None and now_ms - letter.timestamp_ms < UNKNOWN_CAMPAIGN_GRACE_MS
        if young and campaign_of(letter) in unknown:
            key = (topic, letter.partition)
            stop[key] = min(stop.get(key, letter.offset), letter.offset)
    return [(t, d) for t, d in letters if d.offset < stop.get((t, d.partition), d.offset + 1)]


def read_up_to(letters: Iterable[tuple[str, DeadLetter]]) -> dict[Mark, int]:
    """The last offset read in each topic partition. Pure."""
    marks: dict[Mark, int] = {}
    for topic, letter in letters:
        key = (topic, letter.partition)
        marks[key] = max(marks.get(key, -1), letter.offset)
    return marks


class DeadLetterMarks:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def all(self) -> dict[Mark, int]:
        return {(d["topic"], int(d["partition"])): int(d["offset"]) async for d in self.collection.find()}

    async def advance(self, marks: Mapping[Mark, int], session: AsyncClientSession) -> None:
        for (topic, partition), offset in marks.items():
            await self.collection.update_one(
                {"_id": f"{topic}|{partition}"},
                {"$set": {"topic": topic, "partition": partition}, "$max": {"offset": offset}},
                upsert=True,
                session=session,
            )


def notice_of(parked: Parked, base_url: str) -> Notice:
    """Campaign admins: messages of their campaign a service gave up on."""
    zh = {
        "title": f"{parked.count}条消息",
        "detail": parked.by_service(),
        "link": f"{base_url.rstrip('/')}/admin",
    }
    en = {"title": f"{parked.count} messages", "detail": parked.by_service("", ", ")}
    return Notice("dead_letters", Audience(role=CAMPAIGN_ADMIN), zh, en)


async def tell_dead_letters(svc: "NotifierService") -> None:
    """One sweep: what was parked since the last, told to each campaign's admins, and the marks
    moved on in the same transaction."""
    read = await read_after(
        svc.settings.kafka_bootstrap_servers,
        [dlq_topic(t) for t in EVENT_TOPICS],
        await svc.dead_letter_marks.all(),
        client_options(svc.settings),
        limit=READ_AT_MOST,
        max_bytes=READ_BYTES_AT_MOST,
    )
    known: dict[str, Campaign] = {}
    for campaign_id in {c for _, letter in read if (c := campaign_of(letter))}:
        with contextlib.suppress(NotReady):  # not yet, or never: the poison may say anything
            known[campaign_id] = await svc.campaign(campaign_id)
    unknown = {c for _, letter in read if (c := campaign_of(letter)) and c not in known}
    read = held_back(read, unknown, int(time.time() * 1000))
    if not read:
        return
    told = [
        (parked, known[parked.campaign_id])
        for parked in parked_by_campaign(read)
        if parked.campaign_id in known and known[parked.campaign_id].notifications.enabled
    ]
    base = svc.settings.base_url()

    async def writes(session: AsyncClientSession) -> None:
        for parked, campaign in told:
            notice = notice_of(parked, base)
            cause = Cause(f"dead_letters:{parked.first}", campaign.id)
            for person in await svc.people.members(notice.audience, session):
                await svc.tell(cause, campaign, notice, person, {}, session)
        await svc.dead_letter_marks.advance(read_up_to(read), session)

    await in_transaction(svc.deps.client, writes)
