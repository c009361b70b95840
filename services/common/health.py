"""``/healthz`` (liveness) and ``/readyz`` (readiness), each check listed in the body.

Liveness asks only what a restart would cure: the event loop answers (this handler runs) and no
background loop has ended for good. Readiness asks whether the process can do its work now:
every loop working or failing for less than ``ready_failing_s``, the broker answering a
metadata request and the store a ``ping``, each within ``health_timeout_s``. A store or broker
outage makes a process unready, never unlive: restarting it would not bring the store back."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from faststream.kafka import KafkaBroker
from pydantic import BaseModel
from pymongo import AsyncMongoClient

from services.common.loops import LoopState
from services.common.settings import Settings


class Check(BaseModel):
    name: str  # "store", "broker", or a loop's "<service>.<loop>"
    ok: bool
    detail: str = ""
    last_success: datetime | None = None
    consecutive_failures: int = 0


class Health(BaseModel):
    ok: bool
    services: list[str]
    checks: list[Check]


def loop_check(state: LoopState, failing_limit_s: float | None) -> Check:
    """A loop is fine unless dead, or (for readiness, with a limit) failing for that long."""
    failing_s = state.failing_for()
    ok = not state.dead and (failing_limit_s is None or failing_s < failing_limit_s)
    if state.dead:
        detail = f"已停止 / ended for good: {state.last_error}"
    elif state.failures:
        detail = f"重试中 / backing off for {failing_s:.1f} s: {state.last_error}"
    else:
        detail = ""
    return Check(
        name=state.name,
        ok=ok,
        detail=detail,
        last_success=state.last_success,
        consecutive_failures=state.failures,
    )


async def probe(name: str, answers: Callable[[], Awaitable[Any]], timeout_s: float) -> Check:
    """``name`` is reachable if ``answers()`` returns something true within ``timeout_s``."""
    try:
        ok = bool(await asyncio.wait_for(answers(), timeout_s))
        detail = "" if ok else "无应答 / no answer"
    except TimeoutError:
        ok, detail = False, f"{timeout_s} 秒内无应答 / no answer within {timeout_s} s"
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
    return Check(name=name, ok=ok, detail=detail)


def health_router(
    settings: Settings,
    services: list[str],
    loops: Callable[[], Iterable[LoopState]],
    client: AsyncMongoClient[dict[str, Any]],
    broker: KafkaBroker,
) -> APIRouter:
    router = APIRouter(tags=["health"])
    timeout_s = settings.health_timeout_s

    def report(checks: list[Check], response: Response) -> Health:
        ok = all(c.ok for c in checks)
        response.status_code = 200 if ok else 503
        return Health(ok=ok, services=services, checks=checks)

    @router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
    async def healthz(response: Response) -> Health:
        """Liveness: 503 when a background loop has ended for good (restart the process)."""
        return report([loop_check(state, None) for state in loops()], response)

    @router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
    async def readyz(response: Response) -> Health:
        """Readiness: 503 while the store or broker is away or a loop keeps failing."""
        store, broker_ = await asyncio.gather(
            probe("store", lambda: client.admin.command("ping"), timeout_s),
            probe("broker", lambda: broker.ping(timeout_s), timeout_s + 0.5),
        )
        looping = [loop_check(state, settings.ready_failing_s) for state in loops()]
        return report([store, broker_, *looping], response)

    return router
