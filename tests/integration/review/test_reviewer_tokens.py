"""Reviewer tokens leave the address bar after the link is opened, expire, and the chair can
revoke one: its API calls and its signed-in pages stop working at once."""

from datetime import timedelta

import httpx
from playwright.async_api import Dialog, Page, expect

from contracts.calendar import campaign_today
from contracts.campaign import Window
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.conftest import admin_client
from tests.integration.review.feed import (
    PANEL,
    TUMEN,
    YANJI,
    Work,
    bearer,
    feed,
    import_experts,
    round_of,
    until_ready,
)

WORKS = [Work("STOKEN01", "杨靖宇将军的故事", YANJI, 1), Work("STOKEN02", "图们江畔的记忆", TUMEN, 2)]


async def ids_of(api: httpx.AsyncClient, campaign_id: str) -> dict[str, str]:
    listed = await api.get(f"/api/review/campaigns/{campaign_id}/levels/county/experts")
    return {e["name"]: e["reviewer_id"] for e in listed.json()}


async def test_a_link_signs_in_once_and_the_token_leaves_the_address(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "tokens"})
    rid, tokens = await round_of(
        review_api, settings.kafka_bootstrap_servers, campaign, WORKS, "county", PANEL
    )
    async with httpx.AsyncClient(base_url=str(review_api.base_url), timeout=30) as browser:
        link = f"/review/rounds/{rid}/entries/STOKEN01"
        r = await browser.get(link, params={"token": tokens["朴老师"], "tab": "sheet"})
        assert r.status_code == 303 and r.headers["location"] == f"{link}?tab=sheet", "same page, no token"
        assert "zhengji_review=" in r.headers["set-cookie"] and "httponly" in r.headers["set-cookie"].lower()
        assert (await browser.get("/review/")).status_code == 200, "signed in by the cookie"
        bad = await browser.get("/review/", params={"token": "not-a-token"})
        assert bad.status_code == 401 and "zhengji_review=" not in bad.headers.get("set-cookie", "")

        ids = await ids_of(review_api, campaign.id)
        chair, piao = bearer(tokens["金老师"]), bearer(tokens["朴老师"])
        revoke = f"/api/review/rounds/{rid}/reviewers/{{}}/revoke"
        by_reviewer = await review_api.post(revoke.format(ids["李老师"]), headers=piao)
        assert by_reviewer.status_code == 403, "only the chair revokes"
        own = await review_api.post(revoke.format(ids["金老师"]), headers=chair)
        assert own.status_code == 409
        done = await review_api.post(revoke.format(ids["朴老师"]), headers=chair)
        assert done.status_code == 200 and done.json() == {"reviewer_id": ids["朴老师"], "revoked": True}

        assert (await review_api.get("/api/review/me", headers=piao)).status_code == 401
        page = await browser.get("/review/", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/review/login"), "its session ended"
        assert (await review_api.get("/api/review/me", headers=bearer(tokens["李老师"]))).status_code == 200

        new = await review_api.post(
            f"/api/review/campaigns/{campaign.id}/levels/county/experts/{ids['朴老师']}/token"
        )
        assert new.status_code == 200
        again = await review_api.get("/api/review/me", headers=bearer(new.json()["token"]))
        assert again.status_code == 200, "the admin's reissue gives a working token"
    audit = await review_api.get(f"/api/review/rounds/{rid}/audit", headers=chair)
    assert any(a["action"] == "token.revoked" for a in audit.json())


async def test_tokens_expire_after_the_setting_unless_the_review_window_runs_longer(
    settings: Settings,
) -> None:
    expiring = settings.model_copy(update={"review_token_ttl_s": 0})
    today = campaign_today()
    preset = load_preset("yanbian-2024")
    past = preset.model_copy(update={"id": "ended"})  # its county window ended in 2024
    levels = [
        level.model_copy(update={"window": Window(starts=today, ends=today + timedelta(days=3))})
        for level in preset.review_levels
    ]
    running = preset.model_copy(update={"id": "running", "review_levels": levels})
    async with admin_client(expiring, ["review"]) as api:
        for campaign in (past, running):
            await feed(expiring.kafka_bootstrap_servers, campaign, WORKS[:1])
            await until_ready(api, campaign.id, 1)
        stale = await import_experts(api, past.id, "county", PANEL)
        live = await import_experts(api, running.id, "county", PANEL)
        assert (await api.get("/api/review/me", headers=bearer(stale["朴老师"]))).status_code == 401
        assert (await api.get("/api/review/me", headers=bearer(live["朴老师"]))).status_code == 200
        async with httpx.AsyncClient(base_url=str(api.base_url), timeout=30) as browser:
            assert (await browser.get("/review/login", params={"token": stale["朴老师"]})).status_code == 401


async def test_the_chair_revokes_a_token_from_the_chair_page(
    review_api: httpx.AsyncClient, settings: Settings, page: Page
) -> None:
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "revoke-page"})
    bootstrap = settings.kafka_bootstrap_servers
    rid, tokens = await round_of(review_api, bootstrap, campaign, WORKS, "county", PANEL)
    base = str(review_api.base_url).rstrip("/")

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.on("dialog", accept)
    await page.goto(f"{base}/review/chair/rounds/{rid}?token={tokens['金老师']}")
    assert page.url == f"{base}/review/chair/rounds/{rid}", "the token left the address"
    assert await page.locator("button.revoke").count() == 3, "every reviewer but the chair"
    await page.click("#progress tr:has-text('朴老师') button.revoke")
    await expect(page.locator("#revoke-result")).to_contain_text("已收回朴老师的评审令牌")
    await expect(page.locator("#progress tr:has-text('朴老师') button.revoke")).to_be_disabled()
    assert (await review_api.get("/api/review/me", headers=bearer(tokens["朴老师"]))).status_code == 401
    assert (await review_api.get("/api/review/me", headers=bearer(tokens["李老师"]))).status_code == 200


SCOPED = f"""姓名,单位编码,评审范围,角色
延组长,222401800,{YANJI},组长
朴老师,222401900,{YANJI},评审
崔老师,222401901,{YANJI},评审
韩老师,222401902,{YANJI},评审
"""


async def test_a_chair_of_one_unit_signs_in_to_that_units_round(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    """A 组长 imported with a 评审范围 lands on their county's own round, not the level's."""
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "scoped-chair"})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(review_api, campaign.id, "county", SCOPED)
    opened = await review_api.post(
        f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county", "unit": YANJI}
    )
    assert opened.status_code == 201, opened.text
    async with httpx.AsyncClient(base_url=str(review_api.base_url), timeout=30) as browser:
        signed_in = await browser.get("/review/login", params={"token": tokens["延组长"]})
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == f"/review/chair/rounds/{campaign.id}:county:{YANJI}"
        chair_page = await browser.get(signed_in.headers["location"])
        assert chair_page.status_code == 200 and "杨靖宇将军的故事" in chair_page.text
