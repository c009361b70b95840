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


REPLY_WITHIN_MS = 120_000
"""How long one reply of the store may take: far beyond any single request of ours (an index
build of a large campaign included). Without it a reply that never comes (a server stuck, a
connection half-open after a failover) parks its caller for good; with it the caller sees a
``NetworkTimeout``, which every loop and handler already retries. ``socketTimeoutMS`` in
``MONGODB_URI`` overrides it."""


def connect(uri: str) -> AsyncMongoClient[Doc]:
    bounded: dict[str, Any] = (
        {} if "sockettimeoutms=" in uri.lower() else {"socketTimeoutMS": REPLY_WITHIN_MS}
    )
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000, **bounded)


def service_db(client: AsyncMongoClient[Doc], prefix: str, service: str) -> AsyncDatabase[Doc]:
    return client[f"{prefix}_{service}"]


# What waits for a running transaction's commit, by the session's id (in_transaction's own).
_AFTER_COMMIT: dict[int, list[Callable[[], None]]] = {}


def after_commit(session: AsyncClientSession | None, then: Callable[[], None]) -> None:
    """Call ``then`` once ``session``'s transaction has committed (at once outside one): what
    must see the writes, such as waking a job runner for the job they queued. A runner woken
    inside the transaction finds nothing yet and sleeps its whole poll interval."""
    if session is None or not session.in_transaction or id(session) not in _AFTER_COMMIT:
        then()
    else:
        _AFTER_COMMIT[id(session)].append(then)


async def in_transaction(
    client: AsyncMongoClient[Doc], work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Run ``work`` in one transaction, retrying on transient errors as the driver advises;
    then what ``after_commit`` was given in it (also what a retried attempt gave: each is a
    wake, harmless twice)."""
    async with client.start_session() as session:
        waiting: list[Callable[[], None]] = []
        _AFTER_COMMIT[id(session)] = waiting
        try:
            result = await session.with_transaction(work)
        finally:
            del _AFTER_COMMIT[id(session)]
        for then in waiting:
            then()
        return result
