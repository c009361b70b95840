"""What every asyncio task awaits, printed shortly before pytest-timeout ends a hung test.

pytest-timeout shows the main thread in ``select``, which says only that the event loop is idle;
what a hang needs is the chain of awaits each task is parked on. A timer thread signals the main
thread (where the loop runs, so ``asyncio`` can be asked) ``LEAD_S`` before the test's timeout,
and the chains go to the test's captured stderr, which the failure report shows."""

import asyncio
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from types import FrameType
from typing import Any

LEAD_S = 30.0
SIGNAL = signal.SIGUSR2


def _frames(coro: Any) -> Iterator[FrameType]:
    """The frames of a coroutine and of everything it awaits, outermost first."""
    while coro is not None:
        frame: FrameType | None = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            yield frame
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)


def report(file: Any = None) -> None:
    out = file or sys.stderr
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        print("hang report: no event loop is running in the main thread", file=out)
        return
    tasks = asyncio.all_tasks(loop)
    print(f"hang report: {len(tasks)} asyncio tasks", file=out)
    for task in tasks:
        print(f"--- {task.get_name()} ---", file=out)
        frames = [(f, f.f_lineno) for f in _frames(task.get_coro())]
        print("".join(traceback.StackSummary.extract(iter(frames)).format()), end="", file=out)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    report()


class Watch:
    """One test's timer: armed when the test starts, disarmed when it ends."""

    def __init__(self, timeout_s: float) -> None:
        self.timer: threading.Timer | None = None
        self.after_s = timeout_s - LEAD_S
        if self.after_s > 0 and threading.current_thread() is threading.main_thread():
            signal.signal(SIGNAL, _on_signal)
            self.timer = threading.Timer(self.after_s, os.kill, (os.getpid(), SIGNAL))
            self.timer.daemon = True
            self.timer.start()

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
