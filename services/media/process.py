"""Running ffmpeg and ffprobe: bounded in time, memory and CPU, never left behind.

Every media subprocess of zhengji goes through here. The child leads its own
process group, so a timeout or a cancelled task kills it and anything it
spawned; rlimits stop a hostile file from exhausting the host. It runs at a lower
CPU priority than the services: media work waits in its queue anyway, while an
upload, a page or a lease renewal has someone or something waiting on it now."""

import asyncio
import contextlib
import ctypes
import math
import os
import resource
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

ADDRESS_SPACE_LIMIT = 4 * 1024**3
# Added to the service's niceness. On a 5,000-submission day with everything on two cores, the
# checks and transcodes took over half the CPU at equal priority while uploads waited 20 s for the
# store and the web service (docs/performance.md, "A provincial day"); alone on a node it
# changes nothing.
MEDIA_NICE = 10
PR_SET_PDEATHSIG = 1


class ToolMissing(Exception):
    """ffmpeg or ffprobe could not be started at all."""


class ToolTimedOut(Exception):
    def __init__(self, tool: str, timeout_s: float) -> None:
        super().__init__(f"{tool} did not finish within {timeout_s:.0f} s")
        self.timeout_s = timeout_s


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


def last_lines(text: str, n: int = 4) -> str:
    """A tool's last words, for a reason a person reads (ffmpeg prints its error last)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-n:])[-1000:]


def _limits(cpu_s: int, address_space: int) -> Callable[[], None]:
    def apply() -> None:
        # The child leads its own session, so it would outlive a worker killed with SIGKILL.
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.nice(MEDIA_NICE)
        if address_space != resource.RLIM_INFINITY:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))

    return apply


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


async def _spawn(
    argv: list[str], timeout_s: float, address_space: int, stdout: int
) -> asyncio.subprocess.Process:
    # CPU seconds may exceed wall seconds with threads; bound it generously but finitely.
    cpu_s = math.ceil(timeout_s * (os.cpu_count() or 1)) + 1
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_limits(cpu_s, address_space),
        )
    except OSError as exc:
        raise ToolMissing(f"cannot run {argv[0]}: {exc}") from exc


async def run(argv: list[str], timeout_s: float, address_space: int = ADDRESS_SPACE_LIMIT) -> Completed:
    proc = await _spawn(argv, timeout_s, address_space, asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        _kill_group(proc)
        await proc.wait()
        raise ToolTimedOut(argv[0], timeout_s) from None
    except BaseException:
        _kill_group(proc)
        await proc.wait()
        raise
    return Completed(proc.returncode or 0, out, err)


@dataclass(frozen=True)
class Progress:
    out_time_s: float
    speed: float | None
    done: bool


def parse_progress_block(lines: list[str]) -> Progress:
    """One block of ``-progress pipe:1`` output (key=value lines ending with progress=...)."""
    values = dict(line.split("=", 1) for line in lines if "=" in line)
    out_us = values.get("out_time_us") or values.get("out_time_ms") or "0"
    speed_text = values.get("speed", "").rstrip("x").strip()
    try:
        speed = float(speed_text) if speed_text and speed_text != "N/A" else None
    except ValueError:
        speed = None
    try:
        out_time = max(0.0, int(out_us) / 1_000_000)
    except ValueError:
        out_time = 0.0
    return Progress(out_time_s=out_time, speed=speed, done=values.get("progress") == "end")


async def run_ffmpeg(
    args: list[str],
    timeout_s: float,
    on_progress: Callable[[Progress], Awaitable[None]] | None = None,
    ffmpeg_bin: str = "ffmpeg",
    address_space: int = ADDRESS_SPACE_LIMIT,
) -> Completed:
    """Run ffmpeg with ``-progress pipe:1``, reporting each progress block as it comes."""
    argv = [ffmpeg_bin, "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    # GPU encodes pass RLIM_INFINITY: the CUDA driver reserves far more address space than 4 GiB.
    proc = await _spawn(argv, timeout_s, address_space, asyncio.subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    stderr_task = asyncio.create_task(proc.stderr.read())

    async def pump() -> None:
        assert proc.stdout is not None
        block: list[str] = []
        async for raw in proc.stdout:
            line = raw.decode(errors="replace").strip()
            block.append(line)
            if line.startswith("progress="):
                if on_progress is not None:
                    await on_progress(parse_progress_block(block))
                block = []
        await proc.wait()

    try:
        await asyncio.wait_for(pump(), timeout_s)
    except TimeoutError:
        _kill_group(proc)
        await proc.wait()
        stderr_task.cancel()
        raise ToolTimedOut("ffmpeg", timeout_s) from None
    except BaseException:
        _kill_group(proc)
        await proc.wait()
        stderr_task.cancel()
        raise
    return Completed(proc.returncode or 0, b"", await stderr_task)
