"""Blind review, proved: every answer a reviewer can get (API, pages, refusals) is scanned for the
entrants' attribution: authors, school names, school codes and county codes."""

import httpx

from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.integration.review.feed import TUMEN, YANJI, Work, bearer, feed, import_experts, until_ready

EXPERTS = """姓名,单位编码,角色
金老师,222400001,组长
朴老师,222401900,评审
李老师,222402900,评审
崔老师,222403900,评审
"""
WORKS = [
    Work("SBLIND01", "杨靖宇将军的故事", YANJI, 1, author="王小明"),
    Work("SBLIND02", "龙井红色遗址寻访", YANJI, 2, author="李红"),
    Work("SBLIND03", "图们江畔的记忆", TUMEN, 3, author="崔英"),
    Work("SBLIND04", "英雄故事我来讲", TUMEN, 4, author="朴志勇", group="中学组"),
]
SECRETS = {v for w in WORKS for v in (w.author or "", w.unit_name, w.unit_code, w.county)} - {""}


def assert_blind(answer: httpx.Response) -> None:
    leaked = sorted(s for s in SECRETS if s in answer.text)
    assert not leaked, f"{answer.request.method} {answer.request.url} shows {leaked}"


async def test_nothing_a_reviewer_sees_names_the_entrant(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    # Names are public in this campaign (authors_public), so the attribution carries them: the
    # reviewer must still not see them.
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "blind", "authors_public": True})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(review_api, campaign.id, "county", EXPERTS)
    rid = (
        await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    ).json()["round_id"]
    seen = 0
    for name, token in tokens.items():
        me = bearer(token)
        answers = [await review_api.get("/api/review/me", headers=me)]
        mine = await review_api.get("/api/review/me/assignments", headers=me)
        answers.append(mine)
        assigned = [i["entry"]["submission_id"] for i in mine.json()]
        assert assigned, name
        for sid in [w.sid for w in WORKS]:
            answers.append(await review_api.get(f"/api/review/rounds/{rid}/entries/{sid}", headers=me))
            answers.append(
                await review_api.put(
                    f"/api/review/rounds/{rid}/entries/{sid}/sheet",
                    json={"sheet": {"ideology": "80"}},
                    headers=me,
                )
            )  # assigned: saved; not assigned or in conflict: refused, and the refusal is blind too
        answers.append(await review_api.get(f"/api/review/rounds/{rid}/entries/SNOSUCH", headers=me))
        # the pages, signed in by the token link
        async with httpx.AsyncClient(base_url=str(review_api.base_url), timeout=30) as browser:
            login = await browser.get("/review/login", params={"token": token})
            assert login.status_code in (200, 303), login.text
            answers.append(await browser.get("/review/"))
            for sid in [w.sid for w in WORKS]:
                answers.append(await browser.get(f"/review/rounds/{rid}/entries/{sid}"))
        for answer in answers:
            assert_blind(answer)
            seen += 1
        assert any(a.status_code == 200 and assigned[0] in a.text for a in answers)  # it did show the work
    assert seen > 40
    # The chair's own table is not blind: the same scan would fail there, so the scan can fail.
    table = await review_api.get(f"/api/review/rounds/{rid}/table", headers=bearer(tokens["金老师"]))
    assert any(s in table.text for s in SECRETS)
