"""The review pages in headless Chromium: a reviewer signs in by the token link, sees the
assignments, plays the preview in the page, and the sheet autosaves; the chair sees progress, the
score table with an outlier flagged and the panel's agreement, reassigns, and finalises."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Dialog, Page, expect

from contracts import BlobRef
from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from services.intake.presets import load_preset
from services.media.process import run
from tests.browser import screenshot
from tests.conftest import admin_client, eventually
from tests.integration.review.feed import TUMEN, YANJI, Work, bearer, feed, import_experts, until_ready

EXPERTS = """姓名,单位编码,单位名称,角色
金组长,222400001,延边州电化教育馆,组长
朴老师,222401900,延吉市教师进修学校,评审
李老师,222402900,图们市教师进修学校,评审
崔老师,222403900,敦化市教师进修学校,评审
"""
FULL = {"ideology": "80", "science": "80", "artistry": "80", "technique": "80"}


async def tiny_preview(settings: Settings, tmp_path: Path) -> BlobRef:
    """A 2 s 320x180 H.264/AAC clip standing in for the transcoder's master."""
    out = tmp_path / "preview.mp4"
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    done = await run(argv, 60)
    assert done.returncode == 0, done.stderr
    return await FileBlobStore(settings.blobs_path()).put_file(out, "video/mp4")


@pytest.fixture
async def pages_api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # intake serves the blobs (/blobs/{sha256}) the preview plays from
    async with admin_client(settings, ["intake", "review"]) as api:
        yield api


async def test_reviewer_and_chair_pages(
    pages_api: httpx.AsyncClient, settings: Settings, page: Page, tmp_path: Path
) -> None:
    api, base = pages_api, settings.base_url()
    preview = await tiny_preview(settings, tmp_path)
    works = [
        Work("SPAGE1", "杨靖宇将军的故事", YANJI, 1, preview=preview),
        Work("SPAGE2", "龙井红色遗址寻访", YANJI, 2, preview=preview),
        Work("SPAGE3", "图们江畔的记忆", TUMEN, 3, preview=preview),
    ]
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "pages"})
    await feed(settings.kafka_bootstrap_servers, campaign, works)
    await until_ready(api, campaign.id, len(works))
    tokens = await import_experts(api, campaign.id, "county", EXPERTS)
    rid = (await api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})).json()[
        "round_id"
    ]

    # The reviewer: sign in by the link, see the assignments, open one, watch, score.
    await page.goto(f"{base}/review/login?token={tokens['朴老师']}")
    await expect(page.locator("h1")).to_contain_text("我的评审任务")
    given = (await api.get("/api/review/me/assignments", headers=bearer(tokens["朴老师"]))).json()
    assert len(given) in (2, 3)  # 9 reviews over 4 experts: loads 2, 2, 2, 3
    rows = page.locator("#assignments tbody tr")
    await expect(rows).to_have_count(len(given))
    await screenshot(page, "review-my-assignments")
    await rows.first.get_by_role("link").click()
    await expect(page.locator("#sheet")).to_be_visible()
    video = page.locator("video#preview")
    await video.evaluate("v => { v.muted = true; return v.play(); }")

    async def playing() -> bool:
        return bool(await video.evaluate("v => v.readyState >= 2 && v.currentTime > 0.2 && v.duration > 1"))

    await eventually(playing, 30, "the preview to play")
    await page.fill("#c-ideology", "90")
    await expect(page.locator("#save-state")).to_contain_text("草稿已保存")
    for key, value in (("science", "85"), ("artistry", "80.5"), ("technique", "70")):
        await page.fill(f"#c-{key}", value)
    await page.fill("#comment", "主题鲜明，画面清晰")
    await expect(page.locator("#save-state")).to_contain_text("已完成")
    await expect(page.locator("#total")).to_have_text("82.38")  # 27 + 21.25 + 20.125 + 14 = 82.375, half-up
    await screenshot(page, "review-score-sheet")
    await page.fill("#c-science", "150")
    await expect(page.locator("#save-error")).to_contain_text("超出范围")
    await page.fill("#c-science", "85")
    await expect(page.locator("#save-state")).to_contain_text("已完成")
    await page.reload()
    await expect(page.locator("#c-artistry")).to_have_value("80.5")
    await expect(page.locator("#comment")).to_have_value("主题鲜明，画面清晰")

    # Everyone else scores by the API; one mark is far from the others (an outlier to flag).
    chair_token = tokens["金组长"]
    for name, token in tokens.items():
        if name == "朴老师":
            continue
        for item in (await api.get("/api/review/me/assignments", headers=bearer(token))).json():
            sid = item["entry"]["submission_id"]
            marks = dict.fromkeys(FULL, "40") if name == "李老师" else FULL
            r = await api.put(
                f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": marks}, headers=bearer(token)
            )
            assert r.status_code == 200, r.text
    mine = [
        i["entry"]["submission_id"]
        for i in (await api.get("/api/review/me/assignments", headers=bearer(tokens["朴老师"]))).json()
    ]
    for sid in mine[1:]:
        await api.put(
            f"/api/review/rounds/{rid}/entries/{sid}/sheet",
            json={"sheet": FULL},
            headers=bearer(tokens["朴老师"]),
        )

    # The chair: progress, flags, agreement, the proposal; finalise from the page.
    chair = await page.context.browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})  # type: ignore[union-attr]
    tab = await chair.new_page()
    await tab.goto(f"{base}/review/login?token={chair_token}")
    await expect(tab.locator("h1").first).to_contain_text("组长工作台")
    await expect(tab.locator("#progress tbody tr")).to_have_count(4)
    await expect(tab.locator("#scores .mark.flagged").first).to_be_visible()
    await expect(tab.locator("#agreement li").first).to_contain_text("α")
    await expect(tab.locator("#proposal-table tbody tr")).to_have_count(3)
    await screenshot(tab, "review-chair")

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    tab.on("dialog", accept)
    await tab.click("#finalise")
    await expect(tab.locator("#round-state")).to_have_text("已定稿", timeout=15_000)
    await screenshot(tab, "review-chair-finalised")
    assert (await api.get(f"/api/review/rounds/{rid}")).json()["state"] == "finalised"
    await chair.close()
