"""In-memory stand-ins for the store and the bus, so the unit tier runs without either.

``FakeInbox`` keeps its tables in dicts and honours the transaction as Mongo does: a handler's
writes, its ``bulk`` writes, the inbox marker and the outbox entries land together or not at all.
The ``bulk`` writes are kept as the handler gave them (``FakeInbox.bulk``), not interpreted: what
they do to documents is Mongo's, proven on the real store.
``RecordingBus`` records what was dead-lettered instead of publishing it.
``FakeRoundStore`` is review's ``RoundStore``; ``RecordingAudit`` its audit log.
``FakeSubmissionStore`` and ``FakeUnitTree`` are what intake registers entries with.
``FakeDeliveryStore`` is the publisher's publications and delivery queue."""

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts import topic_for
from services.common.consumer import AlreadyApplied, BulkWrite, Effect
from services.common.errors import ServiceError
from services.intake.submission_store import Submission
from services.publisher.publication_store import Delivery, PublicationRecord
from services.review.round_store import OPEN, Expert, ReviewEntry, Round

Doc = dict[str, Any]


class FakeTransaction:
    """What a handler's writes receive from ``FakeInbox``: a private copy of the tables."""

    def __init__(self, tables: dict[str, dict[str, Doc]], bulk: list[BulkWrite]) -> None:
        self.tables = copy.deepcopy(tables)
        self.bulk = list(bulk)

    def table(self, name: str) -> dict[str, Doc]:
        return self.tables.setdefault(name, {})


class FakeInbox:
    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Doc]] = {"inbox": {}, "outbox": {}}
        self.bulk: list[BulkWrite] = []  # the committed effects' bulk writes, in order
        # Raised once between the effect's writes and the outbox insert, as a crash would be.
        self.crash_before_outbox: Exception | None = None
        # Attempts per event id, outside any transaction: they survive a crash, as in Mongo.
        self.attempts: dict[str, int] = {}
        self.transactions = 0  # how many were committed or tried

    def table(self, name: str) -> dict[str, Doc]:
        return self.tables.get(name, {})

    async def seen(self, event_id: str) -> bool:
        return event_id in self.tables["inbox"]

    async def apply(self, event_id: str, topic: str, effect: Effect[FakeTransaction]) -> None:
        await self.apply_many(topic, [(event_id, effect)])

    async def apply_many(self, topic: str, effects: Sequence[tuple[str, Effect[FakeTransaction]]]) -> None:
        self.transactions += 1
        txn = FakeTransaction(self.tables, self.bulk)
        for event_id, effect in effects:
            if event_id in txn.table("inbox"):
                raise AlreadyApplied(event_id)
            txn.table("inbox")[event_id] = {"_id": event_id, "topic": topic}
            if effect.writes is not None:
                await effect.writes(txn)
            txn.bulk.extend(effect.bulk)
        if self.crash_before_outbox is not None:
            crash, self.crash_before_outbox = self.crash_before_outbox, None
            raise crash
        for event_id, effect in effects:
            for event in effect.emit:
                txn.table("outbox")[str(event.event_id)] = {
                    "topic": topic_for(event.event_type),
                    "payload": event.model_dump_json(),
                    "causation": event_id,
                    "sent": False,
                }
        self.tables, self.bulk = txn.tables, txn.bulk  # the commit: nothing is ever half-written

    async def rearm(self, event_id: str) -> int:
        caused = [doc for doc in self.tables["outbox"].values() if doc["causation"] == event_id]
        for doc in caused:
            doc["sent"] = False
        return len(caused)

    async def count_attempt(self, event_id: str, topic: str) -> int:
        self.attempts[event_id] = self.attempts.get(event_id, 0) + 1
        return self.attempts[event_id]

    async def uncount_attempt(self, event_id: str) -> None:
        self.attempts[event_id] = max(0, self.attempts.get(event_id, 0) - 1)

    async def forget_attempts(self, event_id: str) -> None:
        self.attempts.pop(event_id, None)

    async def count_first_attempts(self, event_ids: Sequence[str], topic: str) -> set[str]:
        firsts = {i for i in event_ids if i not in self.attempts}
        self.attempts.update((i, 1) for i in firsts)
        return firsts

    async def uncount_first_attempts(self, event_ids: Sequence[str]) -> None:
        for i in event_ids:
            if self.attempts.get(i, 0) <= 1:
                self.attempts.pop(i, None)

    def relay(self) -> list[str]:
        """Mark every unsent outbox entry sent, as the relay does; their payloads."""
        unsent = [doc for doc in self.tables["outbox"].values() if not doc["sent"]]
        for doc in unsent:
            doc["sent"] = True
        return [doc["payload"] for doc in unsent]


@dataclass
class Parked:
    raw: bytes
    topic: str
    headers: dict[str, str]


