"""Ganzhou's expert review: no rubric (one holistic score), 优秀等次 chosen by the panel chair, and
the remuneration report at 100 yuan per minute of excellent courseware."""

import io

import httpx
from openpyxl import load_workbook

from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.integration.review.feed import TUMEN, YANJI, Work, bearer, feed, import_experts, until_ready

EXPERTS = """姓名,单位编码,专长,角色
钟组长,360700001,党建,组长
刘老师,360700002,影视,评审
陈老师,360700003,文艺,评审
"""
WORKS = [
    Work("SG1", "红井水", YANJI, 1),
    Work("SG2", "长征第一渡", YANJI, 2),
    Work("SG3", "瑞金往事", TUMEN, 1),
]
MARKS = {"SG1": 92, "SG2": 85, "SG3": 78}


async def test_the_chair_chooses_the_excellent_works_and_they_are_paid_by_the_minute(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = load_preset("ganzhou-party-courseware").model_copy(update={"id": "ganzhou-it"})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(review_api, campaign.id, "expert", EXPERTS)
    opened = await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "expert"})
    rid = opened.json()["round_id"]
    for token in tokens.values():  # the older one-call form: one holistic score, no rubric
        for item in (await review_api.get("/api/review/me/assignments", headers=bearer(token))).json():
            sid = item["entry"]["submission_id"]
            r = await review_api.post(
                f"/api/review/rounds/{rid}/scores",
                json={"submission_id": sid, "score": MARKS[sid]},
                headers=bearer(token),
            )
            assert r.status_code == 204, r.text
    chair = bearer(tokens["钟组长"])
    shown = (await review_api.get(f"/api/review/rounds/{rid}/proposal", headers=chair)).json()
    assert not shown["ready"] and "优秀等次" in shown["pending"][0]["message_zh"]
    refused = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert refused.status_code == 409 and "优秀等次" in refused.json()["detail"]["message_zh"]

    wrong = await review_api.put(
        f"/api/review/rounds/{rid}/choices", json={"awards": {"SG1": "一等奖"}}, headers=chair
    )
    assert wrong.status_code == 422
    chosen = {"SG1": "优秀等次", "SG3": "优秀等次"}
    ok = await review_api.put(f"/api/review/rounds/{rid}/choices", json={"awards": chosen}, headers=chair)
    assert ok.status_code == 200, ok.text
    final = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert final.status_code == 200, final.text
    assert {sid: d["tier"] for sid, d in final.json()["decisions"].items()} == {
        "SG1": "优秀等次", "SG2": None, "SG3": "优秀等次",
    }  # fmt: skip

    pay = await review_api.get(f"/api/review/rounds/{rid}/exports/remuneration.xlsx", headers=chair)
    assert pay.status_code == 200
    sheet = load_workbook(io.BytesIO(pay.content)).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    # 305 s each: 5.08 min, 305 / 60 x 100 = 508.33 yuan
    assert [(r[1], r[4], r[5], r[7]) for r in rows[:-1]] == [
        ("红井水", "5:05", 5.08, 508.33),
        ("瑞金往事", "5:05", 5.08, 508.33),
    ]
    assert rows[-1][0] == "合计" and rows[-1][7] == 1016.66
