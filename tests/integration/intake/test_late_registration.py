"""A county's extension (a live change) holds for registering as well as uploading: after the
campaign's deadline, an entrant of 图们市 (extended) registers and uploads, while one of 延吉市 is
refused, in Chinese, with the window that applies to them (decision 0034)."""

from datetime import timedelta
from pathlib import Path

import httpx

from contracts.calendar import campaign_today
from tests.conftest import client_as
from tests.integration.intake.conftest import create_tiny, tiny_video
from zhengji.samples import yanbian_form

TODAY = campaign_today()
CLOSED_YESTERDAY = {"starts": str(TODAY - timedelta(days=10)), "ends": str(TODAY - timedelta(days=1))}


async def test_an_extended_countys_entrant_registers_and_uploads_after_the_others_closed(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    cid = await create_tiny(admin, "late", upload_window=CLOSED_YESTERDAY)
    extension = {"unit": "222402", "ends": str(TODAY + timedelta(days=3))}
    change = {"reason": "图们市网络故障，延期三天", "unit_extension": extension}
    made = await admin.post(f"/api/campaigns/{cid}/changes", json=change)
    assert made.status_code == 201, made.text
    video = (await tiny_video(tmp_path / "late.mp4")).read_bytes()

    async with client_as(admin, "tumen-teacher", "entrant", "222402001") as tumen:
        body = {"form": yanbian_form(1, school="图们市实验小学"), "group": "小学组"}
        registered = await tumen.post(f"/api/campaigns/{cid}/entries", json=body)
        assert registered.status_code == 201, registered.text
        sid = registered.json()["submission_id"]
        uploaded = await tumen.put(
            f"/api/submissions/{sid}/media", content=video, headers={"content-type": "video/mp4"}
        )
        assert uploaded.status_code == 202, uploaded.text

    async with client_as(admin, "yanji-teacher", "entrant", "222401001") as yanji:
        body = {"form": yanbian_form(2), "group": "小学组"}
        refused = await yanji.post(f"/api/campaigns/{cid}/entries", json=body)
        assert refused.status_code == 403, refused.text
        detail = refused.json()["detail"]
        closed_on = TODAY - timedelta(days=1)
        assert detail["message_zh"].startswith("报名已截止")
        assert f"至{closed_on.year}年{closed_on.month}月{closed_on.day}日" in detail["message_zh"]
        mine = await yanji.get(f"/api/campaigns/{cid}/submissions")
        assert mine.json() == []
