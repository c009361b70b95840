"""Pruning the outbox, the inbox and the counts of attempts by age, on the real store: old sent
rows, old markers and old counts go; unsent rows (however old) and recent ones stay; a running
service prunes by itself."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.common.pruning import Pruner
from services.common.settings import Settings
from services.common.store import connect
from tests.conftest import eventually
from zhengji import runtime

NOW = datetime.now(UTC)
AGE = timedelta(days=7)


def outbox_row(row_id: str, sent: bool, at: datetime) -> dict[str, Any]:
    row = {"_id": row_id, "topic": "t", "key": "k", "payload": "{}", "sent": sent, "created_at": at}
    return {**row, "sent_at": at} if sent else row


async def remaining(db: AsyncDatabase[dict[str, Any]], name: str) -> list[str]:
    return sorted([doc["_id"] async for doc in db[name].find({}, {"_id": 1})])


async def test_old_sent_rows_and_old_markers_go_unsent_and_recent_ones_stay(settings: Settings) -> None:
    client = connect(settings.mongodb_uri)
    try:
        db = client["prune_test"]
        await db["outbox"].insert_many(
            [
                outbox_row("old-sent", True, NOW - timedelta(days=10)),
                outbox_row("old-unsent", False, NOW - timedelta(days=10)),  # never published yet
                outbox_row("new-sent", True, NOW - timedelta(hours=1)),
            ]
        )
        # As the consumer writes them: an event id and its topic, no time.
        await db["inbox"].insert_many([{"_id": "seen-a", "topic": "t"}, {"_id": "seen-b", "topic": "t"}])
        # Counts of attempts, stamped at their latest attempt.
        await db["attempts"].insert_many(
            [
                {"_id": "tried-old", "count": 1, "received_at": NOW - timedelta(days=10)},
                {"_id": "tried-new", "count": 2, "received_at": NOW - timedelta(hours=1)},
            ]
        )
        pruner = Pruner(db, AGE)
        await pruner.create_indexes()

        pruned = await pruner.prune_once(NOW)
        assert (pruned.outbox, pruned.inbox, pruned.attempts) == (
            1,
            0,
            1,
        )  # a marker is kept at least the age
        assert await remaining(db, "attempts") == ["tried-new"]
        assert await remaining(db, "outbox") == ["new-sent", "old-unsent"]
        assert await remaining(db, "inbox") == ["seen-a", "seen-b"]

        await db["inbox"].insert_one({"_id": "seen-c", "topic": "t"})
        pruned = await pruner.prune_once(NOW + AGE + timedelta(hours=1))
        assert (pruned.outbox, pruned.inbox) == (1, 2)  # the sent row is old now too; seen-c is new
        assert await remaining(db, "outbox") == ["old-unsent"]
        assert await remaining(db, "inbox") == ["seen-c"]
    finally:
        await client.close()


async def test_a_running_service_prunes_its_own_store(settings: Settings) -> None:
    client = connect(settings.mongodb_uri)
    service = runtime.Runtime(settings.model_copy(update={"prune_every_s": 0.2}), ["validator"])
    try:
        db = client[f"{settings.db_prefix}_validator"]
        await db["outbox"].insert_many(
            [outbox_row("old-sent", True, NOW - timedelta(days=10)), outbox_row("new-sent", True, NOW)]
        )
        await service.start()

        async def pruned() -> bool:
            return await remaining(db, "outbox") == ["new-sent"]

        await eventually(pruned, 30, "the old sent row pruned")
    finally:
        await service.stop()
        await client.close()
