"""Fixtures shared by integration and e2e tests: the real broker, store and ffmpeg.

The ``system`` client is logged in as the campaign admin (``admin``, ``ADMIN_PASSWORD``), and the
organisation tree ``TREE_CSV`` (which holds ``UNIT``) is imported, so a test can create a campaign
and register entries at once. Presets keep their notices' dates: give ``OPEN_WINDOW`` (or use
``create_campaign``) when a test uploads."""

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.calendar import campaign_today
from services.common.settings import Settings
from tests import hang_report
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.runtime import SERVICES
from zhengji.server import embedded_settings, running
from zhengji.standin import STANDINS_ALLOW
from zhengji.store_liveness import store_watched

_stopping: list[EmbeddedServers] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """A test about to be ended by pytest-timeout first prints what its tasks await."""
    watch = hang_report.Watch(float(item.config.getini("timeout") or 0))
    try:
        return (yield)
    finally:
        watch.stop()


@pytest.fixture(scope="session", autouse=True)
def _reap_servers() -> Iterator[None]:
    yield
    for embedded in _stopping:
        embedded.stop()


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[EmbeddedServers]:
    """A fresh Tansu and SecantusDB per test: no test sees another's topics or data.

    They are told to stop at the end of the test and reaped at the end of the session:
    SecantusDB takes about 2 s to close its accept thread, and no later test uses them."""
    embedded = EmbeddedServers(tmp_path / "data")
    await embedded.astart()
    async with store_watched(embedded):  # a store that wedges is restarted, as in embedded mode
        yield embedded
    for proc in embedded.procs:
        proc.terminate()
    _stopping.append(embedded)


@pytest.fixture
def settings(servers: EmbeddedServers, tmp_path: Path) -> Settings:
    return embedded_settings(
        tmp_path / "data",
        servers,
        "127.0.0.1",
        free_port(),
        retry_backoff_s=0.05,
        outbox_poll_s=0.2,
        job_lease_s=3.0,
        kafka_session_timeout_ms=3000,
        outbound_allow=STANDINS_ALLOW,  # the stand-in platforms listen on loopback
    )


ADMIN_PASSWORD = "zhengji-test-admin"
TREE_CSV = """code,name,level,parent
22,吉林省,province,
2224,延边朝鲜族自治州,city,22
222401,延吉市,county,2224
222401001,延吉市第一小学,school,222401
222401002,延吉市第二小学,school,222401
222402,图们市,county,2224
222402001,图们市实验小学,school,222402
"""
_TODAY = campaign_today()
OPEN_WINDOW = {"starts": str(_TODAY - timedelta(days=1)), "ends": str(_TODAY + timedelta(days=30))}


@pytest.fixture(autouse=True)
def _admin_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first admin's password, which intake reads at start."""
    monkeypatch.setenv("ZHENGJI_ADMIN_PASSWORD", ADMIN_PASSWORD)


@contextlib.asynccontextmanager
async def admin_client(settings: Settings, names: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    """``names`` served (with intake, which holds the accounts every service asks about) and a
    campaign admin's HTTP client for them; the organisation tree ``TREE_CSV`` is imported."""
    served = names if "intake" in names else ["intake", *names]
    async with (
        running(settings, served),
        httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as api,
    ):
        await admin_login(api)
        await import_tree(api)
        yield api


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """All five services on the embedded broker and store, and an admin's HTTP client for them."""
    async with admin_client(settings, list(SERVICES)) as api:
        yield api


async def login(api: httpx.AsyncClient, username: str, password: str) -> str:
    """Log in and return the bearer token."""
    r = await api.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def admin_login(api: httpx.AsyncClient) -> None:
    """Make ``api`` the campaign admin's client."""
    api.headers["Authorization"] = "Bearer " + await login(api, "admin", ADMIN_PASSWORD)
    api.cookies.clear()  # the bearer token is what this client speaks with


async def import_tree(api: httpx.AsyncClient, csv_text: str = TREE_CSV) -> None:
    r = await api.post("/api/units/import", content=csv_text.encode(), headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text


async def create_campaign(api: httpx.AsyncClient, preset: str = "yanbian-2024", **extra: Any) -> str:
    """A campaign from a preset whose upload window is open today."""
    r = await api.post("/api/campaigns", json={"preset": preset, "upload_window": OPEN_WINDOW, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@contextlib.asynccontextmanager
async def client_as(
    admin: httpx.AsyncClient, username: str, role: str, unit_code: str = "222401001"
) -> AsyncIterator[httpx.AsyncClient]:
    """A new user made by the admin, and an HTTP client logged in as that user."""
    password = f"pw-{username}-2024"
    made = await admin.post(
        "/api/users",
        json={
            "username": username,
            "password": password,
            "display_name": username,
            "role": role,
            "unit_code": unit_code,
        },
    )
    assert made.status_code == 201, made.text
    async with httpx.AsyncClient(base_url=str(admin.base_url), timeout=30) as api:
        api.headers["Authorization"] = "Bearer " + await login(api, username, password)
        api.cookies.clear()
        yield api


PROBE_AT_LEAST_S = 10.0


async def eventually(probe: Callable[[], Awaitable[Any]], timeout_s: float = 60, what: str = "") -> Any:
    """Wait for a condition with a deadline (never a bare sleep as synchronisation)."""
    deadline = time.monotonic() + timeout_s
    while True:
        # A probe that never answers (a store or service hung) fails here, with what was awaited,
        # not at pytest's timeout with the event loop idle in select.
        left_s = max(deadline - time.monotonic(), PROBE_AT_LEAST_S)
        asked = asyncio.ensure_future(probe())
        if not (await asyncio.wait({asked}, timeout=left_s))[0]:
            hang_report.report()  # while the probe still awaits what it is stuck on
            asked.cancel()
            raise AssertionError(f"waiting for {what or probe}: a probe did not answer in {left_s:.0f} s")
        value = asked.result()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        await asyncio.sleep(0.1)


UNIT = {"code": "222401001", "name": "延吉市第一小学", "path": ["22", "2224", "222401", "222401001"]}


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test starts, killed at its end if still running."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
