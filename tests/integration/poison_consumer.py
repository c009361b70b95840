"""A consumer process for test_poison_restarts.py: the production consumer, inbox and dead
letters on the real broker and store, with a handler that kills its process on a poison event
(as a crash or the OOM killer would) and records every other note in the store.

Run as ``python -m tests.integration.poison_consumer BOOTSTRAP MONGODB_URI ATTEMPTS``."""

import asyncio
import os
import sys
from typing import Literal

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import BaseEvent
from services.common.bus import make_broker, start_broker, subscribe
from services.common.consumer import Consumer, Effect
from services.common.consumer_adapters import KafkaDeadLetters, MongoInbox
from services.common.outbox import Outbox
from services.common.store import connect

TOPIC = "zhengji.test.noted.v1"
GROUP = "zhengji-poison-test"
DB = "poison_test"


class Noted(BaseEvent):
    event_type: Literal["test.noted"] = "test.noted"
    note: str


async def main(bootstrap: str, mongodb_uri: str, attempts: int) -> None:
    client = connect(mongodb_uri)
    db = client[DB]
    broker = make_broker(bootstrap, client_id=GROUP)

    async def handle(event: Noted) -> Effect:
        if event.note == "poison":
            os._exit(3)  # no cleanup, no offset commit: the process is simply gone

        async def writes(session: AsyncClientSession) -> None:
            await db["notes"].insert_one({"_id": event.note}, session=session)

        return Effect(writes=writes)

    consumer = Consumer[Noted, AsyncClientSession](
        service="poison-test",
        topic=TOPIC,
        model=Noted,
        handler=handle,
        store=MongoInbox(client, db, Outbox(db)),
        dead_letters=KafkaDeadLetters(broker),
        attempts=attempts,
        backoff_s=0.05,
    )

    async def dispatch(topic: str, raw: bytes, where: dict[str, object]) -> None:
        await consumer(raw, where)

    subscribe(broker, [TOPIC], GROUP, dispatch, session_timeout_ms=3000)
    await start_broker(broker)
    await asyncio.Event().wait()  # until the test terminates us


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
