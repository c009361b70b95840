"""The 报名汇总表 downloaded from the unit page in headless Chromium (decision 0034): 延吉市's
admin clicks the link and gets 延吉市's entries only, in the notice's columns.

Screenshot: .zhengji/screenshots/lists-01-unit-page.png."""

from pathlib import Path

import httpx
from openpyxl import load_workbook
from playwright.async_api import Page

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.e2e.intake_pages_helpers import PASSWORD, entrant, log_in_page, site
from zhengji.samples import yanbian_form

__all__ = ["browser", "page", "site"]


async def test_a_county_admin_downloads_its_entry_list_from_the_unit_page(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    for i, (user, school, title) in enumerate(
        [("l-a", "222401001", "延吉的红色足迹"), ("l-b", "222402001", "图们江畔的记忆")], start=1
    ):
        teacher = await entrant(site, user, f"教师{i}", school)
        body = {"form": yanbian_form(i, title=title), "group": "教师组"}
        made = await site.post("/api/campaigns/pages-small/entries", json=body, headers=teacher)
        assert made.status_code == 201, made.text

    base = settings.base_url()
    await log_in_page(page, base, "yanji-admin", PASSWORD, "/campaigns/pages-small/unit")
    link = page.locator('#lists a[href$="/lists/entries.xlsx"]')
    await screenshot(page, "lists-01-unit-page")
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert saved.name.endswith("报名汇总表.xlsx") and "延吉市" in saved.name

    sheet = load_workbook(saved).active
    assert sheet is not None
    header = [c.value for c in sheet[2]]
    notice = ["序号", "姓名", "性别", "职业", "联系电话", "学校", "作品名称", "作品类别", "作品简要说明"]
    assert header[:10] == [*notice, "推荐单位"]  # Yanbian's 报名表, field by field
    titles = [line[header.index("作品名称")] for line in sheet.iter_rows(min_row=3, values_only=True)]
    assert titles == ["延吉的红色足迹"]
