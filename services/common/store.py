"""The document store: PyMongo's async client (Motor is deprecated).

Each service owns one database, ``<prefix>_<service>``; no service reads
another's. ``in_transaction`` is how a state change and its outbox entry are
written atomically."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
T = TypeVar("T")


def connect(uri: str) -> AsyncMongoClient[Doc]:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)


def service_db(client: AsyncMongoClient[Doc], prefix: str, service: str) -> AsyncDatabase[Doc]:
    return client[f"{prefix}_{service}"]


async def in_transaction(
    client: AsyncMongoClient[Doc], work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Run ``work`` in one transaction, retrying on transient errors as the driver advises."""
    async with client.start_session() as session:
        return await session.with_transaction(work)
