"""The review service alone on the embedded broker and store, fed events by ``feed.py``."""

from collections.abc import AsyncIterator

import httpx
import pytest

from services.common.settings import Settings
from tests.browser import browser, page  # noqa: F401  (Chromium fixtures for the page tests)
from tests.conftest import admin_client


@pytest.fixture
async def review_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(settings, ["review"]) as api:
        yield api
