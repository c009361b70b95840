"""Background loops outlive their errors, and health reports each one truthfully."""

import asyncio
import time
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from pymongo.errors import AutoReconnect

from services.common.health import health_router
from services.common.job_runner import run_workers
from services.common.jobs import Job, JobTable
from services.common.loops import Backoff, Loops, LoopState, cancelled, every, supervise
from services.common.settings import Settings
from services.common.store import REPLY_WITHIN_MS, connect
from tests.unit.fakes import RecordingSleep


class Stop(BaseException):
    """Ends a loop under test once it has shown what it does."""


def test_the_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    backoff = Backoff(base_s=0.5, cap_s=4.0)
    for failures, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (10, 4.0)]:
        waits = {backoff.delay(failures) for _ in range(50)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits), (failures, waits)
        assert len(waits) > 1  # jittered: loops failing together do not retry in lockstep


async def test_a_loop_that_raises_is_restarted_after_a_backoff_and_its_state_says_so() -> None:
    sleep = RecordingSleep()
    state = LoopState("svc.relay", Backoff(0.5, 30.0), sleep)
    runs: list[int] = []

    async def body(state: LoopState) -> None:
        runs.append(len(runs))
        if len(runs) <= 3:
            raise AutoReconnect("store away")
        state.ok()
        raise Stop

    with pytest.raises(Stop):
        await supervise(state, body)

    assert len(runs) == 4
    assert len(sleep.waits) == 3 and sleep.waits[2] <= 2.0
    assert (state.failures, state.failing_for(), state.last_success is not None) == (0, 0.0, True)
    assert state.last_error == "AutoReconnect: store away"


async def test_a_periodic_step_that_fails_retries_after_the_backoff_not_the_period() -> None:
    sleep = RecordingSleep()
    state = LoopState("svc.prune", Backoff(0.5, 30.0), sleep)
    outcomes: list[Exception | None] = [AutoReconnect("away"), AutoReconnect("away"), None]
    succeeded = asyncio.Event()

    async def step() -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        succeeded.set()

    task = asyncio.create_task(every(state, 3600.0, step))
    await asyncio.wait_for(succeeded.wait(), 5)
    await asyncio.sleep(0)  # let the loop record the success before its long wait
    task.cancel()
    assert len(sleep.waits) == 2 and max(sleep.waits) <= 1.0
    assert state.failures == 0


async def test_a_loop_that_ends_for_good_is_marked_dead() -> None:
    loops = Loops(Backoff())

    async def body(state: LoopState) -> None:
        raise Stop

    task = loops.start("svc.relay", body)
    with pytest.raises(Stop):
        await task
    await asyncio.sleep(0)  # done callbacks run on the next turn of the loop
    assert loops.states["svc.relay"].dead


class FlakyTable:
    """A job table whose first claims fail as a store away would, then hands out one job."""

    def __init__(self, failures: int) -> None:
        self.failures, self.wake = failures, asyncio.Event()
        self.jobs: list[Job] = [{"_id": "j1"}]

    async def claim(self, worker: str) -> Job | None:
        if self.failures:
            self.failures -= 1
            raise AutoReconnect("store away")
        return self.jobs.pop() if self.jobs else None


async def test_the_job_loop_survives_failing_claims_and_then_runs_the_job() -> None:
    sleep = RecordingSleep()
    state = LoopState("svc.jobs", Backoff(0.5, 30.0), sleep)
    ran = asyncio.Event()

    async def run(job: Job) -> None:
        ran.set()

    table = cast(JobTable, FlakyTable(failures=5))
    task = asyncio.create_task(run_workers(table, "w", 1, run, poll_s=0.01, state=state))
    try:
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        task.cancel()
    assert len(sleep.waits) == 5 and state.failures == 0 and state.last_success is not None


class Store:
    def __init__(self) -> None:
        self.up = True
        self.admin = self

    async def command(self, name: str) -> dict[str, Any]:
        if not self.up:
            await asyncio.sleep(10)  # an unreachable server: the probe's deadline ends it
        return {"ok": 1}


class Broker:
    def __init__(self) -> None:
        self.up = True

    async def ping(self, timeout: float) -> bool:  # noqa: ASYNC109 (FastStream's signature)
        return self.up


