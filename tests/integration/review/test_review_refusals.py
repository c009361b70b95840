"""Bad input, one test each: every refusal says why (Chinese and English) and harms nothing stored."""

from typing import Any

import httpx

from contracts.campaign import Outcome
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.integration.review.feed import TUMEN, YANJI, Work, bearer, feed, import_experts, until_ready

EXPERTS = """姓名,单位编码,角色
金老师,222400001,组长
朴老师,222401900,评审
李老师,222402900,评审
崔老师,222403900,评审
"""
WORKS = [Work("SA", "作品甲", YANJI, 1), Work("SB", "作品乙", YANJI, 2), Work("SC", "作品丙", TUMEN, 1)]
FULL = {"ideology": "90", "science": "90", "artistry": "90", "technique": "90"}


async def county_round(
    api: httpx.AsyncClient, settings: Settings, cid: str, **changes: Any
) -> tuple[str, dict[str, str]]:
    campaign = load_preset("yanbian-2024").model_copy(update={"id": cid, **changes})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(api, cid, len(WORKS))
    tokens = await import_experts(api, cid, campaign.review_levels[0].key, EXPERTS)
    opened = await api.post(
        f"/api/review/campaigns/{cid}/rounds", json={"level": campaign.review_levels[0].key}
    )
    assert opened.status_code == 201, opened.text
    return opened.json()["round_id"], tokens


async def assigned_to(api: httpx.AsyncClient, token: str) -> list[str]:
    return [
        i["entry"]["submission_id"]
        for i in (await api.get("/api/review/me/assignments", headers=bearer(token))).json()
    ]


async def test_a_score_out_of_range_is_refused_and_nothing_is_stored(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    rid, tokens = await county_round(review_api, settings, "bad-range")
    me = bearer(tokens["朴老师"])
    sid = (await assigned_to(review_api, tokens["朴老师"]))[0]
    url = f"/api/review/rounds/{rid}/entries/{sid}/sheet"
    assert (await review_api.put(url, json={"sheet": {"ideology": "80"}}, headers=me)).status_code == 200
    bad = await review_api.put(url, json={"sheet": {**FULL, "science": "101", "artistry": "-5"}}, headers=me)
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert (
        "科学性" in detail["message_zh"]
        and "艺术性" in detail["message_zh"]
        and "0–100" in detail["message_zh"]
    )
    kept = (await review_api.get(f"/api/review/rounds/{rid}/entries/{sid}", headers=me)).json()["sheet"]
    assert kept["values"] == {"ideology": "80"} and kept["status"] == "draft"


async def test_a_score_from_a_reviewer_not_assigned_or_in_conflict(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    experts = EXPERTS + "同校老师,222401001,评审\n"  # works at SA's own school
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "bad-who"})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(review_api, campaign.id, "county", experts)
    rid = (
        await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    ).json()["round_id"]
    colleague = bearer(tokens["同校老师"])
    assert "SA" not in await assigned_to(review_api, tokens["同校老师"])
    conflict = await review_api.put(
        f"/api/review/rounds/{rid}/entries/SA/sheet", json={"sheet": FULL}, headers=colleague
    )
    assert conflict.status_code == 403 and "回避" in conflict.json()["detail"]["message_zh"]
    assert "同一单位" not in conflict.text  # the refusal does not tell whose work it is
    holders = {name: await assigned_to(review_api, token) for name, token in tokens.items()}
    outsider = next(name for name, mine in holders.items() if "SB" not in mine and name != "同校老师")
    refused = await review_api.post(
        f"/api/review/rounds/{rid}/scores",
        json={"submission_id": "SB", "sheet": FULL},
        headers=bearer(tokens[outsider]),
    )
    assert refused.status_code == 403 and "未分配给您" in refused.json()["detail"]["message_zh"]
    anonymous = await review_api.put(f"/api/review/rounds/{rid}/entries/SB/sheet", json={"sheet": FULL})
    assert anonymous.status_code == 401
    # A conflict declared by an assigned reviewer takes the entry off their list for good.
    mine = bearer(tokens["朴老师"])
    sid = (await assigned_to(review_api, tokens["朴老师"]))[0]
    declared = await review_api.post(
        f"/api/review/rounds/{rid}/entries/{sid}/conflict", json={"reason": "亲属"}, headers=mine
    )
    assert declared.status_code == 204
    after = await review_api.put(
        f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": FULL}, headers=mine
    )
    assert after.status_code == 403


async def test_finalising_with_missing_scores_lists_them(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    rid, tokens = await county_round(review_api, settings, "bad-missing")
    me = bearer(tokens["朴老师"])
    mine = await assigned_to(review_api, tokens["朴老师"])
    for sid in mine:
        await review_api.put(
            f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": FULL}, headers=me
        )
    refused = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=bearer(tokens["金老师"]))
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    missing = {(m["submission_id"], m["reviewer_id"]) for m in detail["missing"]}
    assert len(missing) == 3 * 3 - len(mine) and "尚有" in detail["message_zh"]
    my_id = (await review_api.get("/api/review/me", headers=me)).json()["reviewer_id"]
    assert all(r != my_id for _, r in missing) and all(r is not None for _, r in missing)
    by_chair = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=me)
    assert by_chair.status_code == 403  # only the chair finalises


