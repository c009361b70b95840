"""Who sees what: an entrant only its own entries, a unit admin only its own subtree."""

import httpx

from tests.conftest import client_as
from tests.integration.intake.conftest import create_tiny, register
from zhengji.samples import yanbian_form


async def test_an_entrant_cannot_read_another_entrants_submission(admin: httpx.AsyncClient) -> None:
    cid = await create_tiny(admin)
    async with (
        client_as(admin, "wang", "entrant", "222401001") as wang,
        client_as(admin, "zhao", "entrant", "222401001") as zhao,
    ):
        mine = await wang.post(
            f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(1), "group": "小学组"}
        )
        assert mine.status_code == 201, mine.text
        sid = mine.json()["submission_id"]
        assert mine.json()["file_name"] == "红色故事1—延吉市第一小学教师1"
        assert (await wang.get(f"/api/submissions/{sid}")).status_code == 200

        theirs = await zhao.get(f"/api/submissions/{sid}")
        assert theirs.status_code == 403 and "无权" in theirs.json()["detail"]["message_zh"]
        assert (await zhao.get(f"/api/campaigns/{cid}/submissions")).json() == []
        assert (await zhao.get(f"/api/submissions/{sid}/uploads")).status_code == 403
        assert (await zhao.delete(f"/api/submissions/{sid}")).status_code == 403
        elsewhere = {"form": yanbian_form(2), "unit_code": "222402001", "group": "小学组"}
        other_unit = await zhao.post(f"/api/campaigns/{cid}/entries", json=elsewhere)
        assert other_unit.status_code == 403, "an entrant registers with its own unit only"
        assert [r["submission_id"] for r in (await wang.get(f"/api/campaigns/{cid}/submissions")).json()] == [
            sid
        ]


async def test_a_county_admin_cannot_see_another_countys_entries(admin: httpx.AsyncClient) -> None:
    cid = await create_tiny(admin)
    yanji_entry = await register(admin, cid, 1, "222401001")
    tumen_entry = await register(admin, cid, 2, "222402001")
    async with client_as(admin, "tumen-admin", "unit_admin", "222402") as tumen:
        assert (await tumen.get(f"/api/submissions/{tumen_entry}")).status_code == 200
        assert (await tumen.get(f"/api/submissions/{yanji_entry}")).status_code == 403
        listed = (await tumen.get(f"/api/campaigns/{cid}/submissions")).json()
        assert [r["submission_id"] for r in listed] == [tumen_entry]
        assert (await tumen.get(f"/api/campaigns/{cid}/submissions?unit=222401")).json() == []
        summary = (await tumen.get(f"/api/campaigns/{cid}/summary?level=county")).json()
        assert summary["total"] == 1 and [u["unit_name"] for u in summary["by_unit"]] == ["图们市"]
    async with client_as(admin, "city-admin", "unit_admin", "2224") as city:
        listed = (await city.get(f"/api/campaigns/{cid}/submissions")).json()
        assert {r["submission_id"] for r in listed} == {yanji_entry, tumen_entry}
        summary = (await city.get(f"/api/campaigns/{cid}/summary?level=county")).json()
        assert {u["unit_name"]: u["total"] for u in summary["by_unit"]} == {"延吉市": 1, "图们市": 1}
    async with client_as(admin, "entrant-x", "entrant", "222402001") as entrant:
        assert (await entrant.get(f"/api/campaigns/{cid}/summary")).status_code == 403


async def test_one_work_per_person_in_yanbian_and_a_withdrawn_entry_frees_the_place(
    admin: httpx.AsyncClient,
) -> None:
    cid = await create_tiny(admin)
    async with client_as(admin, "li", "entrant", "222401001") as li:
        first = await li.post(
            f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(5), "group": "小学组"}
        )
        assert first.status_code == 201
        second = await li.post(
            f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(6), "group": "小学组"}
        )
        assert second.status_code == 409 and "每人限报1件作品" in second.json()["detail"]["message_zh"]
        assert "红色故事5" not in second.text and first.json()["submission_id"] not in second.text
        # The same teacher (name and phone) registered by an admin counts against the same place.
        by_admin = await admin.post(
            f"/api/campaigns/{cid}/entries",
            json={"form": yanbian_form(5, title="另一件"), "unit_code": "222401001", "group": "小学组"},
        )
        assert by_admin.status_code == 409
        assert (await li.delete(f"/api/submissions/{first.json()['submission_id']}")).status_code == 204
        again = await li.post(
            f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(6), "group": "小学组"}
        )
        assert again.status_code == 201
    other_person = await register(admin, cid, 7)
    assert other_person
