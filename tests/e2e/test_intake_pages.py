"""The intake pages in headless Chromium against the whole system: entrant, unit admin, dashboard.

Screenshots of every step go to .zhengji/screenshots/intake-*.png."""

import asyncio
import hashlib
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, Route, expect

from services.common.settings import Settings
from services.intake.presets import list_presets, load_preset
from tests.browser import browser, page, screenshot
from tests.conftest import eventually
from tests.e2e.intake_pages_helpers import (
    ADMIN_PASSWORD,
    CHUNK_BYTES,
    PASSWORD,
    entrant,
    entry_page,
    log_in_page,
    login,
    site,
    tiny_clip,
)
from zhengji.samples import yanbian_form

__all__ = ["browser", "page", "site"]
PIPELINE_MS = 120_000  # validation and transcoding on two shared cores
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


async def test_an_entrant_registers_fills_the_form_uploads_and_reads_the_findings(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    base = settings.base_url()
    clip = await tiny_clip(tmp_path / "我的作品.mp4")

    # The campaign's page says what to send; entering asks for a login first.
    await page.goto(f"{base}/")
    await screenshot(page, "intake-00-home")
    await page.click("text=2024年度“深挖红色资源 传承红色文化”微资源征集活动")
    await expect(page.locator("main")).to_contain_text("1920×1080")
    await screenshot(page, "intake-00-campaign")
    await page.click("text=登录后报名")
    await page.click("text=没有账号？注册")

    # Register, choosing the school level by level.
    await page.wait_for_url(f"{base}/signup?next=**")
    await page.fill("#username", "teacher1")
    await page.fill("#display_name", "李老师")
    await page.fill("#password", PASSWORD)
    await page.fill("#password2", PASSWORD)
    for depth, name in enumerate(["吉林省", "延边朝鲜族自治州", "延吉市", "延吉市第一小学"]):
        await page.select_option(f'#unit-picker select[data-depth="{depth}"]', label=name)
    await screenshot(page, "intake-01-signup")
    await page.click("#signup-form button[type=submit]")
    await page.wait_for_url(f"{base}/campaigns/yanbian-2024/enter")

    # The form, with a bad phone number: the API's message shows next to the field.
    form = yanbian_form(1, phone="12345")
    await page.select_option("#f-group", "小学组")
    for key, value in form.items():
        if await page.locator(f"select#f-{key}").count():
            await page.select_option(f"#f-{key}", value)
        else:
            await page.fill(f"#f-{key}", value)
    await page.click("#submit-entry")
    phone_error = page.locator('[data-field="phone"] .error')
    await expect(phone_error).to_contain_text("联系电话")
    await expect(page.locator('[data-field="phone"]')).to_have_class("field invalid")
    await expect(page.locator('[data-field="title"]')).not_to_have_class("field invalid")
    await screenshot(page, "intake-02-form-error")
    await page.fill("#f-phone", "13904330001")

    # The answer is lost on its way back (the entry was registered); the teacher presses again and
    # reaches the entry, not the one-per-person refusal (the page's Idempotency-Key).
    async def answer_lost(route: Route) -> None:
        await route.fetch()
        await route.abort("connectionreset")

    await page.route("**/api/campaigns/*/entries", answer_lost, times=1)
    await page.click("#submit-entry")
    await expect(page.locator("#submit-entry")).to_be_enabled()
    await page.click("#submit-entry")
    await page.wait_for_url(f"{base}/submissions/*")
    await expect(page.locator("#stage")).to_have_attribute("data-stage", "registered")
    await expect(page.locator("#file-name")).to_contain_text("红色故事1—延吉市第一小学教师1")
    await screenshot(page, "intake-03-registered")

    # Upload the video: the bar fills, then the status moves on to the check's result.
    box = page.locator('[data-material="video"]')
    await box.locator("input[type=file]").set_input_files(clip)
    # The pre-check finds the 320×180 clip wrong before the upload; the teacher uploads it anyway.
    await box.locator(".upload-anyway").click()
    await expect(box.locator(".progress-text")).to_contain_text("上传完成", timeout=30_000)
    await expect(box.locator(".progress")).to_have_attribute("aria-valuenow", "100")
    await screenshot(page, "intake-04-uploaded")
    await expect(page.locator("#stage")).to_have_attribute(
        "data-stage", "failed_validation", timeout=PIPELINE_MS
    )

    # Every finding in plain words, with what was expected and what was measured.
    resolution = page.locator('#findings .finding.error[data-rule="video.resolution"]')
    await expect(resolution).to_contain_text("1920×1080")
    await expect(resolution).to_contain_text("320×180")
    await expect(page.locator("#next-step")).to_contain_text("重新上传新版本")
    await expect(page.locator("#timeline")).to_contain_text("技术检测未通过")
    await expect(page.locator("#versions")).to_contain_text("第1版")
    await screenshot(page, "intake-05-findings")
    sid = page.url.rsplit("/", 1)[1].split("?")[0]
    status = (await site.get(f"/api/submissions/{sid}", headers=await login(site, "teacher1"))).json()
    shown = await page.locator("#findings .finding").count()
    assert shown == len(status["findings"]) and shown > 0

    # A material of the wrong type is refused before a byte is sent; the right one goes in.
    form_box = page.locator('[data-material="registration_form"]')
    (tmp_path / "报名表.txt").write_text("不是PDF", encoding="utf-8")
    await form_box.locator("input[type=file]").set_input_files(tmp_path / "报名表.txt")
    await expect(form_box.locator(".upload-error")).to_contain_text("须为报名表文件")
    (tmp_path / "报名表.pdf").write_bytes(MINIMAL_PDF)
    await form_box.locator("input[type=file]").set_input_files(tmp_path / "报名表.pdf")
    await expect(form_box.locator(".upload-error")).to_be_hidden()
    await expect(form_box.locator(".uploaded")).to_contain_text("报名表", timeout=15_000)
    await screenshot(page, "intake-05a-materials")

    await page.click("header >> text=我的作品")
    await expect(page.locator(f'a[href="/submissions/{sid}"]')).to_have_text("红色故事1")
    await expect(page.locator("main")).to_contain_text("技术检测未通过")
    await screenshot(page, "intake-05b-my-entries")


async def test_an_upload_cut_off_mid_way_resumes_after_a_reload(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    base = settings.base_url()
    clip = await tiny_clip(tmp_path / "clip.mp4", seconds=3, kbps=3000)
    assert clip.stat().st_size > 4 * CHUNK_BYTES
    sid, teacher = await entry_page(site, page, base, "teacher2", "王老师", 2, shot="intake-05c-login")

    # Let two PATCHes through, then drop the connection of every later one: the upload stalls
    # mid-way, and the tab is reloaded as a teacher would after a network cut.
    offsets: list[int] = []
    creations: list[str] = []
    cutting = True
    cut_off = asyncio.Event()

    async def network(route: Route) -> None:
        request = route.request
        if request.method == "POST":
            creations.append(request.url)
        if request.method == "PATCH":
            offsets.append(int(request.headers["upload-offset"]))
            if cutting and len(offsets) >= 3:
                cut_off.set()
                await route.abort("connectionreset")
                return
        await route.continue_()

    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.route(lambda url: "/api/tus" in url, network)
    box = page.locator('[data-material="video"]')
    await box.locator("input[type=file]").set_input_files(clip)
    await box.locator(".upload-anyway").click()
    await eventually(lambda: _is_set(cut_off), 30, "the third PATCH")
    await screenshot(page, "intake-06-cut-off")
    await page.reload()
    cutting = False

    # After the reload the bar still shows where the upload stopped, before a file is chosen.
    total = clip.stat().st_size
    kept = 2 * CHUNK_BYTES
    await expect(box.locator(".progress-text")).to_contain_text(
        "上次上传已中断，请重新选择同一个文件「clip.mp4」"
    )
    await expect(box.locator(".progress")).to_have_attribute("aria-valuenow", str(kept * 100 // total))
    await screenshot(page, "intake-07-after-reload")
    before = len(offsets)
    await box.locator("input[type=file]").set_input_files(clip)
    await box.locator(".upload-anyway").click()
    await expect(box.locator(".progress-text")).to_contain_text("上传完成", timeout=30_000)
    assert offsets[before] == kept, f"resumed at {offsets[before]}, not at {kept}: {offsets}"
    assert len(creations) == 1, "the reload resumed the same upload instead of creating another"
    await expect(page.locator("#stage")).not_to_have_attribute("data-stage", "registered")
    await screenshot(page, "intake-08-resumed")

    status = (await site.get(f"/api/submissions/{sid}", headers=teacher)).json()
    assert status["versions"][0]["media"]["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert status["versions"][0]["media"]["size"] == total


async def test_a_unit_admin_approves_one_entry_returns_another_and_the_dashboard_follows(
    site: httpx.AsyncClient, browser: Browser, page: Page, settings: Settings, tmp_path: Path
) -> None:
    base = settings.base_url()
    clip = (await tiny_clip(tmp_path / "clip.mp4")).read_bytes()
    entries = {}
    for i, (user, school) in enumerate([("t-a", "222401001"), ("t-b", "222401002")], start=3):
        teacher = await entrant(site, user, f"教师{i}", school)
        form = yanbian_form(i, school="延吉市第一小学" if school.endswith("1") else "延吉市第二小学")
        body = {"form": form, "group": "教师组"}
        made = await site.post("/api/campaigns/pages-small/entries", json=body, headers=teacher)
        assert made.status_code == 201, made.text
        sid = made.json()["submission_id"]
        mp4 = {**teacher, "Content-Type": "video/mp4"}
        put = await site.put(f"/api/submissions/{sid}/media", content=clip, headers=mp4)
        assert put.status_code == 202, put.text
        entries[form["title"]] = (sid, teacher)

    async def both_waiting() -> bool:
        for sid, teacher in entries.values():
            if (await site.get(f"/api/submissions/{sid}", headers=teacher)).json()[
                "stage"
            ] != "awaiting_approval":
                return False
        return True

    await eventually(both_waiting, PIPELINE_MS / 1000, "both entries awaiting approval")

    # The campaign admin watches the dashboard while the county admin works.
    await log_in_page(page, base, "admin", ADMIN_PASSWORD, "/admin")
    await expect(page.locator("main")).to_contain_text("页面测试：小尺寸微视频征集")
    await screenshot(page, "intake-09a-admin")
    await page.goto(f"{base}/campaigns/pages-small/dashboard")
    tiles = page.locator("#tiles")
    await expect(tiles.locator('[data-key="total"] .n')).to_have_text("2")
    await expect(tiles.locator('[data-key="stage:awaiting_approval"] .n')).to_have_text("2")
    await screenshot(page, "intake-09-dashboard-before")

    context = await browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        unit = await context.new_page()
        await log_in_page(unit, base, "yanji-admin", PASSWORD, "/campaigns/pages-small/unit")
        rows = unit.locator("#rows tr[data-submission]")
        await expect(rows).to_have_count(2)
        await expect(unit.locator("#quota")).to_contain_text("延吉市")
        await screenshot(unit, "intake-10-unit-list")
        approve_sid, _ = entries["红色故事3"]
        return_sid, returned_teacher = entries["红色故事4"]
        await unit.locator(f'tr[data-submission="{approve_sid}"] [data-action="approve"]').click()
        await expect(unit.locator("#banner")).to_contain_text("已通过《红色故事3》")
        await unit.locator(f'tr[data-submission="{return_sid}"] [data-action="return"]').click()
        await unit.locator("#return-confirm").click()  # no reason yet: refused on the page
        await expect(unit.locator("#return-dialog .error")).to_contain_text("请填写退回原因")
        reason = "片头缺少学校名称，请补充后重新上传"
        await unit.fill("#reason", reason)
        await screenshot(unit, "intake-11-return-dialog")
        await unit.locator("#return-confirm").click()
        await expect(unit.locator("#banner")).to_contain_text("已退回《红色故事4》")
        await unit.select_option("#filter", "")
        await expect(unit.locator(f'tr[data-submission="{return_sid}"]')).to_contain_text("退回")
        await screenshot(unit, "intake-12-unit-after")
    finally:
        await context.close()

    returned = (await site.get(f"/api/submissions/{return_sid}", headers=returned_teacher)).json()
    assert returned["stage"] == "returned" and returned["approval"]["reason"] == reason
    county = await login(site, "yanji-admin")
    approved = (await site.get(f"/api/submissions/{approve_sid}", headers=county)).json()
    assert approved["approval"]["state"] == "approved" and approved["stage"] != "awaiting_approval"

    # The dashboard moved by itself: one approved, one returned, none waiting.
    await expect(page.locator('#by-approval tr[data-key="approved"] td.num')).to_have_text(
        "1", timeout=15_000
    )
    await expect(page.locator('#by-approval tr[data-key="returned"] td.num')).to_have_text("1")
    await expect(tiles.locator('[data-key="stage:awaiting_approval"]')).to_have_count(0)
    await screenshot(page, "intake-13-dashboard-after")

    # The returned entrant reads the reason on the entry's page.
    await page.goto(f"{base}/login")
    await page.evaluate("fetch('/api/auth/logout', {method: 'POST'})")
    await log_in_page(page, base, "t-b", PASSWORD, f"/submissions/{return_sid}")
    await expect(page.locator("#next-step")).to_contain_text(reason)
    await expect(page.locator("#stage")).to_have_attribute("data-stage", "returned")
    await screenshot(page, "intake-14-entrant-returned")

    # Someone else's entry, or a page for another role, is refused in words.
    stranger = await page.goto(f"{base}/submissions/{approve_sid}")
    assert stranger is not None and stranger.status == 404
    await expect(page.locator("h1")).to_contain_text("作品不存在或无权查看")
    refused = await page.goto(f"{base}/campaigns/pages-small/unit")
    assert refused is not None and refused.status == 403
    await expect(page.locator("h1")).to_contain_text("此页面需要单位管理员或活动管理员权限（当前为参赛者）")
    await screenshot(page, "intake-14b-refused")


async def test_an_admin_creates_a_campaign_from_each_preset_and_every_form_renders(
    site: httpx.AsyncClient, page: Page, settings: Settings
) -> None:
    base = settings.base_url()
    await log_in_page(page, base, "admin", ADMIN_PASSWORD, "/admin")
    # yanbian-2024 exists already: the page says so in Chinese and nothing changes.
    await page.select_option("#preset", "yanbian-2024")
    await page.click("#create-form button[type=submit]")
    await expect(page.locator("#create-banner")).to_contain_text("已存在")
    for preset in [p for p in list_presets() if p != "yanbian-2024"]:
        await page.goto(f"{base}/admin")
        await page.select_option("#preset", preset)
        await page.click("#create-form button[type=submit]")
        await page.wait_for_url(f"{base}/campaigns/{preset}")
        campaign = load_preset(preset)
        await expect(page.locator("h1")).to_have_text(campaign.title)

        await page.goto(f"{base}/campaigns/{preset}/enter")
        for field in campaign.form:
            await expect(page.locator(f'label[for="f-{field.key}"]')).to_contain_text(field.label)
        await screenshot(page, f"intake-15-form-{preset}")

    # Hunan: the sub-column list follows the chosen section (德育 has nine).
    await page.goto(f"{base}/campaigns/hunan-smart-edu-2022/enter")
    await page.select_option("#f-category", "德育")
    await expect(page.locator("#f-subcolumn option")).to_have_count(1 + 9)
    await page.select_option("#f-subcolumn", "党史学习")
    await page.select_option("#f-category", "劳动教育")
    await expect(page.locator("#f-subcolumn")).to_have_value("")


async def _is_set(event: asyncio.Event) -> bool:
    return event.is_set()
