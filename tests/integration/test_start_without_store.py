"""A service started while its store is away (a restart, a failover) waits for it and comes up
when it returns, instead of exiting at its first index."""

import asyncio

import httpx
from structlog.testing import capture_logs

from services.common.settings import Settings
from tests.conftest import eventually
from zhengji.embedded import EmbeddedServers
from zhengji.server import running


async def test_a_service_started_without_its_store_comes_up_when_the_store_does(
    servers: EmbeddedServers, settings: Settings
) -> None:
    store = servers.procs[1]
    store.kill()
    await asyncio.to_thread(store.wait)
    up, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        async with running(settings, ["validator"]):
            up.set()
            await stop.wait()

    with capture_logs() as lines:
        task = asyncio.create_task(serve())
        try:

            async def waiting() -> bool:
                return any(line["event"] == "store_unreachable_at_start" for line in lines)

            await eventually(waiting, 120, "the service saying it waits for its store")
            assert not task.done(), "the service gave up instead of waiting"
            await asyncio.to_thread(servers.revive)

            async def started() -> bool:
                return up.is_set()

            await eventually(started, 120, "the service up once the store is back")
            async with httpx.AsyncClient(base_url=settings.base_url(), timeout=10) as api:

                async def ready() -> bool:
                    return (await api.get("/readyz")).status_code == 200

                await eventually(ready, 60, "/readyz once the store is back")
        finally:
            stop.set()
            await task
