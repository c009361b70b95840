"""The publisher on the real broker and store; platforms are local stand-ins.

Backoff, cool-down and polling are shortened through the publisher's own
settings (``ZHENGJI_PUBLISHER_*``), so failures play out in seconds."""

from collections.abc import AsyncIterator

import httpx
import pytest

from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from tests.conftest import admin_client

FAST = {
    "ZHENGJI_PUBLISHER_BACKOFF_BASE_S": "0.05",
    "ZHENGJI_PUBLISHER_BACKOFF_CAP_S": "0.3",
    "ZHENGJI_PUBLISHER_CIRCUIT_FAILURES": "3",
    "ZHENGJI_PUBLISHER_CIRCUIT_COOLDOWN_S": "1.5",
    "ZHENGJI_PUBLISHER_POLL_INTERVAL_S": "0.2",
    "ZHENGJI_PUBLISHER_WORKER_POLL_S": "0.1",
    "ZHENGJI_PUBLISHER_WEBHOOK_MAX_ATTEMPTS": "4",
    "ZHENGJI_PUBLISHER_WEBHOOK_TIMEOUT_S": "2",
}
# The secrets the tests' campaigns name, as an operator would allow them (values set per test).
ALLOWED_SECRETS = ",".join(
    [
        "TEST_PLATFORM_TOKEN",
        "TEST_PLATFORM_SECRET",
        "TEST_UNSET_TOKEN",
        "TEST_WEBHOOK_SECRET",
        "TEST_PRIVACY_SECRET",
    ]
)


@pytest.fixture(autouse=True)
def fast_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ZHENGJI_PUBLISHER_SECRETS", ALLOWED_SECRETS)


@pytest.fixture
async def api(settings: Settings, fast_policy: None) -> AsyncIterator[httpx.AsyncClient]:
    """The publisher alone: campaigns and reviews arrive as events, as they would from intake and review."""
    async with admin_client(settings, ["publisher"]) as client:
        yield client


@pytest.fixture
def blobs(settings: Settings) -> FileBlobStore:
    return FileBlobStore(settings.blobs_path())
