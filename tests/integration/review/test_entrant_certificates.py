"""An entrant downloads their awarded entry's 获奖证书 from review once the level is final, with
the number the chair's print carries; those who may not see the entry (another entrant, nobody
logged in) are refused as its page refuses them, and a level without an award has no certificate."""

import io
import re
from dataclasses import replace
from pathlib import Path

import httpx
import yaml
from playwright.async_api import Page, expect
from pypdf import PdfReader

from contracts.campaign import Window
from services.common.settings import Settings
from tests.browser import screenshot
from tests.conftest import OPEN_WINDOW, client_as
from tests.e2e.intake_pages_helpers import log_in_page
from tests.integration.review.feed import (
    YANJI,
    bearer,
    feed,
    import_experts,
    scorable_today,
    score_everything,
    until_ready,
)
from tests.integration.review.test_review_flow import EXPERTS, MARKS, WORKS, yanbian
from zhengji.samples import yanbian_form

CODE = re.compile(r"([0-9A-F]{4}-){3}[0-9A-F]{4}")


def codes_in(pdf: bytes) -> set[str]:
    """The certificate numbers printed (each is in its verification address too)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return {m.group(0) for page in pages for m in CODE.finditer(page.extract_text())}


async def test_an_entrant_downloads_their_entrys_certificate_and_others_are_refused(
    review_api: httpx.AsyncClient, settings: Settings, page: Page
) -> None:
    api = review_api
    base = yanbian("entrant-certs", review_levels=[yanbian("x").review_levels[1]])
    window = Window.model_validate(OPEN_WINDOW)
    # Intake and review hold the same definition (windows open today), whichever arrives last.
    spec = scorable_today(base).model_copy(update={"upload_window": window})
    made = await api.post(
        "/api/campaigns", json={"definition_yaml": yaml.safe_dump(spec.model_dump(mode="json"))}
    )
    assert made.status_code == 201, made.text
    async with (
        client_as(api, "cert-entrant", "entrant") as entrant,
        client_as(api, "other-entrant", "entrant") as other,
    ):
        body = {"form": yanbian_form(1, title="杨靖宇的故事"), "unit_code": f"{YANJI}001", "group": "小学组"}
        registered = await entrant.post(f"/api/campaigns/{spec.id}/entries", json=body)
        assert registered.status_code == 201, registered.text
        sid = registered.json()["submission_id"]
        # The entrant's entry takes the place of the exports test's best work (95 points).
        works = [replace(WORKS[0], sid=sid), *WORKS[1:4]]
        await feed(settings.kafka_bootstrap_servers, spec, works, keep_windows=True)
        await until_ready(api, spec.id, len(works))
        tokens = await import_experts(api, spec.id, "prefecture", EXPERTS)
        opened = await api.post(f"/api/review/campaigns/{spec.id}/rounds", json={"level": "prefecture"})
        assert opened.status_code == 201, opened.text
        rid, chair = opened.json()["round_id"], bearer(tokens["金老师"])
        await score_everything(api, rid, tokens, {**MARKS, sid: MARKS[WORKS[0].sid]})

        url = f"/api/review/submissions/{sid}/certificates/prefecture.pdf"
        early = await entrant.get(url)
        assert early.status_code == 404 and "尚未定稿" in early.json()["detail"]["message_zh"]
        final = await api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
        assert final.status_code == 200, final.text

        mine = await entrant.get(url)
        assert mine.status_code == 200 and mine.headers["content-type"] == "application/pdf", mine.text
        (sheet,) = PdfReader(io.BytesIO(mine.content)).pages
        assert "《杨靖宇的故事》" in sheet.extract_text() and "优秀资源奖" in sheet.extract_text()
        printed = await api.get(f"/api/review/rounds/{rid}/certificates.pdf", headers=chair)
        (code,) = codes_in(mine.content)
        assert code in codes_in(printed.content)  # one number, whoever downloads it
        assert (await api.get(url)).status_code == 200  # a campaign admin may see every entry

        # On the entry's page, as the entrant sees it: the award and its certificate's link.
        await log_in_page(
            page, settings.base_url(), "cert-entrant", "pw-cert-entrant-2024", f"/submissions/{sid}"
        )
        link = page.locator("#timeline a.certificate")
        await expect(link).to_have_text("下载获奖证书")
        await screenshot(page, "entrant-certificate-link")
        async with page.expect_download() as downloading:
            await link.click()
        download = await downloading.value
        assert download.suggested_filename == "杨靖宇的故事-优秀资源奖-获奖证书.pdf"
        assert codes_in(Path(await download.path()).read_bytes()) == {code}

        refused = await other.get(url)
        assert refused.status_code == 404 and "无权查看" in refused.json()["detail"]["message_zh"]
        async with httpx.AsyncClient(base_url=str(api.base_url)) as nobody:
            assert (await nobody.get(url)).status_code == 401
        unknown = await entrant.get(f"/api/review/submissions/{sid}/certificates/county.pdf")
        assert unknown.status_code == 404 and "未获奖" in unknown.json()["detail"]["message_zh"]
