"""公示 and appeals in headless Chromium: the chair allows late scoring (the window has passed) and
starts the notice from the chair page; the public page lists the results without personal data; a
logged-in entrant files an appeal there (errors in Chinese); the chair upholds it on the chair page,
the round goes back to scoring, and the rescored round's next notice shows the changed result,
refuses appeals once its period ends, and stays as a record after the final freeze."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.browser import screenshot
from tests.conftest import admin_client, eventually
from tests.integration.review.feed import (
    PANEL,
    TUMEN,
    YANJI,
    Work,
    bearer,
    feed,
    import_experts,
    score_everything,
    until_ready,
)

AUTHORS = {"NP1": "金英姬", "NP2": "朴成浩", "NP3": "李明", "NP4": "崔勇"}
WORKS = [
    Work("NP1", "杨靖宇的故事", YANJI, 1, author=AUTHORS["NP1"]),
    Work("NP2", "龙井红色遗址", YANJI, 2, author=AUTHORS["NP2"]),
    Work("NP3", "图们江畔的记忆", TUMEN, 1, author=AUTHORS["NP3"]),
    Work("NP4", "老物件里的历史", TUMEN, 2, author=AUTHORS["NP4"]),
]
MARKS = {"NP1": 95, "NP2": 90, "NP3": 85, "NP4": 60}
PHONE = "13904330001"
PASSWORD = "pw-appellant-2024"


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(settings, ["review"]) as api:  # with intake, whose accounts appeal
        yield api


async def accept(dialog: Dialog) -> None:
    await dialog.accept()


async def tab_of(browser: Browser) -> Page:
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    return await context.new_page()


async def test_notice_page_appeal_upheld_by_the_chair_and_late_scoring(
    site: httpx.AsyncClient, settings: Settings, page: Page
) -> None:
    api, base = site, settings.base_url()
    preset = load_preset("yanbian-2024")  # authors_public: false (the entrants are minors)
    level = preset.review_levels[1].model_copy(update={"public_notice_days": 5})  # 2024-11-25..12-10
    campaign = preset.model_copy(update={"id": "notice-page", "review_levels": [level]})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS, keep_windows=True)
    await until_ready(api, campaign.id, len(WORKS))
    tokens = await import_experts(api, campaign.id, "prefecture", PANEL)
    opened = await api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "prefecture"})
    assert opened.status_code == 201, opened.text
    rid = opened.json()["round_id"]
    chair = bearer(tokens["金老师"])

    # The window has passed: the chair records the late-scoring override on the chair page.
    assert page.context.browser is not None
    desk = await tab_of(page.context.browser)
    desk.on("dialog", accept)
    await desk.goto(f"{base}/review/login?token={tokens['金老师']}")
    chair_page = f"{base}/review/chair/rounds/{rid}"
    await desk.goto(chair_page)
    await expect(desk.locator("#late-scoring .warning")).to_contain_text("已结束")
    reason = "专家因暴雪未能按时评审"
    await desk.fill("#late-scoring-form input[name=reason]", reason)
    await desk.click("#late-scoring-form button[type=submit]")
    await expect(desk.locator("#late-scoring-state")).to_contain_text(reason, timeout=15_000)
    await screenshot(desk, "review-chair-late-scoring")
    audit = (await api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
    late = [a for a in audit if a["action"] == "late_scoring.allowed"]
    assert [(a["who"]["name"], a["what"]["reason"]) for a in late] == [("金老师", reason)]

    await score_everything(api, rid, tokens, MARKS)  # refused (403) without the override
    await desk.reload()
    await expect(desk.locator("#proposal-table tbody tr")).to_have_count(len(WORKS))
    await desk.click("#start-notice")
    await expect(desk.locator("#round-state")).to_have_text("公示中", timeout=15_000)

    # The public page, to anyone: results without personal data, and the way to log in to appeal.
    await desk.click("#notice-link a")
    await expect(desk.locator("h1")).to_contain_text("评审结果公示")
    notice_url = desk.url
    await page.goto(notice_url)
    rows = page.locator("#notice-entries tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("杨靖宇的故事")
    await expect(rows.nth(0)).to_contain_text("延吉市第1小学")
    await expect(rows.nth(0)).to_contain_text("优秀资源奖")
    await expect(page.locator("#period")).to_contain_text("北京时间")
    shown = await page.content()
    assert not [name for name in AUTHORS.values() if name in shown], "authors are private in Yanbian"
    assert "作者" not in await page.locator("#notice-entries thead").inner_text()
    await screenshot(page, "review-public-notice")

    # A logged-in entrant appeals: a missing contact and a second appeal are refused in Chinese.
    made = await api.post(
        "/api/users",
        json={"username": "appellant", "password": PASSWORD, "display_name": "家长", "role": "entrant",
              "unit_code": "222401001"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    await page.click("#login-to-appeal")
    await page.fill("#username", "appellant")
    await page.fill("#password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url("**/review/notice/**")  # back where the login was asked for
    await page.select_option("#appeal-entry", "NP2")
    await page.fill("#appeal-reason", "该作品与往届获奖作品内容雷同，请复核")
    await page.click("#appeal button[type=submit]")
    await expect(page.locator("#appeal-result.error")).to_contain_text("请填写联系方式")
    await page.fill("#appeal-contact", PHONE)
    await page.click("#appeal button[type=submit]")
    await expect(page.locator("#appeal-result.ok")).to_contain_text("异议已提交")
    await screenshot(page, "review-public-notice-appeal")
    await page.select_option("#appeal-entry", "NP2")
    await page.fill("#appeal-contact", PHONE)
    await page.fill("#appeal-reason", "再次提出")
    await page.click("#appeal button[type=submit]")
    await expect(page.locator("#appeal-result.error")).to_contain_text("您对该作品的异议正在处理中")
    assert PHONE not in (await api.get(f"/api/review/rounds/{rid}/notice")).text

    # The chair sees it with the contact and upholds it: the notice is withdrawn, back to scoring.
    await desk.goto(chair_page)
    appeal = desk.locator("#appeals tbody tr")
    await expect(appeal).to_have_count(1)
    await expect(appeal).to_contain_text(PHONE)
    await expect(appeal).to_contain_text("龙井红色遗址")
    await appeal.locator("input[name=note]").fill("经核查属实，重新评审")
    await screenshot(desk, "review-chair-appeals")
    await appeal.locator("button[data-upheld=true]").click()
    await expect(desk.locator("#round-state")).to_have_text("评审中", timeout=15_000)
    await expect(desk.locator("#appeals tbody tr")).to_contain_text("异议成立：经核查属实，重新评审")
    await screenshot(desk, "review-chair-appeal-upheld")
    audit = (await api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
    upheld = next(a for a in audit if a["action"] == "appeal.upheld")
    assert upheld["what"]["note"] == "经核查属实，重新评审" and PHONE not in str(audit)
    await page.goto(notice_url)
    await expect(page.locator("main")).to_contain_text("本轮评审当前没有公示")

    # Rescored, the next notice awards 图们江畔的记忆 instead; once its period ends, no appeals.
    await score_everything(api, rid, tokens, {**MARKS, "NP2": 70})
    ends = datetime.now(UTC) + timedelta(seconds=3)
    again = await api.post(f"/api/review/rounds/{rid}/notice", headers=chair, json={"ends_at": str(ends)})
    assert again.status_code == 200, again.text
    await page.goto(notice_url)
    await expect(rows).to_have_count(2)
    await expect(page.locator("#notice-entries")).to_contain_text("图们江畔的记忆")
    await expect(page.locator("#notice-entries")).not_to_contain_text("龙井红色遗址")

    async def ended() -> bool:
        await page.goto(notice_url)
        return "公示期已结束" in await page.locator("#notice-status").inner_text()

    await eventually(ended, 30, "the notice period to end")
    await expect(page.locator("#appeal")).to_have_count(0)
    body = {"submission_id": "NP3", "reason": "迟到的异议", "contact": PHONE}
    late_appeal = await api.post(f"/api/review/rounds/{rid}/appeals", json=body)
    assert late_appeal.status_code == 409 and "不在公示期内" in late_appeal.json()["detail"]["message_zh"]

    await desk.goto(chair_page)
    await desk.click("#finalise")
    await expect(desk.locator("#round-state")).to_have_text("已定稿", timeout=15_000)
    await page.goto(notice_url)
    await expect(page.locator("#notice-status")).to_contain_text("以下为公示记录")
    await expect(page.locator("#notice-entries")).to_contain_text("图们江畔的记忆")
    await screenshot(page, "review-public-notice-record")
    await desk.context.close()
