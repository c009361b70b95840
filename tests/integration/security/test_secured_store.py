"""A secured MongoDB (TLS and SCRAM credentials, as managed MongoDB offers): a service
connects through the settings operators already use (credentials and TLS in MONGODB_URI) and
works; a client without credentials or without the CA is refused. The store is SecantusDB with
its TLS and --auth switches; the certificate is made here with openssl."""

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from services.common.settings import Settings
from tests.conftest import admin_login, create_campaign, eventually, import_tree
from tests.self_signed import certificate
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.server import running

USER, PASSWORD = "zhengji", "s3cret-pass"


async def store(folder: Path, port: int, *extra: str) -> asyncio.subprocess.Process:
    """The server, its log in ``folder`` (named in the test's failure if it never answers)."""
    argv = [str(Path(sys.executable).with_name("secantusd-py")), "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--storage-path", str(folder / "db"), "--log-level", "WARNING", *extra]
    with (folder / f"store-{port}.log").open("ab") as log:
        return await asyncio.create_subprocess_exec(*argv, stdout=log, stderr=log)


async def answers(uri: str) -> bool:
    # A TLS handshake and SCRAM on a loaded CI machine can take seconds: a shorter wait would give
    # up on every try while the server is merely slow.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        await client.admin.command("ping")
        await client["probe"].list_collection_names()
        return True
    except PyMongoError:
        return False
    finally:
        await client.close()


@dataclass(frozen=True)
class Secured:
    uri: str  # credentials, TLS and the CA file, as an operator writes MONGODB_URI
    port: int
    ca: Path


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    """A SecantusDB with a user, TLS and authentication on; its URI with credentials and CA."""
    cert, key = certificate(tmp_path)
    port = free_port()
    plain = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    first = await store(tmp_path, port)
    try:
        await eventually(lambda: answers(plain), 30, "SecantusDB without auth")
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(plain)
        await client.admin.command("createUser", USER, pwd=PASSWORD, roles=["root"])
        await client.admin.command("fsync")  # the user is on disk before the server stops
        await client.close()
    finally:
        first.terminate()
        await first.wait()
    tls = ["--auth", "--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    port = free_port()  # not the first one's: freed, it may have been taken meanwhile
    server = await store(tmp_path, port, *tls)
    uri = (
        f"mongodb://{USER}:{PASSWORD}@127.0.0.1:{port}/?directConnection=true&authSource=admin"
        f"&tls=true&tlsCAFile={cert}"
    )
    try:
        try:
            await eventually(lambda: answers(uri), 60, "SecantusDB with TLS and auth")
        except AssertionError as exc:
            said = (tmp_path / f"store-{port}.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"{exc} (exit code {server.returncode}); its log:\n{said}") from exc
        yield Secured(uri, port, cert)
    finally:
        server.terminate()
        await server.wait()


async def test_a_service_runs_on_a_store_with_tls_and_credentials(
    secured: Secured, servers: EmbeddedServers, settings: Settings
) -> None:
    anonymous = f"mongodb://127.0.0.1:{secured.port}/?directConnection=true&tls=true&tlsCAFile={secured.ca}"
    assert not await answers(anonymous)
    assert not await answers(secured.uri.split("&tlsCAFile=")[0])  # TLS, but the CA is not trusted
    on_secured = settings.model_copy(update={"mongodb_uri": secured.uri})
    async with (
        running(on_secured, ["intake"]),
        httpx.AsyncClient(base_url=on_secured.base_url(), timeout=30) as api,
    ):
        await admin_login(api)
        await import_tree(api)
        campaign_id = await create_campaign(api)
        assert (await api.get(f"/api/campaigns/{campaign_id}")).status_code == 200