@dataclass
class RecordingBus:
    parked: list[Parked] = field(default_factory=list)
    # How many publishes fail before one goes through (a broker that is away for a moment).
    failures: int = 0

    async def park(self, raw: bytes, topic: str, headers: dict[str, str]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker away")
        self.parked.append(Parked(raw, topic, headers))


@dataclass
class RecordingSleep:
    """Stands in for ``asyncio.sleep``: records the backoff instead of waiting it out."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class FakeRoundStore:
    """Review's store in lists and dicts; entries keep the order they were added (their ready order)."""

    def __init__(self, entries: Sequence[ReviewEntry] = (), experts: Sequence[Expert] = ()) -> None:
        self.rounds: dict[str, Round] = {}
        self.reports: dict[str, dict[str, Any]] = {}
        self.assignments: dict[str, dict[str, list[str]]] = {}  # round -> entry -> reviewers
        self.all_entries, self.all_experts = list(entries), list(experts)
        self.scored: set[str] = set()  # rounds with a score

    async def get(self, round_id: str) -> Round | None:
        rnd = self.rounds.get(round_id)
        return None if rnd is None else rnd.model_copy(deep=True)

    async def add(self, rnd: Round) -> None:
        assert rnd.id not in self.rounds, "a round is inserted once (_id)"
        self.rounds[rnd.id] = rnd.model_copy(deep=True)
        self.assignments[rnd.id] = {}

    async def ready_entries(self, campaign_id: str, under: str | None) -> list[ReviewEntry]:
        def wanted(doc: Doc) -> bool:
            if doc["campaign_id"] != campaign_id or not doc.get("ready"):
                return False
            return under is None or under in doc["attribution"]["unit_path"]

        return [e for e in self.all_entries if wanted(e.document())]

    async def level_rounds(self, campaign_id: str, level: str) -> list[Round]:
        return [
            r.model_copy(deep=True)
            for r in self.rounds.values()
            if (r.campaign_id, r.level) == (campaign_id, level)
        ]

    async def entries(self, campaign_id: str, submission_ids: list[str]) -> list[ReviewEntry]:
        by_id = {e.id: e for e in self.all_entries if e.campaign_id == campaign_id}
        return [by_id[sid] for sid in submission_ids if sid in by_id]

    async def experts(self, campaign_id: str, level: str) -> list[Expert]:
        return [x for x in self.all_experts if (x.campaign_id, x.level) == (campaign_id, level)]

    async def expert(self, expert_id: str, campaign_id: str, level: str) -> Expert | None:
        return next((x for x in await self.experts(campaign_id, level) if x.id == expert_id), None)

    async def has_experts(self, campaign_id: str, level: str) -> bool:
        return bool(await self.experts(campaign_id, level))

    async def scoring_began(self, round_id: str) -> bool:
        return round_id in self.scored

    async def reviewers(self, round_id: str, submission_id: str) -> list[str] | None:
        if submission_id not in self.rounds[round_id].pools:
            return None
        return list(self.assignments[round_id].get(submission_id, []))

    async def set_assignments(
        self, round_id: str, assignments: dict[str, list[str]], report: dict[str, Any]
    ) -> None:
        rnd = self.rounds[round_id]
        if rnd.state == OPEN:
            self.assignments[round_id], self.reports[round_id] = copy.deepcopy(assignments), report

    async def change_assignment(
        self, round_id: str, submission_id: str, was: list[str], now: list[str]
    ) -> bool:
        rnd, lists = self.rounds[round_id], self.assignments[round_id]
        if rnd.state != OPEN or lists.get(submission_id, []) != was:
            return False
        lists[submission_id] = list(now)
        return True


@dataclass
class RecordingAudit:
    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def record(
        self, who: dict[str, str], action: str, *, campaign_id: str, round_id: str | None = None, **what: Any
    ) -> None:
        self.actions.append((action, {"campaign_id": campaign_id, "round_id": round_id, **what}))


class FakeSubmissionStore:
    def __init__(self, submissions: Sequence[Submission] = ()) -> None:
        self.submissions = {s.id: s for s in submissions}

    async def counted_against(self, campaign_id: str, person_keys: list[str]) -> list[Submission]:
        return [
            s
            for s in self.submissions.values()
            if s.campaign_id == campaign_id and set(s.person_keys) & set(person_keys)
        ]

    async def add(self, submission: Submission) -> None:
        assert submission.id not in self.submissions, "a submission is inserted once (_id)"
        self.submissions[submission.id] = submission.model_copy(deep=True)


class FakeUnitTree:
    """Units by code; each unit's path is its ancestors' codes then its own."""

    def __init__(self, names: dict[str, str], paths: dict[str, list[str]]) -> None:
        self.unit_names, self.paths = names, paths

    async def require(self, code: str) -> Doc:
        if code not in self.paths:
            raise ServiceError(
                422, f"单位代码 {code} 不存在，请先导入组织机构", f"no unit {code}", field="unit_code"
            )
        return {"_id": code, "name": self.unit_names[code], "path": self.paths[code]}

    async def names_and_levels(self, codes: list[str]) -> tuple[list[str], list[str]]:
        # Levels unknown: review reads such a path by position.
        return [self.unit_names.get(code, code) for code in codes], ["" for _ in codes]


class FakeDeliveryStore:
    def __init__(self) -> None:
        self.publications: dict[str, PublicationRecord] = {}
        self.queued: dict[str, Delivery] = {}

    async def publication(self, publication_id: str) -> PublicationRecord | None:
        return self.publications.get(publication_id)

    async def add(self, publication: PublicationRecord) -> None:
        assert publication.id not in self.publications, "a publication is inserted once (_id)"
        self.publications[publication.id] = publication

    async def enqueue(self, delivery: Delivery) -> None:
        self.queued.setdefault(delivery.job_id, delivery)
