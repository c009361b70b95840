"""An admin changes a campaign until it opens, and is told precisely what is wrong with a bad one."""

from datetime import timedelta

import httpx

from contracts.calendar import campaign_today
from services.intake.presets import MAX_DEFINITION_BYTES
from tests.integration.intake.conftest import register, tiny_campaign_yaml

LATER = {
    "starts": str(campaign_today() + timedelta(days=10)),
    "ends": str(campaign_today() + timedelta(days=40)),
}


async def test_a_campaign_changes_until_it_opens_and_then_stays_fixed(admin: httpx.AsyncClient) -> None:
    made = await admin.post(
        "/api/campaigns", json={"definition_yaml": tiny_campaign_yaml("later", upload_window=LATER)}
    )
    assert made.status_code == 201, made.text
    changed = tiny_campaign_yaml("later", upload_window=LATER, title="第二版征集通知")
    r = await admin.put("/api/campaigns/later", json={"definition_yaml": changed})
    assert r.status_code == 200, r.text
    assert (await admin.get("/api/campaigns/later")).json()["title"] == "第二版征集通知"

    # Once it is open (today inside its window), its definition is fixed.
    opened = tiny_campaign_yaml("open-now")
    assert (await admin.post("/api/campaigns", json={"definition_yaml": opened})).status_code == 201
    r = await admin.put(
        "/api/campaigns/open-now", json={"definition_yaml": tiny_campaign_yaml("open-now", title="改")}
    )
    assert r.status_code == 409 and "开放上传" in r.json()["detail"]["message_zh"]
    await register(admin, "open-now")
    assert (await admin.get("/api/campaigns/open-now")).json()["title"] != "改"


async def test_an_invalid_definition_says_what_is_wrong_and_changes_nothing(admin: httpx.AsyncClient) -> None:
    made = await admin.post(
        "/api/campaigns", json={"definition_yaml": tiny_campaign_yaml("later", upload_window=LATER)}
    )
    assert made.status_code == 201
    broken = tiny_campaign_yaml("later", upload_window=LATER, groups="not a list")
    r = await admin.put("/api/campaigns/later", json={"definition_yaml": broken})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["message_zh"] == "活动定义有误" and "groups" in detail["problems"]
    assert (await admin.get("/api/campaigns/later")).json()["title"] == made.json()["title"]
    unknown = await admin.put("/api/campaigns/nowhere", json={"preset": "yanbian-2024"})
    assert unknown.status_code == 404


async def test_a_definition_over_the_body_cap_is_refused_unread_and_changes_nothing(
    admin: httpx.AsyncClient,
) -> None:
    made = await admin.post(
        "/api/campaigns", json={"definition_yaml": tiny_campaign_yaml("later", upload_window=LATER)}
    )
    assert made.status_code == 201
    padded = tiny_campaign_yaml("later", upload_window=LATER, title="改") + "#" * MAX_DEFINITION_BYTES
    for method, url, text in (
        ("POST", "/api/campaigns", padded.replace("later", "big")),
        ("PUT", "/api/campaigns/later", padded),
    ):
        refused = await admin.request(method, url, json={"definition_yaml": text})
        assert refused.status_code == 413, refused.text
        assert refused.json()["detail"]["message_zh"].startswith("请求内容过大")
    assert (await admin.get("/api/campaigns/big")).status_code == 404
    assert (await admin.get("/api/campaigns/later")).json()["title"] == made.json()["title"]


async def test_unreadable_yaml_is_named_as_such_on_every_road(admin: httpx.AsyncClient) -> None:
    """A posted YAML is hostile: an alias bomb or deep nesting is refused unread (not a 500, not
    seconds of work), and a syntax error in an edit is said as one, not as a definition missing all."""
    made = await admin.post(
        "/api/campaigns", json={"definition_yaml": tiny_campaign_yaml("later", upload_window=LATER)}
    )
    assert made.status_code == 201
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    bomb, deep = "\n".join(levels) + "\n", "id: " + "[" * 5000 + "]" * 5000 + "\n"
    created = await admin.post("/api/campaigns", json={"definition_yaml": bomb})
    assert (
        created.status_code == 422
        and "(yaml): YAML 展开别名后超过 50000 个节点" in created.json()["detail"]["problems"]
    )
    replaced = await admin.put("/api/campaigns/later", json={"definition_yaml": deep})
    assert (
        replaced.status_code == 422 and "(yaml): YAML 嵌套超过 64 层" in replaced.json()["detail"]["problems"]
    )
    checked = await admin.post("/api/campaigns/lint", json={"definition_yaml": bomb})
    assert checked.status_code == 200 and checked.json()["definition"] is None
    assert [p["path"] for p in checked.json()["problems"]] == ["(yaml)"]
    for text, said in ((deep, "YAML 嵌套超过 64 层"), ("title: [unclosed\n", "YAML 语法错误")):
        planned = await admin.post("/api/campaigns/later/plan", json={"definition_yaml": text})
        assert planned.status_code == 422, planned.text
        (problem,) = planned.json()["detail"]["problems"]
        assert problem.startswith(f"(yaml): [错误 error] {said}")
    assert (await admin.get("/api/campaigns/later")).json()["title"] == made.json()["title"]
