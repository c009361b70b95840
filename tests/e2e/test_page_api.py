"""The pages' one API helper (services/common/static/api.js) in headless Chromium, through the
admin page: the server's own message Chinese first, a file sent as it is with its problems by row,
a session that ends while the page is open leading to the login page and back, and logging out."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.conftest import ADMIN_PASSWORD, admin_client

__all__ = ["browser", "page"]
BROKEN_TREE = """code,name,level,parent
22,吉林省,province,
2299,,city,22
"""
MORE_UNITS = """code,name,level,parent
222401003,延吉市第三小学,school,222401
"""


@pytest.fixture
async def intake(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(settings, ["intake"]) as api:
        yield api


async def log_in(page: Page, password: str) -> None:
    await page.fill("#username", "admin")
    await page.fill("#password", password)
    await page.click("#login-form button[type=submit]")


async def test_errors_files_and_an_ended_session_through_the_admin_page(
    intake: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    base = settings.base_url()
    # A wrong password is the server's answer in words, Chinese first; the page stays put.
    await page.goto(f"{base}/login?next=/admin")
    await log_in(page, "not-the-password")
    banner = page.locator("#banner")
    await expect(banner).to_have_text("用户名或密码错误 wrong user name or password")
    assert page.url == f"{base}/login?next=/admin"
    await screenshot(page, "page-api-01-wrong-password")
    await log_in(page, ADMIN_PASSWORD)
    await page.wait_for_url(f"{base}/admin")

    # A file goes as it is: its problems come back by row, and a good one is imported.
    imported = page.locator("#import-banner")
    (tmp_path / "broken.csv").write_text(BROKEN_TREE, encoding="utf-8")
    await page.set_input_files("#units-file", tmp_path / "broken.csv")
    await page.click("#import-form button[type=submit]")
    await expect(imported).to_contain_text("未导入任何单位")
    await expect(imported).to_contain_text("第3行")
    await expect(imported).to_have_class("banner error")
    await screenshot(page, "page-api-02-import-problems")
    (tmp_path / "more.csv").write_text(MORE_UNITS, encoding="utf-8")
    await page.set_input_files("#units-file", tmp_path / "more.csv")
    await page.click("#import-form button[type=submit]")
    await expect(imported).to_contain_text("导入完成：新增1")
    assert (await intake.get("/api/units/222401003")).status_code == 200

    # The session ends while the page is open: the next action leads to the login page, and
    # logging in comes back to the page.
    await page.context.clear_cookies()
    await page.click("#create-form button[type=submit]")
    await page.wait_for_url(f"{base}/login?next=%2Fadmin")
    await log_in(page, ADMIN_PASSWORD)
    await page.wait_for_url(f"{base}/admin")

    # 退出 in the header ends the session through the API and goes home.
    await page.click("#logout")
    await page.wait_for_url(f"{base}/")
    await expect(page.locator("header .who")).to_contain_text("登录")
