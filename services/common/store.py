"""The document store: PyMongo's async client (Motor is deprecated).

Each service owns one database, ``<prefix>_<service>``; no service reads
another's. ``in_transaction`` is how a state change and its outbox entry are
written atomically."""

from collections.abc import Awaitable, Callable, Sequence
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


# Ids per ``$in``: on SecantusDB a lookup by ``$in`` costs more per id as the list grows (about
# 0.6 ms an id at 50, 2 ms at 500, 5.6 ms an id for update_many), so long lists go in slices.
IN_LIST = 100


def chunks(ids: Sequence[T], size: int = IN_LIST) -> list[list[T]]:
    """``ids`` in slices of at most ``size``, for ``$in`` queries."""
    return [list(ids[at : at + size]) for at in range(0, len(ids), size)]
