"""The statistics page and the first-run checklist, in headless Chromium against the whole system.

Statistics: two entries checked for real (one at 30 fps where the notice asks for 25), the page's
charts drawn, the headline naming the most frequent finding, a chart saved as PNG and its figures
as XLSX; a county admin sees the page without review's panel progress. First run: an empty
installation shows the checklist, and each step is ticked as the admin does it on the admin page.
Screenshots: statistics-*.png, first-run-*.png."""

import io
from pathlib import Path

import httpx
from openpyxl import load_workbook
from playwright.async_api import Page, expect
from pydantic import SecretStr

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.conftest import eventually
from tests.e2e.intake_pages_helpers import (
    ADMIN_PASSWORD,
    PASSWORD,
    UNITS_CSV,
    entrant,
    log_in_page,
    serving_with_pages,
    site,
)
from tests.integration.intake.conftest import tiny_video
from zhengji.demo import EXPERTS_CSV
from zhengji.samples import yanbian_form

__all__ = ["browser", "page", "site"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def checked_entries(site: httpx.AsyncClient, tmp_path: Path) -> None:
    """Two entries of pages-small, one at 25 fps (passes), one at 30 (fails the frame rate)."""
    sids = []
    for i, rate in enumerate((25, 30), start=1):
        teacher = await entrant(site, f"stat-{i}", f"教师{i}", "222401001")
        made = await site.post(
            "/api/campaigns/pages-small/entries",
            json={"form": yanbian_form(i), "group": "教师组"},
            headers=teacher,
        )
        assert made.status_code == 201, made.text
        sid = made.json()["submission_id"]
        data = (await tiny_video(tmp_path / f"{rate}.mp4", rate=rate, size="320x180")).read_bytes()
        put = await site.put(
            f"/api/submissions/{sid}/media", content=data, headers={**teacher, "Content-Type": "video/mp4"}
        )
        assert put.status_code == 202, put.text
        sids.append((sid, teacher))

    async def both_checked() -> bool:
        stages = [(await site.get(f"/api/submissions/{s}", headers=t)).json()["stage"] for s, t in sids]
        return stages == ["awaiting_approval", "failed_validation"]

    await eventually(both_checked, 180, "one entry passing the check, one failing it")


async def test_the_statistics_page_draws_the_charts_and_exports_png_and_xlsx(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    await checked_entries(site, tmp_path)
    base, path = settings.base_url(), "/campaigns/pages-small/statistics"
    await log_in_page(page, base, "admin", ADMIN_PASSWORD, path)
    await expect(page.locator("#page")).to_have_attribute("data-loaded", "yes")
    await expect(page.locator("#headline")).to_contain_text("本次活动最常见问题：帧率不是25帧/秒（1件）")
    for key in ("by_day", "by_stage", "by_unit", "findings"):
        assert await page.locator(f"#chart-{key}").bounding_box() is not None
        await expect(page.locator(f"#empty-{key}")).to_be_hidden()
    for key in ("review", "awards"):  # no round opened, nothing reviewed yet
        await expect(page.locator(f"#empty-{key}")).to_be_visible()
        await expect(page.locator(f"#chart-{key}")).to_be_hidden()
    await screenshot(page, "statistics-01-admin")

    async with page.expect_download() as png:
        await page.click('button.png[data-chart="findings"]')
    saved = await (await png.value).path()
    assert Path(saved).read_bytes().startswith(PNG_SIGNATURE)
    assert (await png.value).suggested_filename == "pages-small-findings.png"
    async with page.expect_download() as sheet:
        await page.click('a[data-xlsx="by_stage"]')
    rows = list(
        load_workbook(io.BytesIO(Path(await (await sheet.value).path()).read_bytes())).active.iter_rows(
            values_only=True
        )
    )
    assert sorted(rows[2:]) == sorted(
        [("检测通过，待推荐单位审核", "awaiting_approval", 1), ("技术检测未通过", "failed_validation", 1)]
    )

    # The county admin: their subtree's charts, not review's progress.
    await page.context.clear_cookies()
    await log_in_page(page, base, "yanji-admin", PASSWORD, path)
    await expect(page.locator("#page")).to_have_attribute("data-loaded", "yes")
    await expect(page.locator("#headline")).to_contain_text("（1件）")
    assert await page.locator("#chart-review").count() == 0
    await screenshot(page, "statistics-02-county")


async def test_a_new_installation_shows_the_checklist_and_ticks_each_step(
    settings: Settings, page: Page, tmp_path: Path
) -> None:
    base = settings.base_url()
    units = tmp_path / "units.csv"
    units.write_text(UNITS_CSV, encoding="utf-8")
    experts = tmp_path / "experts.csv"
    experts.write_text(EXPERTS_CSV, encoding="utf-8")
    async with serving_with_pages(settings.model_copy(update={"admin_password": SecretStr(ADMIN_PASSWORD)})):
        await page.goto(f"{base}/")
        await expect(page.locator("main")).to_contain_text("暂无征集活动")
        await expect(page.locator("#checklist li")).to_have_count(4)
        await expect(page.locator("#checklist li.done")).to_have_count(0)
        await screenshot(page, "first-run-01-home")

        await log_in_page(page, base, "admin", ADMIN_PASSWORD, "/admin")
        step = page.locator("#checklist li")
        await expect(step.nth(1)).to_contain_text("活动构建器")
        assert await step.nth(1).locator('a[href="/admin/builder"]').count() == 1
        await page.set_input_files("#units-file", str(units))
        await page.click("#import-form button[type=submit]")
        await expect(page.locator("#import-banner")).to_contain_text("导入完成")
        await page.reload()
        await expect(page.locator('#checklist li[data-step="units"]')).to_have_class("done")
        await expect(page.locator("#checklist li.done")).to_have_count(1)

        await page.fill("#ua-username", "yanji-admin")
        await page.fill("#ua-name", "延吉市教育局")
        await page.fill("#ua-unit", "222401")
        await page.fill("#ua-password", PASSWORD)
        await page.click("#unit-admin-form button[type=submit]")
        await expect(page.locator('#checklist li[data-step="unit_admins"]')).to_have_class("done")

        await page.select_option("#preset", "yanbian-2024")
        await page.click("#create-form button[type=submit]")
        await page.wait_for_url(f"{base}/campaigns/yanbian-2024")
        await page.goto(f"{base}/admin")
        await expect(page.locator("#checklist li.done")).to_have_count(3)
        await expect(page.locator("#ex-level option")).to_have_count(2)
        await page.set_input_files("#experts-file", str(experts))
        await page.click("#experts-form button[type=submit]")
        await expect(page.locator("#experts-banner")).to_contain_text("导入完成：新增4")
        await expect(page.locator("#expert-links tbody tr")).to_have_count(4)
        await page.reload()
        await expect(page.locator('#checklist li[data-step="experts"]')).to_have_class("done")
        await expect(page.locator("#checklist li.done")).to_have_count(4)
        await screenshot(page, "first-run-02-admin-done")
