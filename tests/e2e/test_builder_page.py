"""The campaign builder in headless Chromium against the whole system: a campaign admin builds,
from scratch, a notice that is no preset (a 2025 micro-lesson call: 1280x720, 30 fps, at most 5
minutes, two levels, 1:2:3 awards under a 60 % cap), sees the model's Chinese message beside a bad
value as she types, and saves; the campaign then exists. Screenshots: intake-builder-*.png."""

import re
from datetime import date, timedelta

import httpx
from playwright.async_api import Page, expect

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.conftest import OPEN_WINDOW
from tests.e2e.builder_form import build_micro_lesson, field, put
from tests.e2e.intake_pages_helpers import ADMIN_PASSWORD, log_in_page, login, open_window, site

__all__ = ["browser", "page", "site"]


async def test_an_admin_builds_a_micro_lesson_call_from_scratch(
    site: httpx.AsyncClient, page: Page, settings: Settings
) -> None:
    await log_in_page(page, settings.base_url(), "admin", ADMIN_PASSWORD, "/admin")
    await page.click("#builder-link")
    await expect(page.locator("h1")).to_contain_text("新建征集活动")
    await build_micro_lesson(page)

    # "60 %" typed as 60: the model's bound, in Chinese, beside the field, as she types.
    cap = field(page, "review_levels[1].outcome.award_cap")
    await put(page, "review_levels[1].outcome.award_cap", "60")
    await expect(page.locator(f"{cap} .error")).to_have_text("数值过大（须≤1）")
    await expect(page.locator(cap)).to_have_class("field invalid")
    listed = page.locator('#problems li[data-path="review_levels[1].outcome.award_cap"]')
    await expect(listed).to_contain_text("less than or equal to 1")
    await screenshot(page, "intake-builder-01-inline-error")
    await page.click("#save")
    await expect(page.locator("#builder-banner")).to_contain_text("请先改正标红的问题")

    await put(page, "review_levels[1].outcome.award_cap", "0.6")
    await expect(page.locator(f"{cap} .error")).to_have_text("")
    await expect(page.locator("#status")).to_contain_text("可以保存")
    await expect(page.locator("#preview")).to_contain_text("1280×720 · 30帧/秒 · 不超过300秒 · MP4")
    await expect(page.locator("#preview select").nth(1)).to_contain_text("数学")
    await expect(page.locator("#yaml")).to_have_value(re.compile(r"award_cap: 0\.6"))  # the pane follows
    await screenshot(page, "intake-builder-02-ready")
    await page.click("#save")
    await expect(page.locator("#builder-banner")).to_contain_text("已创建活动“2025年中小学微课征集活动”")

    admin = await login(site, "admin", ADMIN_PASSWORD)
    made = (await site.get("/api/campaigns/micro-lesson-2025", headers=admin)).json()
    (work,) = made["materials"]
    assert (work["key"], work["primary"], work["video"]["containers"]) == ("lesson", True, ["mp4"])
    video = work["video"]
    assert (video["width"], video["height"], video["frame_rate"], video["duration"]["max_s"]) == (
        1280,
        720,
        30,
        300,
    )
    county, city = made["review_levels"]
    assert (county["unit_level"], county["outcome"]["recommend_top"]) == ("county", 3)
    assert city["outcome"]["award_cap"] == 0.6 and city["public_notice_days"] == 5
    assert [(t["name"], t["ratio"]) for t in city["outcome"]["tiers"]] == [
        ("一等奖", 1),
        ("二等奖", 2),
        ("三等奖", 3),
    ]
    assert [(f["key"], f["personal"]) for f in made["form"]] == [
        ("title", False),
        ("name", True),
        ("subject", False),
    ]
    assert made["naming_rule"] == "{title}—{name}" and made["upload_window"] == OPEN_WINDOW


async def test_a_running_campaigns_edit_shows_its_diff_and_saves_only_as_a_live_change(
    site: httpx.AsyncClient, page: Page, settings: Settings
) -> None:
    later = str(date.fromisoformat(open_window()["ends"]) + timedelta(days=7))
    await log_in_page(page, settings.base_url(), "admin", ADMIN_PASSWORD, "/campaigns/yanbian-2024/builder")
    await expect(page.locator("h1")).to_contain_text("修改活动定义")
    await expect(page.locator(f"{field(page, 'materials[0].video.frame_rate')} input")).to_have_value("25")

    # The frame rate of a campaign that has opened is fixed: the diff marks it, nothing is saved.
    await put(page, "materials[0].video.frame_rate", "30")
    await put(page, "upload_window.ends", later)
    await expect(page.locator("#status")).to_contain_text("可以保存")
    await page.click("#save")
    refused = page.locator('#diff tr[data-path="materials[0].video.frame_rate"]')
    await expect(refused).to_contain_text("此项不能再改")
    await expect(page.locator("#builder-banner")).to_contain_text("标出的改动不允许，未保存")
    await expect(page.locator("#confirm")).to_be_hidden()
    await screenshot(page, "intake-builder-03-refused-diff")

    # Only the deadline: a live change, with the reason, in the campaign's audit.
    await put(page, "materials[0].video.frame_rate", "25")
    await expect(page.locator("#status")).to_contain_text("可以保存")
    await page.click("#save")
    await expect(page.locator('#diff tr[data-path="upload_window.ends"]')).to_contain_text(later)
    await expect(page.locator("#diff tbody tr")).to_have_count(1)
    await page.fill("#reason", "通知更正：截止日期延后一周")
    await screenshot(page, "intake-builder-04-live-diff")
    await page.click("#confirm")
    await expect(page.locator("#builder-banner")).to_contain_text("当前为第 2 版")

    admin = await login(site, "admin", ADMIN_PASSWORD)
    now = (await site.get("/api/campaigns/yanbian-2024", headers=admin)).json()
    assert now["upload_window"]["ends"] == later and now["live"]["revision"] == 2
    assert now["materials"][0]["video"]["frame_rate"] == 25
    (change,) = (await site.get("/api/campaigns/yanbian-2024/changes", headers=admin)).json()
    assert change["reason"] == "通知更正：截止日期延后一周"


async def test_a_preset_loads_into_the_form_and_a_yaml_edit_is_checked_in_the_form(
    site: httpx.AsyncClient, page: Page, settings: Settings
) -> None:
    start = "/admin/builder?preset=yanbian-2024"
    await log_in_page(page, settings.base_url(), "admin", ADMIN_PASSWORD, start)
    await expect(page.locator(f"{field(page, 'id')} input")).to_have_value("yanbian-2024")
    await expect(page.locator("#yaml")).to_have_value(re.compile(r"^id: yanbian-2024\ntitle: "))
    text = await page.input_value("#yaml")
    await page.fill("#yaml", text.replace("frame_rate: 25", "frame_rate: fast", 1))
    rate = field(page, "materials[0].video.frame_rate")
    await expect(page.locator(f"{rate} .error")).to_have_text("类型不对")
    await expect(page.locator(f"{rate} input")).to_have_value("fast")
    await screenshot(page, "intake-builder-05-yaml-edit")
