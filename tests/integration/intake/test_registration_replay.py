"""A registration sent again after its answer was lost (a dropped connection, a restarted
intake: the chaos bench's faulted run stopped on exactly this) finds the entry it made when it
carries the same ``Idempotency-Key``, instead of being refused by the person's limit (每人限报1件)
or making a second entry. A key is the caller's own: the same key from someone else registers
their own entry."""

import asyncio

import httpx

from tests.conftest import client_as
from tests.integration.intake.conftest import create_tiny
from zhengji.samples import yanbian_form


def entry(i: int) -> dict[str, object]:
    return {"form": yanbian_form(i), "unit_code": "222401001", "group": "小学组"}


async def test_a_registration_sent_again_with_its_key_answers_with_the_entry_it_made(
    admin: httpx.AsyncClient,
) -> None:
    cid = await create_tiny(admin, "replay")
    url, key = f"/api/campaigns/{cid}/entries", {"Idempotency-Key": "reg-7f3a9c2e-0001"}
    async with client_as(admin, "replay-a", "entrant") as teacher:
        first = await teacher.post(url, json=entry(1), headers=key)
        again = await teacher.post(url, json=entry(1), headers=key)
        assert first.status_code == again.status_code == 201, (first.text, again.text)
        assert again.json() == first.json()
        unkeyed = await teacher.post(url, json=entry(1))
        assert unkeyed.status_code == 409, unkeyed.text
        assert "每人限报1件作品" in unkeyed.json()["detail"]["message_zh"]
        mine = (await teacher.get(f"/api/campaigns/{cid}/submissions")).json()
        assert [row["submission_id"] for row in mine] == [first.json()["submission_id"]]

    async with client_as(admin, "replay-b", "entrant") as other:
        at_once = await asyncio.gather(*(other.post(url, json=entry(2), headers=key) for _ in range(3)))
        assert [r.status_code for r in at_once] == [201, 201, 201], [r.text for r in at_once]
        ids = {r.json()["submission_id"] for r in at_once}
        assert len(ids) == 1 and first.json()["submission_id"] not in ids, "their own entry, once"
        theirs = (await other.get(f"/api/campaigns/{cid}/submissions")).json()
        assert [row["submission_id"] for row in theirs] == list(ids)
