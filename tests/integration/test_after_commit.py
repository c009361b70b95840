"""What waits for a commit (a job runner's or an outbox relay's wake), on the real store: it runs
once the transaction has committed, never inside it, and not at all for one that was aborted."""

from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from services.common.settings import Settings
from services.common.store import Doc, after_commit, connect, in_transaction


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncMongoClient[Doc]]:
    client = connect(settings.mongodb_uri)
    yield client
    await client.close()


async def test_what_waits_for_a_commit_runs_after_it_and_not_for_an_aborted_one(
    client: AsyncMongoClient[Doc], settings: Settings
) -> None:
    kept = client[f"{settings.db_prefix}_aftercommit"]["kept"]
    woken: list[str] = []

    async def committed(session: AsyncClientSession) -> None:
        await kept.insert_one({"_id": "one"}, session=session)
        after_commit(session, lambda: woken.append("one"))
        assert woken == []  # not while the write is invisible to everyone else

    await in_transaction(client, committed)
    assert woken == ["one"]

    async def aborted(session: AsyncClientSession) -> None:
        await kept.insert_one({"_id": "two"}, session=session)
        after_commit(session, lambda: woken.append("two"))
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        await in_transaction(client, aborted)
    assert woken == ["one"]
    assert await kept.count_documents({}) == 1

    after_commit(None, lambda: woken.append("three"))  # no transaction: at once
    assert woken == ["one", "three"]
