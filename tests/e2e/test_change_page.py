"""The campaign admin's page of live changes, in headless Chromium against the whole system:
a county's upload extension made with a reason and read back in the audit list; a change that
changes nothing refused in Chinese; a unit admin kept out. Screenshots: intake-changes-*.png."""

from datetime import timedelta

import httpx
from playwright.async_api import Page, expect

from contracts.calendar import campaign_today
from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.e2e.intake_pages_helpers import ADMIN_PASSWORD, PASSWORD, log_in_page, login, site

__all__ = ["browser", "page", "site"]


async def test_an_admin_extends_a_countys_deadline_and_reads_the_audit(
    site: httpx.AsyncClient, page: Page, settings: Settings
) -> None:
    base, path = settings.base_url(), "/campaigns/yanbian-2024/changes"
    ends = str(campaign_today() + timedelta(days=40))
    await log_in_page(page, base, "admin", ADMIN_PASSWORD, path)
    await expect(page.locator("#changes")).to_contain_text("尚无修改")

    # Nothing filled but the reason: refused, and the page says why in Chinese.
    await page.fill("#reason", "试一下")
    await page.click("#change-form button[type=submit]")
    await expect(page.locator("#change-banner")).to_contain_text("没有任何改动")

    await page.fill("#ext-unit", "222402")
    await page.fill("#ext-ends", ends)
    await page.fill("#reason", "图们市网络故障，延期")
    await screenshot(page, "intake-changes-01-form")
    await page.click("#change-form button[type=submit]")
    await expect(page.locator("#change-banner")).to_contain_text("当前为第 2 版")
    await expect(page.locator('#current tr[data-unit="222402"]')).to_contain_text("图们市网络故障，延期")
    row = page.locator('#changes tr[data-revision="2"]')
    await expect(row).to_contain_text("图们市网络故障，延期")
    await expect(row).to_contain_text(f"unit_extensions.222402：— → {ends}")
    await expect(row).to_contain_text("活动管理员")
    await screenshot(page, "intake-changes-02-audit")

    admin = await login(site, "admin", ADMIN_PASSWORD)
    current = (await site.get("/api/campaigns/yanbian-2024", headers=admin)).json()
    assert current["live"] == {
        "revision": 2,
        "unit_extensions": [{"unit": "222402", "ends": ends, "reason": "图们市网络故障，延期"}],
    }
    # A county admin sees neither the page nor the audit.
    county = await login(site, "yanji-admin", PASSWORD)
    assert (await site.get("/api/campaigns/yanbian-2024/changes", headers=county)).status_code == 403
    await page.context.clear_cookies()
    await log_in_page(page, base, "yanji-admin", PASSWORD, "/")
    refused = await page.goto(f"{base}{path}")
    assert refused is not None and refused.status == 403
