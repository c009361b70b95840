"""Fixtures shared by integration and e2e tests: the real broker, store and ffmpeg."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.common.settings import Settings
from zhengji.embedded import EmbeddedServers, free_port
from zhengji.runtime import SERVICES
from zhengji.server import embedded_settings, running


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[EmbeddedServers]:
    """A fresh Tansu and SecantusDB per test: no test sees another's topics or data."""
    embedded = EmbeddedServers(tmp_path / "data")
    await embedded.astart()
    yield embedded
    await embedded.astop()


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
    )


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """All five services on the embedded broker and store, and an HTTP client for them."""
    async with (
        running(settings, list(SERVICES)),
        httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as api,
    ):
        yield api


async def eventually(probe: Callable[[], Awaitable[Any]], timeout_s: float = 60, what: str = "") -> Any:
    """Wait for a condition with a deadline (never a bare sleep as synchronisation)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or probe}")
        await asyncio.sleep(0.1)


def demo_form(i: int = 1, **overrides: Any) -> dict[str, Any]:
    form = {
        "name": f"教师{i}",
        "gender": "女",
        "occupation": "教师",
        "phone": f"1390433{i:04d}",
        "school": "延吉市第一小学",
        "title": f"红色故事{i}",
        "category": "英雄故事",
        "summary": "红色资源微视频",
        "recommender": "延吉市第一小学",
    }
    return {**form, **overrides}


UNIT = {"code": "222401001", "name": "延吉市第一小学", "path": ["22", "2224", "222401", "222401001"]}
