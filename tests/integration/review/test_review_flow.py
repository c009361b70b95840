"""A campaign's review plan run through the API on the real broker and store: imported experts,
automatic assignment, blind rubric scoring with autosave, the chair's proposal, finalising with
``reviewed`` events, the next level with lineage, the audit log, 公示 with appeals, and exports."""

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from openpyxl import load_workbook

from contracts import TOPICS, SubmissionReviewed
from contracts.campaign import Campaign
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.conftest import eventually
from tests.integration.review.feed import (
    TUMEN,
    YANJI,
    Work,
    bearer,
    feed,
    import_experts,
    score_everything,
    until_ready,
)

EXPERTS = """姓名,单位编码,单位名称,职称,专长,角色
金老师,222400001,延边州电化教育馆,正高级教师,英雄故事,组长
朴老师,222401900,延吉市教师进修学校,高级教师,英雄故事,评审
李老师,222402900,图们市教师进修学校,高级教师,历史文物,评审
崔老师,222403900,敦化市教师进修学校,一级教师,革命遗址,评审
"""
WORKS = [
    Work("SY1", "杨靖宇的故事", YANJI, 1),
    Work("SY2", "龙井红色遗址", YANJI, 2),
    Work("SY3", "老物件里的历史", YANJI, 3),
    Work("SY4", "英雄故事我来讲", YANJI, 4),
    Work("ST1", "图们江畔的记忆", TUMEN, 1),
    Work("ST2", "红色歌曲唱响校园", TUMEN, 2),
    Work("SM1", "革命先烈的足迹", YANJI, 5, group="中学组"),
]
UNAPPROVED = Work("SU1", "尚未审核的作品", YANJI, 6, approved=False)  # its unit has not approved it
MARKS = {"SY1": 95, "SY2": 90, "SY3": 85, "SY4": 80, "ST1": 70, "ST2": 60, "SM1": 75}
CONTACT = "appellant@example.cn"  # an appeal leaves one for the chair's answer


def yanbian(cid: str, **changes: Any) -> Campaign:
    return load_preset("yanbian-2024").model_copy(update={"id": cid, **changes})


