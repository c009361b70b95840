"""The upload page's pre-check in headless Chromium with real files: the headers are read in the
browser, the findings and their fixes show before any byte is sent, and the entrant may still
upload. Screenshots: .zhengji/screenshots/precheck-*.png."""

from pathlib import Path

import httpx
from playwright.async_api import Page, Request, expect

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.e2e.intake_pages_helpers import entry_page, site, tiny_clip

__all__ = ["browser", "page", "site"]


async def test_a_wrong_file_is_found_before_the_upload_and_may_still_be_sent(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    base = settings.base_url()
    clip = await tiny_clip(tmp_path / "30fps.mp4", seconds=2)  # 320×180: Yanbian asks for 1920×1080
    not_video = tmp_path / "讲稿.mp4"
    not_video.write_text("这不是视频，只是改了扩展名。", encoding="utf-8")
    sid, teacher = await entry_page(site, page, base, "teacher9", "赵老师", 9, shot="precheck-00-login")
    sent: list[Request] = []
    page.on("request", lambda request: sent.append(request) if "/api/tus" in request.url else None)
    box = page.locator('[data-material="video"]')

    # A file that is not video: said at once, nothing uploaded.
    await box.locator("input[type=file]").set_input_files(not_video)
    unreadable = box.locator('.precheck .finding.error[data-rule="file.readable"]')
    await expect(unreadable).to_contain_text("无法识别为音视频文件")
    await screenshot(page, "precheck-01-not-video")

    # The real clip: every header finding the validator would give, each with its fix.
    await box.locator("input[type=file]").set_input_files(clip)
    resolution = box.locator('.precheck .finding.error[data-rule="video.resolution"]')
    await expect(resolution).to_contain_text("导出时请将分辨率设为1920×1080")
    await expect(resolution).to_contain_text("320×180")
    await expect(box.locator(".precheck .banner.error")).to_contain_text("上传前预检发现")
    await expect(box.locator(".precheck-note")).to_contain_text("以上传后服务器的检测结果为准")
    await expect(box.locator(".progress")).to_be_hidden()
    await screenshot(page, "precheck-02-findings")
    assert sent == [], "the pre-check sent the file"

    # The entrant may still upload: the server's check is the one that counts.
    await box.locator(".upload-anyway").click()
    await expect(box.locator(".progress-text")).to_contain_text("上传完成", timeout=30_000)
    await screenshot(page, "precheck-03-uploaded-anyway")
    status = (await site.get(f"/api/submissions/{sid}", headers=teacher)).json()
    assert status["versions"][0]["media"]["size"] == clip.stat().st_size
