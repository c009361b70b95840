"""The entrant's page while the transcoder works: percent, speed and time left (from ffmpeg's
``-progress``), as the page reads them from the submission's status while it polls. Headless
Chromium against the whole system; screenshot in .zhengji/screenshots/intake-15-transcoding.png."""

import re
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.e2e.intake_pages_helpers import PASSWORD, entrant, log_in_page, site
from zhengji import samples
from zhengji.samples import yanbian_form

__all__ = ["browser", "page", "site"]
PIPELINE_MS = 240_000  # checking and transcoding 30 s of 1080p on two shared cores


async def test_the_entrants_page_shows_the_transcode_as_it_runs(
    site: httpx.AsyncClient, page: Page, settings: Settings, tmp_path: Path
) -> None:
    teacher = await entrant(site, "t-progress", "进度老师")
    body = {"form": yanbian_form(7), "group": "小学组"}
    made = await site.post("/api/campaigns/yanbian-2024/entries", json=body, headers=teacher)
    assert made.status_code == 201, made.text
    sid = made.json()["submission_id"]
    # Conforming 1080p, long enough that its streaming ladder takes several of the page's polls.
    clip = await samples.conforming(tmp_path / "clip.mp4", seconds=30)
    mp4 = {**teacher, "Content-Type": "video/mp4"}
    put = await site.put(f"/api/submissions/{sid}/media", content=clip.read_bytes(), headers=mp4)
    assert put.status_code == 202, put.text

    await log_in_page(page, settings.base_url(), "t-progress", PASSWORD, f"/submissions/{sid}")
    progress = page.locator("#transcode-progress")
    # Under way: a percent above zero, with the speed ffmpeg reports.
    await expect(progress).to_have_text(re.compile(r"转码 [1-9]\d*%，速度 "), timeout=PIPELINE_MS)
    await screenshot(page, "intake-15-transcoding")
    await expect(page.locator("#stage")).to_have_attribute(
        "data-stage", "awaiting_approval", timeout=PIPELINE_MS
    )
    await expect(progress).to_have_text("")  # done: the line goes away
