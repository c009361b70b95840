"""The micro-lesson call built in the browser (test_builder_page.py) runs on the whole system with
one entry: a 1280x720, 30 fps clip registered, checked against the spec typed into the builder
(the same picture at 25 fps fails), approved by its unit, recommended by the county panel, and
scored by the city panel through a 公示; the 60 % cap leaves no award in a pool of one
(floor(1 x 0.6) = 0)."""

from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from services.common.settings import Settings
from tests.browser import browser, page
from tests.conftest import eventually
from tests.e2e.builder_form import build_micro_lesson, put
from tests.e2e.campaign_play import CSV, approve_when_checked, clip, enter, outcomes, run_level
from tests.e2e.intake_pages_helpers import ADMIN_PASSWORD, log_in_page, login, site

__all__ = ["browser", "page", "site"]

CID = "micro-lesson-2025"
COUNTY_PANEL = """姓名,单位编码,单位名称,职称,角色
金组长,222401,延吉市教师进修学校,高级教师,组长
朴老师,222401,延吉市第一小学,高级教师,评审
崔老师,222401,延吉市第二小学,一级教师,评审
"""
CITY_PANEL = """姓名,单位编码,单位名称,职称,角色
李组长,2224,延边州电化教育馆,研究员,组长
王老师,2224,延边大学,教授,评审
张老师,2224,延边州教育学院,副教授,评审
"""


async def test_the_built_call_runs_with_one_entry_through_both_levels(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    await log_in_page(page, settings.base_url(), "admin", ADMIN_PASSWORD, "/admin/builder")
    await build_micro_lesson(page)
    await put(page, "review_levels[1].outcome.award_cap", "0.6")
    await expect(page.locator("#status")).to_contain_text("可以保存")
    await page.click("#save")
    await expect(page.locator("#builder-banner")).to_contain_text("已创建活动")

    admin = await login(site, "admin", ADMIN_PASSWORD)
    async with httpx.AsyncClient(base_url=settings.base_url(), headers=admin, timeout=60) as api:
        work = (await clip(tmp_path / "lesson.mp4", 440, size="1280x720", rate=30)).read_bytes()
        form = {"title": "分数的初步认识", "name": "李老师", "subject": "数学"}
        sid = await enter(api, CID, form, "222401001", work, group="小学")
        # The rules typed into the builder are the ones applied: the same picture at 25 fps fails.
        at_25 = (await clip(tmp_path / "at25.mp4", 440, size="1280x720", rate=25)).read_bytes()
        wrong = await enter(api, CID, {**form, "title": "帧率不对的微课"}, "222401001", at_25, group="小学")

        async def reported() -> bool:
            versions = (await api.get(f"/api/submissions/{wrong}")).json()["versions"]
            return bool(versions and versions[-1]["report"])

        await eventually(reported, 180, "the 25 fps entry checked")
        (version,) = (await api.get(f"/api/submissions/{wrong}")).json()["versions"]
        assert version["report"]["passed"] is False
        assert "video.frame_rate" in {f["rule_id"] for f in version["report"]["findings"]}
        await approve_when_checked(api, CID, [sid])
        (passed,) = (await api.get(f"/api/submissions/{sid}")).json()["versions"]
        assert passed["report"]["passed"] is True, passed["report"]

        county = await run_level(api, CID, "county", COUNTY_PANEL.encode(), CSV, {sid: 92})
        assert outcomes(county)[sid] == ("recommended", None)
        city = await run_level(api, CID, "city", CITY_PANEL.encode(), CSV, {sid: 95}, notice_s=3)
        assert outcomes(city)[sid][1] is None  # under the 60 % cap, a pool of one has no award
