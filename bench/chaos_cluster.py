"""The system as separate processes, for bench/chaos.py: Tansu and SecantusDB (``EmbeddedServers``)
and each of the five services as its own ``zhengji serve <name>`` process (distributed mode on the
embedded servers), so that any one of them can be killed with SIGKILL and started again.

What a kill is:
- ``<service>``: that service's process dies; it is started again at once (as a supervisor would);
- ``runtime``: all five service processes die together (the one-process ``zhengji up`` dying);
- ``broker``: Tansu dies and is started again empty (memory storage), as ``kept_alive`` does in
  ``zhengji up``; intake's broker watch then re-drives what was in flight;
- ``store``: SecantusDB dies and is started again on the same data dir."""

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from zhengji.embedded import TANSU_PARTITIONS, EmbeddedServers, die_with_parent
from zhengji.ports import free_port
from zhengji.runtime import SERVICES

TARGETS = ["runtime", *SERVICES, "broker", "store"]


@dataclass
class Cluster:
    root: Path
    password: str
    settings: dict[str, str] = field(default_factory=dict)  # extra ZHENGJI_* variables
    servers: EmbeddedServers = field(init=False)
    ports: dict[str, int] = field(init=False)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.servers = EmbeddedServers(self.root / "servers")
        self.ports = {name: free_port() for name in SERVICES}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def env(self, name: str) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.servers.kafka_bootstrap,
            "MONGODB_URI": self.servers.mongodb_uri,
            "ZHENGJI_DATA_DIR": str(self.root / name),
            "ZHENGJI_BLOB_DIR": str(self.root / "blobs"),
            "ZHENGJI_HTTP_PORT": str(self.ports[name]),
            "ZHENGJI_INTAKE_URL": self.url("intake"),
            "ZHENGJI_TRANSCODER_URL": self.url("transcoder"),
            "ZHENGJI_ADMIN_PASSWORD": self.password,
            "ZHENGJI_PUBLIC_BASE_URL": self.url("intake"),
            # The embedded broker forgets its topics when it is killed: this deployment makes its
            # own (intake's broker watch), as the embedded runtime does.
            "ZHENGJI_KAFKA_CREATE_TOPICS": "true",
            "ZHENGJI_KAFKA_PARTITIONS": str(TANSU_PARTITIONS),  # as many as Tansu makes by itself
            **self.settings,
        }

    def start_service(self, name: str) -> None:
        log = (self.root / "logs").joinpath(f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            [str(Path(sys.executable).with_name("zhengji")), "serve", name],
            env=self.env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
        )

    async def start(self) -> None:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        await self.servers.astart()
        for name in SERVICES:
            self.start_service(name)
        await self.wait_ready(180)

    async def kill(self, target: str) -> None:
        """SIGKILL ``target`` (one of ``TARGETS``) and start it again."""
        if target in ("broker", "store"):
            proc = self.servers.procs[0 if target == "broker" else 1]
            proc.kill()
            await asyncio.to_thread(proc.wait)
            self.servers.revive()
            return
        names = list(SERVICES) if target == "runtime" else [target]
        for name in names:
            self.procs[name].kill()
        for name in names:
            await asyncio.to_thread(self.procs[name].wait)
            self.start_service(name)

    async def ready(self) -> bool:
        """Every service answers /readyz 200 (its loops, the broker and the store work). A service
        whose process ended (a restart that could not bind its port: another process's outgoing
        connection had taken it as a local port, which separate pods never share) is started
        again, as a supervisor (Kubernetes, systemd) would."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                self.start_service(name)
        async with httpx.AsyncClient(timeout=3) as client:
            for name in SERVICES:
                try:
                    if (await client.get(self.url(name) + "/readyz")).status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
        return True

    async def wait_ready(self, timeout_s: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await self.ready():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"services not ready; logs in {self.root / 'logs'}")
            await asyncio.sleep(0.5)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.servers.stop()