async def read_reviewed(bootstrap: str, campaign_id: str, count: int) -> list[SubmissionReviewed]:
    consumer = AIOKafkaConsumer(
        TOPICS["reviewed"],
        bootstrap_servers=bootstrap,
        group_id=f"test-{campaign_id}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[SubmissionReviewed] = []
    try:

        async def more() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                events = [SubmissionReviewed.model_validate_json(r.value) for r in records if r.value]
                found.extend(e for e in events if e.campaign_id == campaign_id)
            return len(found) >= count

        await eventually(more, 60, f"{count} reviewed events")
        return found
    finally:
        await consumer.stop()


async def test_county_then_prefecture_with_lineage_events_and_audit(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = yanbian("yanbian-flow")
    await feed(settings.kafka_bootstrap_servers, campaign, [UNAPPROVED, *WORKS])
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(review_api, campaign.id, "county", EXPERTS)
    chair = bearer(tokens["金老师"])

    opened = await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["pools"] == {f"{YANJI}/小学组": 4, f"{TUMEN}/小学组": 2, f"{YANJI}/中学组": 1}  # not SU1
    assert body["assignment"]["complete"] and sorted(body["assignment"]["loads"].values()) == [5, 5, 5, 6]
    rid = body["round_id"]

    assert await score_everything(review_api, rid, tokens, MARKS) == 21
    progress = (await review_api.get(f"/api/review/rounds/{rid}/progress", headers=chair)).json()
    assert {r["name"]: r["complete"] == r["assigned"] for r in progress["reviewers"]} == dict.fromkeys(
        ["金老师", "朴老师", "李老师", "崔老师"], True
    )
    shown = (await review_api.get(f"/api/review/rounds/{rid}/proposal", headers=chair)).json()
    assert shown["ready"] and not shown["missing"]
    assert {sid for sid, d in shown["decisions"].items() if d["outcome"] == "recommended"} == {
        "SY1", "SY2", "SY3", "ST1", "ST2", "SM1",
    }  # fmt: skip
    assert shown["decisions"]["SY4"] == {
        "outcome": "not_recommended", "tier": None, "rank": 4, "score": "80.00", "pool": f"{YANJI}/小学组",
    }  # fmt: skip
    done = await review_api.post(
        f"/api/review/rounds/{rid}/finalise", json={"proposal_id": shown["proposal_id"]}, headers=chair
    )
    assert done.status_code == 200, done.text
    events = await read_reviewed(settings.kafka_bootstrap_servers, campaign.id, len(WORKS))
    assert {e.submission_id: (e.level, e.outcome, e.rank, e.score) for e in events}["SY1"] == (
        "county",
        "recommended",
        1,
        95.0,
    )
    assert {e.outcome for e in events if e.submission_id == "SY4"} == {"not_recommended"}

    # The next level takes what the county recommended, with its county result kept (lineage).
    tokens2 = await import_experts(review_api, campaign.id, "prefecture", EXPERTS)
    opened = await review_api.post(
        f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "prefecture"}
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["entries"] == 6 and opened.json()["pools"] == {"小学组": 5, "中学组": 1}
    rid2 = opened.json()["round_id"]
    await score_everything(review_api, rid2, tokens2, MARKS)
    panels = (await review_api.get(f"/api/review/campaigns/{campaign.id}/progress")).json()
    assert {(p["round_id"], p["pool"]): p["entries"] for p in panels} == {
        (rid, f"{YANJI}/小学组"): 4, (rid, f"{TUMEN}/小学组"): 2, (rid, f"{YANJI}/中学组"): 1,
        (rid2, "小学组"): 5, (rid2, "中学组"): 1,
    }  # fmt: skip
    assert all(p["scores_in"] == p["scores_due"] == p["entries_done"] * 3 for p in panels), panels
    assert "延吉市/小学组" in {p["panel"].split(" · ")[-1] for p in panels}  # unit codes named
    table = (
        await review_api.get(f"/api/review/rounds/{rid2}/table", headers=bearer(tokens2["金老师"]))
    ).json()
    sy1 = next(e for e in table["entries"] if e["submission_id"] == "SY1")
    assert sy1["earlier"]["county"]["rank"] == 1 and sy1["earlier"]["county"]["score"] == 95.0
    assert sy1["unit_name"] == "延吉市第1小学"  # the chair is not blind
    final = await review_api.post(f"/api/review/rounds/{rid2}/finalise", headers=bearer(tokens2["金老师"]))
    assert final.status_code == 200, final.text
    decisions = final.json()["decisions"]
    # 小学组 5 entries x 50% -> 2 优秀资源奖; the lone 中学组 entry: floor(1 x 0.5) = 0
    assert {sid for sid, d in decisions.items() if d["tier"] == "优秀资源奖"} == {"SY1", "SY2"}

    audit = (await review_api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
    actions = [a["action"] for a in audit]
    assert actions[:2] == ["round.opened", "round.assigned"] and actions[-1] == "round.finalised"
    assert actions.count("score.saved") == 21
    saved = next(a for a in audit if a["action"] == "score.saved")
    assert (
        saved["who"]["role"] in ("reviewer", "chair")
        and saved["what"]["status"] == "complete"
        and saved["at"]
    )
    assert audit[-1]["who"]["name"] == "金老师"


async def test_autosave_keeps_drafts_and_is_idempotent(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = yanbian("yanbian-autosave")
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS[:3])
    await until_ready(review_api, campaign.id, 3)
    tokens = await import_experts(review_api, campaign.id, "county", EXPERTS)
    rid = (
        await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    ).json()["round_id"]
    me = bearer(tokens["朴老师"])
    sid = (await review_api.get("/api/review/me/assignments", headers=me)).json()[0]["entry"]["submission_id"]
    url = f"/api/review/rounds/{rid}/entries/{sid}/sheet"
    draft = await review_api.put(url, json={"sheet": {"ideology": "88"}, "comment": "思想性好"}, headers=me)
    assert draft.json()["status"] == "draft" and draft.json()["total"] is None
    full = {"ideology": "88", "science": "80", "artistry": "80", "technique": "90"}
    for _ in range(2):  # the same sheet twice: one change
        again = await review_api.put(url, json={"sheet": full, "comment": "思想性好"}, headers=me)
        assert again.json()["status"] == "complete" and again.json()["total"] == "84.40"
    chair = bearer(tokens["金老师"])
    audit = (await review_api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
    assert [a["what"]["status"] for a in audit if a["action"] == "score.saved"] == ["draft", "complete"]
    table = (await review_api.get(f"/api/review/rounds/{rid}/table", headers=chair)).json()
    assert len(table["missing"]) == 3 * 3 - 1  # a draft does not count; the complete sheet does


async def test_public_notice_appeals_then_final_freeze(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    base = load_preset("yanbian-2024")
    level = base.review_levels[1].model_copy(update={"public_notice_days": 5})
    campaign = yanbian("yanbian-notice", review_levels=[level])
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS[:4])
    await until_ready(review_api, campaign.id, 4)
    tokens = await import_experts(review_api, campaign.id, "prefecture", EXPERTS)
    chair = bearer(tokens["金老师"])
    rid = (
        await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "prefecture"})
    ).json()["round_id"]
    await score_everything(review_api, rid, tokens, MARKS)
    early = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert early.status_code == 409 and "公示" in early.json()["detail"]["message_zh"]

    started = await review_api.post(f"/api/review/rounds/{rid}/notice", headers=chair, json={})
    assert started.status_code == 200, started.text
    public = (await review_api.get(f"/api/review/rounds/{rid}/notice")).json()
    assert {e["submission_id"] for e in public["entries"]} == {"SY1", "SY2"}
    assert (public["total"], public["next_offset"]) == (2, None)
    first = (await review_api.get(f"/api/review/rounds/{rid}/notice?limit=1")).json()
    second = (await review_api.get(f"/api/review/rounds/{rid}/notice?offset=1&limit=1")).json()
    assert [len(first["entries"]), first["next_offset"], second["next_offset"]] == [1, 1, None]
    assert first["entries"] + second["entries"] == public["entries"]  # a page at a time, in order
    body = {"submission_id": "SY3", "reason": "评分有误", "contact": CONTACT}
    lodged = await review_api.post(f"/api/review/rounds/{rid}/appeals", json=body)
    assert lodged.status_code == 201, lodged.text
    frozen = await review_api.put(
        f"/api/review/rounds/{rid}/entries/SY3/sheet", json={"sheet": {"ideology": "99"}}, headers=chair
    )
    assert frozen.status_code in (403, 409)  # no scoring while the notice runs
    upheld = await review_api.post(
        f"/api/review/rounds/{rid}/appeals/{lodged.json()['appeal_id']}/resolve",
        json={"upheld": True, "note": "复核"},
        headers=chair,
    )
    assert upheld.json()["round_state"] == "open"

    # Rescored, a second notice that ends almost at once, an appeal dismissed, then the freeze.
    await score_everything(review_api, rid, tokens, {**MARKS, "SY3": 99})
    ends = datetime.now(UTC) + timedelta(seconds=2)
    again = await review_api.post(
        f"/api/review/rounds/{rid}/notice", headers=chair, json={"ends_at": ends.isoformat()}
    )
    assert again.status_code == 200, again.text
    second = await review_api.post(
        f"/api/review/rounds/{rid}/appeals", json={"submission_id": "SY4", "reason": "?", "contact": CONTACT}
    )
    blocked = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert blocked.status_code == 409
    await review_api.post(
        f"/api/review/rounds/{rid}/appeals/{second.json()['appeal_id']}/resolve",
        json={"upheld": False},
        headers=chair,
    )

    async def frozen_now() -> dict[str, Any] | None:
        r = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
        assert r.status_code in (200, 409), r.text
        return r.json() if r.status_code == 200 else None

    final = await eventually(frozen_now, 30, "the notice to end")
    assert {sid for sid, d in final["decisions"].items() if d["tier"]} == {"SY3", "SY1"}
    audit = [
        a["action"] for a in (await review_api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
    ]
    for action in ("notice.started", "appeal.lodged", "appeal.upheld", "appeal.dismissed", "round.finalised"):
        assert action in audit


async def test_exports_as_xlsx(review_api: httpx.AsyncClient, settings: Settings) -> None:
    campaign = yanbian("yanbian-exports", review_levels=[load_preset("yanbian-2024").review_levels[1]])
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS[:4])
    await until_ready(review_api, campaign.id, 4)
    tokens = await import_experts(review_api, campaign.id, "prefecture", EXPERTS)
    chair = bearer(tokens["金老师"])
    rid = (
        await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "prefecture"})
    ).json()["round_id"]
    await score_everything(review_api, rid, tokens, MARKS)
    got = await review_api.get(f"/api/review/rounds/{rid}/exports/awards.xlsx", headers=chair)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert [(r[3], r[9]) for r in rows] == [
        ("杨靖宇的故事", "优秀资源奖"),
        ("龙井红色遗址", "优秀资源奖"),
        ("老物件里的历史", None),
        ("英雄故事我来讲", None),
    ]
    units = await review_api.get(f"/api/review/rounds/{rid}/exports/units.xlsx", headers=chair)
    assert units.status_code == 200
    none = await review_api.get(f"/api/review/rounds/{rid}/exports/remuneration.xlsx", headers=chair)
    assert none.status_code == 404 and "奖补" in none.json()["detail"]["message_zh"]
    reviewer = await review_api.get(
        f"/api/review/rounds/{rid}/exports/awards.xlsx", headers=bearer(tokens["朴老师"])
    )
    assert reviewer.status_code == 403  # exports name units: chair only