async def test_finalising_twice_is_refused(review_api: httpx.AsyncClient, settings: Settings) -> None:
    rid, tokens = await county_round(review_api, settings, "bad-twice")
    for token in tokens.values():
        for sid in await assigned_to(review_api, token):
            await review_api.put(
                f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": FULL}, headers=bearer(token)
            )
    chair = bearer(tokens["金老师"])
    first = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert first.status_code == 200, first.text
    second = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert second.status_code == 409 and "不能重复定稿" in second.json()["detail"]["message_zh"]
    late = await review_api.put(
        f"/api/review/rounds/{rid}/entries/SA/sheet", json={"sheet": FULL}, headers=chair
    )
    assert late.status_code in (403, 409)


async def test_an_award_scheme_that_cannot_be_met(review_api: httpx.AsyncClient, settings: Settings) -> None:
    # 2 to go up with at least 2 from each of two pools: 4 places needed, 2 allowed
    base = load_preset("yanbian-2024").review_levels[0]
    impossible = base.model_copy(
        update={"outcome": Outcome(recommend_total=2, min_per_group=2, pool_by=["unit"])}
    )
    rid, tokens = await county_round(
        review_api, settings, "bad-scheme", review_levels=[impossible], publication_targets=[]
    )
    for token in tokens.values():
        for sid in await assigned_to(review_api, token):
            await review_api.put(
                f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": FULL}, headers=bearer(token)
            )
    chair = bearer(tokens["金老师"])
    shown = await review_api.get(f"/api/review/rounds/{rid}/proposal", headers=chair)
    assert shown.status_code == 422 and "无法执行" in shown.json()["detail"]["message_zh"]
    refused = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert refused.status_code == 422
    state = (await review_api.get(f"/api/review/rounds/{rid}")).json()["state"]
    assert state == "open"


async def test_a_bad_expert_file_and_unpoolable_entries(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "bad-files"})
    stray = Work("SX", "无路径作品", "", 9)  # registered without a unit path
    await feed(settings.kafka_bootstrap_servers, campaign, [*WORKS, stray])
    await until_ready(review_api, campaign.id, len(WORKS) + 1)
    bad = await review_api.post(
        f"/api/review/campaigns/{campaign.id}/levels/county/experts",
        content="姓名,单位编码,角色\n甲,1,评审\n乙,,评审\n".encode(),
        headers={"content-type": "text/csv"},
    )
    assert bad.status_code == 422 and "第3行" in bad.json()["detail"]["message_zh"]
    assert (await review_api.get(f"/api/review/campaigns/{campaign.id}/levels/county/experts")).json() == []
    refused = await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    assert refused.status_code == 422
    assert [p["submission_id"] for p in refused.json()["detail"]["problems"]] == ["SX"]
    assert (await review_api.get(f"/api/review/rounds/{campaign.id}:county")).status_code == 404
    early = await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "prefecture"})
    assert early.status_code == 409 and "尚未定稿" in early.json()["detail"]["message_zh"]


async def test_too_few_reviewers_are_reported_by_pool_and_the_chair_fills_the_gap(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = load_preset("yanbian-2024").model_copy(update={"id": "short-pool"})
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(
        review_api,
        campaign.id,
        "county",
        "姓名,单位编码,角色\n金老师,222400001,组长\n朴老师,222401900,评审\n",
    )
    opened = (
        await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    ).json()
    report = opened["assignment"]
    assert not report["complete"]
    assert report["shortfalls"] == [
        {"pool": f"{YANJI}/小学组", "pool_label": "延吉市/小学组", "entries_short": 2, "reviews_missing": 2},
        {"pool": f"{TUMEN}/小学组", "pool_label": "图们市/小学组", "entries_short": 1, "reviews_missing": 1},
    ]
    assert "可用评审不足：“延吉市/小学组”有 2 件作品缺 2 人次" in report["message_zh"]
    more = await import_experts(
        review_api, campaign.id, "county", "姓名,单位编码\n李老师,222402900\n同校老师,222401001\n"
    )
    assert set(more) == {"李老师", "同校老师"}
    experts = {
        e["name"]: e["reviewer_id"]
        for e in (await review_api.get(f"/api/review/campaigns/{campaign.id}/levels/county/experts")).json()
    }
    chair = bearer(tokens["金老师"])
    url = f"/api/review/rounds/{opened['round_id']}/reassign"
    refused = await review_api.post(
        url, json={"submission_id": "SA", "new_reviewer": experts["同校老师"]}, headers=chair
    )
    assert (
        refused.status_code == 422 and "同一单位" in refused.json()["detail"]["message_zh"]
    )  # the chair may know why
    filled = await review_api.post(
        url, json={"submission_id": "SA", "new_reviewer": experts["李老师"]}, headers=chair
    )
    assert filled.status_code == 200 and len(filled.json()["reviewers"]) == 3
    by_reviewer = await review_api.post(
        url, json={"submission_id": "SB", "new_reviewer": experts["李老师"]}, headers=bearer(tokens["朴老师"])
    )
    assert by_reviewer.status_code == 403
