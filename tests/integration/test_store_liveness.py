"""An embedded store that is alive but answers nothing (SecantusDB can wedge under load) is
restarted, and the services carry on with what was stored before."""

import asyncio
import os
import signal
import subprocess
import sys

from services.common.settings import Settings
from tests.conftest import admin_client, create_campaign, eventually
from zhengji.children import stopped
from zhengji.embedded import EmbeddedServers
from zhengji.store_liveness import Liveness, answers, store_watched

QUICK = Liveness(every_s=0.5, within_s=2.0, misses=2)


async def test_a_store_that_stops_answering_is_restarted_and_keeps_its_data(
    servers: EmbeddedServers, settings: Settings
) -> None:
    async with admin_client(settings, ["intake"]) as api:
        before = await create_campaign(api)
        silent = servers.store_process()
        assert silent is not None
        os.kill(silent.pid, signal.SIGSTOP)  # alive, accepting connections, answering nothing
        try:
            assert not await asyncio.to_thread(answers, servers.mongodb_uri, 1.0)
            async with store_watched(servers, QUICK):

                async def restarted() -> bool:
                    store = servers.store_process()
                    if store is None or store is silent:
                        return False
                    return await asyncio.to_thread(answers, servers.mongodb_uri, 2.0)

                await eventually(restarted, 60, "the silent store restarted")
        finally:
            if silent.poll() is None:
                os.kill(silent.pid, signal.SIGCONT)
        assert silent.poll() is not None

        async def listed() -> list[str]:
            r = await api.get("/api/campaigns")
            return [c["id"] for c in r.json()] if r.status_code == 200 else [f"HTTP {r.status_code}"]

        async def back() -> bool:
            return before in await listed()

        await eventually(back, 60, f"intake answering from the restarted store with {before}")
        await create_campaign(api, id="after-restart")  # and storing again
        assert {before, "after-restart"} <= set(await listed())


def test_a_store_is_asked_to_stop_and_killed_only_when_it_does_not() -> None:
    """Asked first (a clean stop closes its journal), killed when it does not stop in time."""
    waits = "import signal, time; {}; print(1, flush=True); time.sleep(600)"
    ignores_sigterm = waits.format("signal.signal(signal.SIGTERM, signal.SIG_IGN)")
    for program, ends_by in ((waits.format("pass"), signal.SIGTERM), (ignores_sigterm, signal.SIGKILL)):
        child = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE)
        try:
            assert child.stdout is not None and child.stdout.readline()  # its handler is in place
            stopped(child, 1.0)
            assert child.returncode == -ends_by
        finally:
            if child.poll() is None:
                child.kill()
