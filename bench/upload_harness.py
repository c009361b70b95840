"""What the upload benches share: ``zhengji up`` (embedded mode) in a subprocess with a small tree,
the Yanbian campaign and two entries (``served``, ``setup``), the server's RSS sampled from /proc,
random source bytes, the copy that is their baseline (``copy_seconds``) and the run in a
temporary folder (``bench_main``). Used by bench_upload_memory, bench_tus_upload,
bench_upload_load and bench_s3_upload."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from contracts.calendar import campaign_today
from zhengji.children import stopped
from zhengji.ports import free_port
from zhengji.samples import yanbian_form

MB = 1024 * 1024


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and its parts (RssAnon: heap; RssFile: mapped files) in kB, from /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


class Sampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.samples.append((time.perf_counter(), rss_kb(self.pid)))
            except OSError:
                return
            self.stop.wait(self.every_s)

    def peak(self, key: str = "VmRSS") -> int:
        return max(s[key] for _, s in self.samples)


def write_random_file(path: Path, size_mb: int) -> None:
    with path.open("wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(MB))


def start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``zhengji up``; under cProfile (its event loop's thread) when ``ZHENGJI_BENCH_PROFILE``
    names the file for the stats (read them with ``python -m pstats FILE``): where the time goes."""
    zhengji = Path(sys.executable).with_name("zhengji")
    log = log_path.open("wb")
    profile = os.environ.get("ZHENGJI_BENCH_PROFILE")
    profiled = [sys.executable, "-m", "cProfile", "-o", profile] if profile else []
    return subprocess.Popen(
        [*profiled, str(zhengji), "up", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def stop_server(proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    stopped(proc, timeout_s, ask=signal.SIGINT)  # as Ctrl-C stops `zhengji up`


async def wait_healthy(api: httpx.AsyncClient, proc: subprocess.Popen[bytes], log_path: Path) -> float:
    started = time.perf_counter()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"zhengji up exited ({proc.returncode}):\n{log_path.read_text()[-2000:]}")
        try:
            if (await api.get("/healthz", timeout=2)).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError(f"zhengji up did not answer /healthz:\n{log_path.read_text()[-2000:]}")


PASSWORD = "bench-admin-password"
TREE = "code,name,level,parent\n22,吉林省,province,\n2224,延边州,city,22\n222401,延吉市,county,2224\n"
TREE += "222401001,延吉市第一小学,school,222401\n"


async def setup(api: httpx.AsyncClient, entries: int = 2) -> list[str]:
    login = await api.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    login.raise_for_status()
    api.headers["Authorization"] = "Bearer " + login.json()["token"]
    (
        await api.post("/api/units/import", content=TREE.encode(), headers={"content-type": "text/csv"})
    ).raise_for_status()
    today = campaign_today()
    window = {"starts": str(today - timedelta(days=1)), "ends": str(today + timedelta(days=30))}
    created = await api.post(
        "/api/campaigns", json={"preset": "yanbian-2024", "id": "bench", "upload_window": window}
    )
    created.raise_for_status()
    sids = []
    for i in range(1, entries + 1):
        form = yanbian_form(i)
        reg = await api.post(
            "/api/campaigns/bench/entries", json={"form": form, "unit_code": "222401001", "group": "小学组"}
        )
        reg.raise_for_status()
        sids.append(reg.json()["submission_id"])
    return sids


def copy_seconds(source: Path, target: Path, durable: bool) -> float:
    """shutil.copyfile, timed; ``durable``: until the copy is on disk (fsync), as a PATCH's answer is."""
    os.sync()
    started = time.perf_counter()
    shutil.copyfile(source, target)
    if durable:
        with target.open("rb") as f:
            os.fsync(f.fileno())
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(MB):
            digest.update(block)
    return digest.hexdigest()


@asynccontextmanager
async def served(tmp: Path, what: str = "") -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """``zhengji up`` on a free port with its data in ``tmp``, the admin's password set: an HTTP
    client for it once it answers /healthz, and its pid; stopped (SIGINT) on leaving."""
    port, log_path = free_port(), tmp / "zhengji-up.log"
    os.environ["ZHENGJI_ADMIN_PASSWORD"] = PASSWORD
    proc = start_server(tmp / "data", port, log_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as api:
            boot = await wait_healthy(api, proc, log_path)
            print(f"  zhengji up (pid {proc.pid}{what}) answered /healthz after {boot:.1f} s")
            yield api, proc.pid
    finally:
        stop_server(proc)


def bench_main(name: str, work: Callable[[Path], None]) -> None:
    """Run ``work`` in a fresh temporary folder, removed after; print the whole run's time."""
    tmp = Path(tempfile.mkdtemp(prefix=f"zhengji-bench-{name}-"))
    start = time.perf_counter()
    try:
        work(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"total bench time {time.perf_counter() - start:.1f} s")


def bench_parser(
    doc: str | None, mb: int = 400, mb_help: str = "upload size in MB (default 400; limit 500)"
) -> argparse.ArgumentParser:
    """A bench's command line: its docstring as the help, and ``--mb``, the size of an upload."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=mb, help=mb_help)
    return parser
