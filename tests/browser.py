"""Headless Chromium (Debian's package) driven by Playwright, for the page tests.

Import the fixtures in a test module or conftest: ``from tests.browser import browser, page``.
Screenshots go to ``.zhengji/screenshots/`` so a developer can look at the pages."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium tries to reach Google's hosts on a closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(".zhengji/screenshots")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A tab whose scripts must not throw nor be refused by the CSP: either fails the test."""
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    tab = await context.new_page()
    thrown: list[str] = []
    tab.on("pageerror", lambda error: thrown.append(f"{tab.url}: {error}"))
    # A script, style or fetch the Content-Security-Policy refuses is only a console error.
    tab.on(
        "console",
        lambda message: (
            thrown.append(f"{tab.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield tab
    await context.close()
    assert not thrown, f"the page's scripts threw: {thrown}"


async def screenshot(tab: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await tab.screenshot(path=str(path), full_page=True)
    return path
