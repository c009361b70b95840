"""Restarting an embedded store that is alive but answers nothing.

SecantusDB (0.7.0b3) can wedge under concurrent load: its process lives and accepts connections,
and no request of any client is answered again (seen in CI: every service's store call parked,
an index build among them; docs/decisions/0038-embedded-store-liveness.md). A child that *dies*
is ``EmbeddedServers.kept_alive``'s to start again; a silent one is this watch's. Every
``every_s`` it makes a small write on a fresh connection; when ``misses`` probes in a row get no
answer within ``within_s``, the process is stopped (killed if it does not stop) and started again
on the same port and data dir. Its clients see their connections drop and retry, as after any
restart of the store (the chaos bench kills the store on purpose and the submissions move on)."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from services.common.log import get_logger
from zhengji.children import stopped

if TYPE_CHECKING:
    from zhengji.embedded import EmbeddedServers

log = get_logger("embedded")

PROBE_DB = "liveness_probe"  # outside every deployment's prefix: no backup or blob sweep reads it


@dataclass(frozen=True)
class Liveness:
    every_s: float = 10.0
    within_s: float = 30.0  # far beyond a loaded store's slowest small write
    misses: int = 2
    stop_s: float = 10.0  # how long it may take to stop when asked, before it is killed
    boot_s: float = 120.0  # how long a restarted store may take to answer before it is judged


def answers(uri: str, within_s: float) -> bool:
    """One small write on a fresh connection, answered within ``within_s`` (not a ping: a ping is
    answered without touching storage, so a store whose storage is wedged may still answer it)."""
    ms = int(within_s * 1000)
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms
    )
    try:
        client[PROBE_DB]["probe"].update_one({"_id": "probe"}, {"$inc": {"n": 1}}, upsert=True)
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


async def watch(servers: "EmbeddedServers", liveness: Liveness) -> None:
    missed, watched, silent_since = 0, None, 0.0
    while True:
        await asyncio.sleep(liveness.every_s)
        store = servers.store_process()
        if store is None or store.poll() is not None:
            missed, watched = 0, None  # stopped or dead: not this watch's to judge
            continue
        if store is not watched:
            missed, watched = 0, store  # a new process: its misses start from nothing
        asked = time.monotonic()
        if await asyncio.to_thread(answers, servers.mongodb_uri, liveness.within_s):
            missed = 0
            continue
        silent_since = asked if missed == 0 else silent_since
        missed += 1
        if missed < liveness.misses or store.poll() is not None:
            continue
        log.error(
            "embedded_store_unresponsive_restarted",
            pid=store.pid,
            silent_for_s=round(time.monotonic() - silent_since, 1),
        )
        await asyncio.to_thread(stopped, store, liveness.stop_s)
        servers.revive()  # in the loop's thread, as kept_alive does: the parent-death signal holds
        # Its start (recovery from the journal) is not silence: judged again once it answers.
        await booted(servers, liveness.boot_s)


async def booted(servers: "EmbeddedServers", within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(answers, servers.mongodb_uri, 2.0):
            return
        await asyncio.sleep(0.5)
    log.error("embedded_store_not_back", waited_s=within_s)


@contextlib.asynccontextmanager
async def store_watched(servers: "EmbeddedServers", liveness: Liveness | None = None) -> AsyncIterator[None]:
    """While inside, a store that stops answering is restarted."""
    task = asyncio.create_task(watch(servers, liveness or Liveness()), name="embedded_store_liveness")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
