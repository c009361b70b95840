"""zhengji in distributed mode, each service a ``zhengji serve <service>`` process on its own host.

The infra host runs what a province runs beside zhengji: the broker (Tansu), the store
(SecantusDB) and the object store (moto's S3 server), each listening on the infra address. Every
service gets only environment variables (the ones docs/operations.md "Running on many machines"
lists) and a data dir of its own, used for scratch: blobs go to the bucket. ``Ingress`` routes the
API by path to the service that serves it, as the cluster's ingress would, so a test speaks to
"the site" with one client."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import ADMIN_PASSWORD, eventually
from tests.integration.blobs.conftest import CREDENTIALS, new_bucket
from tests.integration.multihost.hosts import Host
from tests.integration.s3_server import s3_server
from zhengji.embedded import EmbeddedServers, die_with_parent
from zhengji.ports import free_port

ZHENGJI = str(Path(sys.executable).with_name("zhengji"))


@dataclass
class Infra:
    """The broker, the store and the object store (a fresh bucket), all on one host."""

    servers: EmbeddedServers
    s3_endpoint: str
    bucket: str = ""

    def __post_init__(self) -> None:
        self.bucket = self.bucket or new_bucket(self.s3_endpoint)

    def env(self) -> dict[str, str]:
        """What every service needs to reach the shared infrastructure (and nothing else)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.servers.kafka_bootstrap,
            "MONGODB_URI": self.servers.mongodb_uri,
            "ZHENGJI_BLOB_URL": f"s3://{self.bucket}/zhengji",
            "AWS_ENDPOINT_URL": self.s3_endpoint,
            **CREDENTIALS,
            "ZHENGJI_BLOB_S3_VIRTUAL_HOSTED": "false",  # moto, like MinIO, answers path-style
        }


@dataclass
class Served:
    """One ``zhengji serve <service>`` process on its host."""

    service: str
    host: Host
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    async def ready(self, timeout_s: float = 90) -> None:
        async with httpx.AsyncClient(timeout=5) as client:

            async def answers() -> bool:
                if self.proc.poll() is not None:
                    raise AssertionError(f"{self.service} on {self.host.name} exited:\n{self.tail()}")
                try:
                    return (await client.get(f"{self.url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(answers, timeout_s, f"{self.service} on {self.host.name} ready")

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout_s: float = 30) -> int:
        """Send ``sig`` and wait for the process to end (SIGKILL after ``timeout_s``); its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return await asyncio.to_thread(self.proc.wait, timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return await asyncio.to_thread(self.proc.wait)


@dataclass
class Cluster:
    infra: Infra
    root: Path  # each host's data dir and log go under root/<host name>/
    settings: dict[str, str] = field(default_factory=dict)  # for every service: shorter timings
    served: list[Served] = field(default_factory=list)

    def start(self, service: str, host: Host, port: int = 0, **extra: str) -> Served:
        """``zhengji serve <service>`` on ``host``, with its own data dir; not waited for."""
        home = self.root / host.name
        home.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        url = f"http://{host.address}:{port}"
        env = {
            **os.environ,
            **self.infra.env(),
            "ZHENGJI_DATA_DIR": str(home / "data"),
            "ZHENGJI_HTTP_HOST": host.address,
            "ZHENGJI_HTTP_PORT": str(port),
            "ZHENGJI_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "ZHENGJI_PUBLIC_BASE_URL": url,  # a test that has one public origin says so in extra
            **self.settings,
            **extra,
        }
        same = sum(1 for s in self.served if s.service == service and s.host == host)
        log_path = home / (f"{service}-{same + 1}.log" if same else f"{service}.log")
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                host.argv([ZHENGJI, "serve", service]),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent,  # ip netns exec execs the service: it is this pid
            )
        served = Served(service, host, url, proc, log_path)
        self.served.append(served)
        return served

    async def stop_all(self) -> None:
        await asyncio.gather(*(s.stop(timeout_s=15) for s in self.served))

    def logs(self) -> str:
        return "\n".join(f"--- {s.service} on {s.host.name}:\n{s.tail()}" for s in self.served)


# Shorter timings than production, so a takeover or a consumer group's join takes seconds.
QUICK = {
    "ZHENGJI_JOB_LEASE_S": "3",
    "ZHENGJI_KAFKA_SESSION_TIMEOUT_MS": "3000",
    "ZHENGJI_RETRY_BACKOFF_S": "0.05",
    "ZHENGJI_OUTBOX_POLL_S": "0.2",
}


@asynccontextmanager
async def cluster_on(host: Host, root: Path) -> AsyncIterator[Cluster]:
    """The infrastructure on ``host`` and no service yet; every service started is stopped on exit."""
    servers = EmbeddedServers(root / "infra", host=host.address)
    await servers.astart()
    try:
        with s3_server(host.address, root / "infra" / "s3.log") as endpoint:
            infra = Infra(servers, endpoint)
            # As an operator does before the services start: the services make no topics.
            topics = await asyncio.create_subprocess_exec(
                ZHENGJI, "admin", "topics", "apply",
                env={**os.environ, **infra.env()},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            said, _ = await asyncio.wait_for(topics.communicate(), 60)
            assert topics.returncode == 0, said.decode(errors="replace")
            cluster = Cluster(infra, root, settings=dict(QUICK))
            try:
                yield cluster
            finally:
                await cluster.stop_all()
    finally:
        await servers.astop()


def children(pid: int, command: str) -> list[int]:
    """The processes ``pid`` started whose program is ``command`` (a service's ffmpeg runs)."""
    found = []
    for child in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{child}/stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if name == command and int(rest.split()[1]) == pid:
            found.append(int(child))
    return found


def alive(pid: int) -> bool:
    """Running (or stopped), not gone or a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Ingress(httpx.AsyncBaseTransport):
    """Sends each request to the service that serves its path, as the cluster's ingress does."""

    def __init__(self, default: str, routes: dict[str, str]) -> None:
        self.default, self.routes = default, routes
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        base = httpx.URL(next((u for p, u in self.routes.items() if path.startswith(p)), self.default))
        request.url = request.url.copy_with(host=base.host, port=base.port)
        request.headers["host"] = base.netloc.decode()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