async def test_readiness_and_liveness_name_what_is_wrong() -> None:
    loops = Loops(Backoff())
    relay, jobs = loops.state("svc.outbox_relay"), loops.state("svc.jobs")
    store, broker = Store(), Broker()
    settings = Settings(ready_failing_s=5.0, health_timeout_s=0.2)
    app = FastAPI()
    app.include_router(
        health_router(settings, ["svc"], lambda: loops.states.values(), cast(Any, store), cast(Any, broker))
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as api:

        async def checks(path: str) -> tuple[int, dict[str, bool]]:
            r = await api.get(path)
            return r.status_code, {c["name"]: c["ok"] for c in r.json()["checks"]}

        relay.ok()
        assert await checks("/readyz") == (
            200,
            {"store": True, "broker": True, **dict.fromkeys(loops.states, True)},
        )

        store.up = False
        jobs.failures, jobs.failing_since = 3, time.monotonic() - 60
        status, ready = await checks("/readyz")
        assert status == 503 and ready["store"] is False and ready["broker"] is True
        assert ready["svc.jobs"] is False and ready["svc.outbox_relay"] is True
        assert await checks("/healthz") == (200, {"svc.outbox_relay": True, "svc.jobs": True})

        store.up, broker.up = True, False
        status, ready = await checks("/readyz")
        assert status == 503 and ready["store"] is True and ready["broker"] is False

        relay.dead = True
        assert await checks("/healthz") == (503, {"svc.outbox_relay": False, "svc.jobs": True})


async def test_stopping_waits_a_bounded_time_for_a_loop_that_does_not_end() -> None:
    """A loop parked where cancelling does not reach it (here: one that swallows the cancel, as a
    call into a store that never answers would keep it) does not keep its service from stopping."""
    release, parked = asyncio.Event(), asyncio.Event()

    async def stubborn() -> None:
        parked.set()
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    async def obedient() -> None:
        await asyncio.Event().wait()

    tasks = [
        asyncio.create_task(stubborn(), name="svc.stuck"),
        asyncio.create_task(obedient(), name="svc.ok"),
    ]
    await parked.wait()
    # Returning at all is the bound (unbounded, it would wait here until pytest's timeout).
    assert await cancelled(tasks, within_s=0.2) == ["svc.stuck"]
    assert tasks[1].cancelled()
    release.set()
    await tasks[0]


async def test_a_loop_ends_when_stopped_even_if_a_library_swallows_the_cancellation() -> None:
    """Some clients catch a cancellation and raise their own error, or return: the loop must not
    carry on (it would retry for ever on a client its stopped service has closed)."""
    loops = Loops(Backoff(0.01, 0.01))
    inside, release = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def blocked() -> None:
        inside.set()
        await release.wait()

    async def raises_instead(state: LoopState) -> None:
        calls.append("relay")
        try:
            await blocked()
        except asyncio.CancelledError:
            raise AutoReconnect("connection closed") from None

    async def returns_instead() -> None:
        calls.append("sweep")
        try:
            await blocked()
        except asyncio.CancelledError:
            return

    tasks = [
        loops.start("svc.relay", lambda state: supervise(state, raises_instead)),
        loops.start("svc.sweep", lambda state: every(state, 0.01, returns_instead)),
    ]
    try:
        while len(calls) < 2:
            await inside.wait()
            inside.clear()
        assert await cancelled(tasks, within_s=5) == []
        assert all(task.cancelled() for task in tasks)
        assert sorted(calls) == ["relay", "sweep"], "neither ran again after it was stopped"
        assert not any(state.dead for state in loops.states.values())
    finally:  # loops that did carry on: let them out, so a failure here does not hang the run
        release.set()
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=5)


async def test_a_store_reply_is_waited_for_a_bounded_time_unless_the_uri_says_otherwise() -> None:
    bounded = connect("mongodb://127.0.0.1:1/?directConnection=true")
    chosen = connect("mongodb://127.0.0.1:1/?directConnection=true&socketTimeoutMS=5000")
    try:
        assert bounded.options.pool_options.socket_timeout == REPLY_WITHIN_MS / 1000
        assert chosen.options.pool_options.socket_timeout == 5.0
    finally:
        await bounded.close()
        await chosen.close()
