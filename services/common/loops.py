"""Background loops that outlive a store or broker outage, and what health reads of them.

Every loop a service runs in the background (job claiming, sweeps, the outbox relay, pruning,
the reconciler) is started by ``Service.spawn``/``spawn_every`` under ``supervise``: an error
is logged, counted and followed by a capped exponential backoff with jitter, then the loop runs
again. A loop that ends for good (a ``BaseException`` other than cancellation, or a bug that
escapes this supervision) is marked ``dead``, which fails liveness. Each ``LoopState`` keeps the
last success, the last error and the consecutive failures, which ``/readyz`` reports."""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.common.log import get_logger

log = get_logger("loops")

STOP_WITHIN_S = 30.0
"""How long a stopping service waits for its loops (and its jobs' hand-back) to end."""


@dataclass(frozen=True)
class Backoff:
    """Waits ``base_s`` after the first failure, doubling up to ``cap_s``; each wait is drawn
    from its upper half so that many loops failing together do not retry in lockstep."""

    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, failures: int) -> float:
        ceiling = min(self.cap_s, self.base_s * 2 ** max(0, failures - 1))
        return random.uniform(ceiling / 2, ceiling)


@dataclass
class LoopState:
    """How one background loop is doing; written by the loop, read by health."""

    name: str
    backoff: Backoff = field(default_factory=Backoff)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # consecutive: a success resets it
    failing_since: float | None = None  # monotonic time of the first of the current failures
    dead: bool = False

    def ok(self) -> None:
        if stop_asked():  # what the loop awaited swallowed its cancellation and returned
            raise asyncio.CancelledError(f"{self.name} stopped")
        self.last_success = datetime.now(UTC)
        self.failures, self.failing_since = 0, None

    async def failed(self, exc: BaseException) -> None:
        """Record and log a failure, then wait the backoff before the loop tries again; or end the
        loop if it was asked to stop and a library turned that cancellation into an error."""
        if stop_asked():
            raise asyncio.CancelledError(f"{self.name} stopped ({type(exc).__name__} while cancelling)")
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        self.last_error = f"{type(exc).__name__}: {exc}"[:500]
        self.last_error_at = datetime.now(UTC)
        wait = self.backoff.delay(self.failures)
        log.warning("loop_failed", loop=self.name, failures=self.failures, error=self.last_error, wait_s=wait)
        await self.sleep(wait)

    def failing_for(self) -> float:
        """Seconds since the loop last worked (0 while it works)."""
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since


def stop_asked() -> bool:
    """Whether the current task was cancelled, even if what it awaited swallowed the cancellation
    (a client library that catches it and raises its own error, or returns): a loop that carried
    on would outlive its service, failing on a closed client for ever (seen in CI: an outbox relay
    of a stopped intake, still retrying half an hour later)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def supervise(state: LoopState, body: Callable[[LoopState], Coroutine[Any, Any, None]]) -> None:
    """Run ``body(state)`` again and again: after an error (with backoff) or if it returns."""
    while True:
        try:
            await body(state)
        except Exception as exc:
            await state.failed(exc)
        else:
            await state.failed(RuntimeError("loop returned"))


async def every(state: LoopState, every_s: float, step: Callable[[], Awaitable[object]]) -> None:
    """Run ``step`` every ``every_s`` seconds; a failed step is retried after the backoff
    (shorter than ``every_s`` at first) rather than after a whole period."""
    while True:
        try:
            await step()
        except Exception as exc:
            await state.failed(exc)
            continue
        state.ok()
        await asyncio.sleep(every_s)


class Loops:
    """The background loops of one service, by name."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff
        self.states: dict[str, LoopState] = {}

    def state(self, name: str) -> LoopState:
        if name not in self.states:
            self.states[name] = LoopState(name, self.backoff)
        return self.states[name]

    def start(self, name: str, run: Callable[[LoopState], Coroutine[Any, Any, None]]) -> "asyncio.Task[None]":
        """Start ``run(state)`` as a task; it is marked dead if it ever ends other than cancelled."""
        state = self.state(name)
        task = asyncio.create_task(run(state), name=name)

        def ended(task: "asyncio.Task[None]") -> None:
            if task.cancelled():
                return
            state.dead = True
            exc = task.exception()
            state.last_error = repr(exc) if exc is not None else "ended"
            log.error("loop_died", loop=name, error=state.last_error)

        task.add_done_callback(ended)
        return task


async def cancelled(tasks: Sequence["asyncio.Task[Any]"], within_s: float = STOP_WITHIN_S) -> list[str]:
    """Cancel ``tasks`` and wait up to ``within_s`` for them to end; returns the names of those
    still running. A loop parked on a store or broker that does not answer must not keep its
    process from stopping (nor a test from ending)."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return []
    _, pending = await asyncio.wait(tasks, timeout=within_s)
    return sorted(task.get_name() for task in pending)
