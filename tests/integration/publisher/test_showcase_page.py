"""The public showcase page in headless Chromium: published works, the player, filters, Chinese first."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.browser import browser, page, screenshot
from tests.conftest import admin_client
from tests.integration.publisher.harness import (
    campaign_with,
    produce,
    publications,
    renditions,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, serving

__all__ = ["browser", "page"]


@pytest.fixture
async def site(settings: Settings, fast_policy: None) -> AsyncIterator[httpx.AsyncClient]:
    """Intake serves the blobs and the transcoder the HLS packages the page plays; the publisher
    serves the page."""
    async with admin_client(settings, ["intake", "transcoder", "publisher"]) as client:
        yield client


async def test_the_showcase_lists_plays_and_filters_published_works(
    site: httpx.AsyncClient, settings: Settings, blobs: FileBlobStore, tmp_path: Path, page: Page
) -> None:
    kafka = settings.kafka_bootstrap_servers
    media = await renditions(blobs, tmp_path / "media")
    names = {t.key: t.name for t in load_preset("yanbian-2024").publication_targets}
    async with serving(StandIn()) as platform:
        cid = await campaign_with(
            kafka,
            [
                target(key, platform.url(path), name=names[key])
                for key, path in (("yanbian_platform", "/a"), ("sizheng_library", "/b"))
            ],
        )
        works = [
            reviewed(cid, 1, group="小学组", category="英雄故事", media=media),
            reviewed(cid, 2, group="小学组", category="革命遗址", media=media, award_tier="一等奖"),
            reviewed(cid, 3, group="中学组", category="历史文物", media=media),
            reviewed(cid, 4, group="中学组", outcome="not_recommended", media=media),
        ]
        await produce(kafka, *works)
        for work in works[:3]:
            await settled(
                site, work.submission_id, {"yanbian_platform": "published", "sizheng_library": "published"}
            )
        retracted = await site.post(
            f"/api/publisher/submissions/{works[0].submission_id}/retract", json={"reason": "版权投诉"}
        )
        assert retracted.status_code == 202
        await settled(
            site, works[0].submission_id, {"yanbian_platform": "retracted", "sizheng_library": "retracted"}
        )

        await page.goto(f"{settings.base_url()}/showcase/{cid}")
        assert await page.get_attribute("html", "lang") == "zh-CN"
        assert "优秀作品展示" in await page.inner_text("header")
        assert (await page.inner_text("form label >> nth=0")).startswith("组别")
        cards = page.locator("article.work")
        # Published works only: the retracted one and the unawarded one are not shown; one card per work.
        assert await cards.count() == 2
        assert sorted(await page.locator("article.work h2").all_inner_texts()) == ["红色故事2", "红色故事3"]
        # The campaign's own tiers first, in its order; others after.
        assert await page.locator("article.work .award").all_inner_texts() == ["优秀资源奖", "一等奖"]
        # Platforms by the names the campaign gives them, never by their keys.
        platforms = await page.locator("article.work .platforms").all_inner_texts()
        assert all(names["yanbian_platform"] in p and names["sizheng_library"] in p for p in platforms)
        assert "yanbian_platform" not in await page.inner_text("body")
        # Every player sits in its work's card: nothing stray below the grid.
        stray = page.locator("video:not(article.work video)")
        assert await stray.count() == 0 and await page.locator("article.work video").count() == 2

        # The player streams the HLS ladder, not the MP4: natively where the browser can (this
        # Chromium does), else through hls.js (Media Source: a blob: URL).
        played = await page.evaluate(
            """async () => {
                const video = document.querySelector("article.work video");
                video.muted = true;
                await video.play();
                await new Promise((done) => video.addEventListener("timeupdate", done, {once: true}));
                return {width: video.videoWidth, time: video.currentTime, poster: video.poster,
                        src: video.currentSrc, hls: video.dataset.hls};
            }"""
        )
        assert played["width"] == 320 and played["time"] > 0
        assert played["hls"].endswith("/master.m3u8")
        assert played["src"] == played["hls"] or played["src"].startswith("blob:"), played["src"]
        # Browsers without native HLS (Firefox, older Chromium) use the vendored hls.js: it plays
        # the same package through Media Source.
        through_hls_js = await page.evaluate(
            """async (url) => {
                const video = document.createElement("video");
                video.muted = true;
                document.body.appendChild(video);
                const hls = new Hls();
                hls.loadSource(url);
                hls.attachMedia(video);
                await new Promise((done) => hls.on(Hls.Events.MANIFEST_PARSED, done));
                await video.play();
                await new Promise((done) => video.addEventListener("timeupdate", done, {once: true}));
                const answer = {supported: Hls.isSupported(), src: video.currentSrc, width: video.videoWidth};
                hls.destroy();
                video.remove();  // the probe's player is the test's, not the page's
                return answer;
            }""",
            played["hls"],
        )
        assert through_hls_js["supported"] and through_hls_js["src"].startswith("blob:")
        assert through_hls_js["width"] == 320
        poster_width = await page.evaluate(
            "async (src) => { const img = new Image(); img.src = src; await img.decode();"
            " return img.naturalWidth; }",
            played["poster"],
        )
        assert poster_width == 320
        await page.evaluate("document.querySelector('article.work video').pause()")
        assert await stray.count() == 0
        shot = await screenshot(page, "publisher-showcase")

        await page.select_option("select[name=group]", "中学组")
        await page.wait_for_url("**group=%E4%B8%AD%E5%AD%A6%E7%BB%84**")
        assert await page.locator("article.work h2").all_inner_texts() == ["红色故事3"]
        await page.select_option("select[name=award]", "一等奖")
        await page.wait_for_url("**award=%E4%B8%80%E7%AD%89%E5%A5%96**")  # 一等奖, not the empty award=
        await expect(cards).to_have_count(0)
        assert "暂无符合条件" in await page.inner_text("body")
        await screenshot(page, "publisher-showcase-filtered-empty")
        await page.goto(f"{settings.base_url()}/showcase/{cid}?category=革命遗址")
        assert await page.locator("article.work h2").all_inner_texts() == ["红色故事2"]
        await screenshot(page, "publisher-showcase-filtered")

    assert shot.exists()
    assert (await site.get("/showcase/no-such-campaign")).status_code == 404
    assert (await site.get("/showcase/static/../app.py")).status_code == 404


async def test_a_platform_answering_a_javascript_address_gets_no_link(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    """The platform's address for the work becomes a link only if it is http(s): a hostile or broken
    platform cannot put script on the public showcase."""
    kafka = settings.kafka_bootstrap_servers
    async with (
        serving(StandIn(work_url="javascript:alert(1)")) as scripted,
        serving(StandIn(work_url="data:text/html,<script>alert(1)</script>")) as data,
    ):
        cid = await campaign_with(
            kafka,
            [target("yanbian_platform", scripted.url("/a")), target("sizheng_library", data.url("/b"))],
        )
        work = reviewed(cid, 1)
        await produce(kafka, work)
        await settled(
            api, work.submission_id, {"yanbian_platform": "published", "sizheng_library": "published"}
        )
        stored = await publications(api, work.submission_id)
        assert [stored[t]["url"] for t in ("yanbian_platform", "sizheng_library")] == [None, None]

        page = await api.get(f"/showcase/{cid}")
        assert page.status_code == 200 and "红色故事1" in page.text
        assert "平台yanbian_platform" in page.text and "平台sizheng_library" in page.text  # named, not linked
        assert "javascript:" not in page.text.lower() and "data:text" not in page.text
        assert 'rel="noopener"' not in page.text
