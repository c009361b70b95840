"""Migrations of stored documents: small registered functions, run by ``zhengji admin migrate``.

Each service database keeps a ``schema_versions`` collection: one record per collection,
``{_id: <collection>, version: N, migrated_at}``; a collection without one is at version 0. A
migration brings one collection from ``version - 1`` to ``version``; ``migrate`` runs every
migration above a collection's recorded version, in version order, and records each version once
its function has run. Running it again finds nothing to do.

A migration's function must be safe to run twice: a crash between it and its record runs it
again. Write it as an update of the documents that still have the old shape (a filter that no
migrated document matches), never as "add one to every document". Services read both shapes
while a rolling upgrade runs (old and new replicas side by side, migrations after the rollout),
so a migration makes the store tidy, never makes the new code work. See docs/operations.md
("Upgrade") and docs/decisions/0029-day-2-operations.md."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from services.common.store import service_db

Collection = AsyncCollection[dict[str, Any]]
VERSIONS = "schema_versions"


@dataclass(frozen=True)
class Migration:
    service: str  # whose database
    collection: str
    version: int  # what the collection is at once this has run
    summary: str  # Chinese, then English
    apply: Callable[[Collection], Awaitable[int]]  # how many documents it changed

    @property
    def name(self) -> str:
        return f"{self.service}.{self.collection} v{self.version}"


MIGRATIONS: list[Migration] = []


def migration(
    service: str, collection: str, version: int, summary: str
) -> Callable[[Callable[[Collection], Awaitable[int]]], Callable[[Collection], Awaitable[int]]]:
    """Register the decorated function as the migration of ``collection`` to ``version``."""

    def register(apply: Callable[[Collection], Awaitable[int]]) -> Callable[[Collection], Awaitable[int]]:
        MIGRATIONS.append(Migration(service, collection, version, summary, apply))
        return apply

    return register


async def recorded_version(client: AsyncMongoClient[dict[str, Any]], prefix: str, m: Migration) -> int:
    record = await service_db(client, prefix, m.service)[VERSIONS].find_one({"_id": m.collection})
    return int(record["version"]) if record else 0


async def plan(
    client: AsyncMongoClient[dict[str, Any]], prefix: str, migrations: list[Migration] | None = None
) -> list[Migration]:
    """The migrations still to run, in the order ``migrate`` runs them."""
    pending = []
    for m in sorted(migrations or MIGRATIONS, key=lambda m: (m.service, m.collection, m.version)):
        if m.version > await recorded_version(client, prefix, m):
            pending.append(m)
    return pending


async def migrate(
    client: AsyncMongoClient[dict[str, Any]], prefix: str, migrations: list[Migration] | None = None
) -> list[tuple[Migration, int]]:
    """Run what ``plan`` lists, recording each version as it is reached; what ran, and how many
    documents each changed."""
    done = []
    for m in await plan(client, prefix, migrations):
        db = service_db(client, prefix, m.service)
        changed = await m.apply(db[m.collection])
        await db[VERSIONS].update_one(
            {"_id": m.collection},
            {"$set": {"version": m.version, "migrated_at": datetime.now(UTC)}},
            upsert=True,
        )
        done.append((m, changed))
    return done
