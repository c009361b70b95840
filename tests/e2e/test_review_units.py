"""Rounds per unit on the whole system (real broker, store, ffmpeg; decision 0031): 延吉市 and 图们市
each open, chair and finalise their own county round at the same time, each by its own unit admin
(an intake account, not an expert token); one county's admin is refused on the other's round; the
prefecture's admin opens the city round once both are final, and it takes what the counties sent up
plus a 州直 school's entry, which has no county and enters at the prefecture.

Yanbian's preset (county top 3 per county x group, then 50% 优秀资源奖 at the prefecture), with the
media rules eased as in ``test_review_yanbian.py``."""

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page

from tests.browser import browser, page, screenshot
from tests.conftest import client_as
from tests.e2e.campaign_play import bearer
from tests.e2e.yanbian_site import COUNTY_EXPERTS, prefecture_experts_xlsx, yanbian_entered
from zhengji.standin import StandIn, serving

__all__ = ["browser", "page"]  # the browser fixtures, for pytest

YANJI, TUMEN, YANBIAN = "222401", "222402", "2224"
UNITS = f"""code,name,level,parent
22,吉林省,province,
{YANBIAN},延边朝鲜族自治州,city,22
{YANJI},延吉市,county,{YANBIAN}
222401001,延吉市第一小学,school,{YANJI}
222401002,延吉市第二小学,school,{YANJI}
222401003,延吉市第三小学,school,{YANJI}
222401004,延吉市第四小学,school,{YANJI}
{TUMEN},图们市,county,{YANBIAN}
222402001,图们市实验小学,school,{TUMEN}
222490001,延边州第一小学,school,{YANBIAN}
"""
ENTRIES = [  # (school, title, every reviewer's mark)
    ("222401001", "杨靖宇将军的故事", 95),
    ("222401002", "龙井红色遗址寻访", 90),
    ("222401003", "老物件里的抗战史", 85),
    ("222401004", "英雄故事我来讲", 80),  # 4th of 延吉市: stays at the county
    ("222402001", "图们江畔的记忆", 70),
    ("222490001", "州直学校的红色记忆", 75),  # 州直: no county round, enters at the prefecture
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def import_experts(
    api: httpx.AsyncClient, cid: str, level: str, data: bytes, media_type: str
) -> list[str]:
    imported = await api.post(
        f"/api/review/campaigns/{cid}/levels/{level}/experts",
        content=data,
        headers={"content-type": media_type},
    )
    assert imported.status_code == 201, imported.text
    return [e["token"] for e in imported.json()["experts"]]


async def open_and_allow(chair: httpx.AsyncClient, cid: str, level: str) -> dict[str, Any]:
    """The unit admin opens their own unit's round (no unit named: their own) and, the replayed
    notice's window being past, allows late scoring (audited)."""
    opened = await chair.post(f"/api/review/campaigns/{cid}/rounds", json={"level": level})
    assert opened.status_code == 201, opened.text
    answer: dict[str, Any] = opened.json()
    assert answer["assignment"]["complete"], answer["assignment"]
    late = await chair.post(
        f"/api/review/rounds/{answer['round_id']}/late-scoring", json={"reason": "重放往年通知 / replaying"}
    )
    assert late.status_code == 201, late.text
    return answer


async def score_all(
    api: httpx.AsyncClient, cid: str, tokens: list[str], marks: Mapping[str, int]
) -> set[str]:
    """Every reviewer scores every entry on their list (across their level's rounds); the rounds."""
    rubric = [c["key"] for c in (await api.get(f"/api/review/campaigns/{cid}/plan")).json()["rubric"]]
    rounds = set()
    for token in tokens:
        for item in (await api.get("/api/review/me/assignments", headers=bearer(token))).json():
            rid, sid = item["round_id"], item["entry"]["submission_id"]
            sheet = dict.fromkeys(rubric, str(marks[sid]))
            put = await api.put(
                f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": sheet}, headers=bearer(token)
            )
            assert put.status_code == 200 and put.json()["status"] == "complete", put.text
            rounds.add(rid)
    return rounds


async def finalise(chair: httpx.AsyncClient, rid: str) -> dict[str, Any]:
    shown = (await chair.get(f"/api/review/rounds/{rid}/proposal")).json()
    assert shown["ready"], shown
    final = await chair.post(f"/api/review/rounds/{rid}/finalise", json={"proposal_id": shown["proposal_id"]})
    assert final.status_code == 200, final.text
    result: dict[str, Any] = final.json()
    return result


async def test_two_counties_run_their_own_rounds_concurrently_feeding_one_city_round(
    system: httpx.AsyncClient, tmp_path: Path, page: Page
) -> None:
    api, cid = system, "units-e2e"
    async with serving(StandIn()) as platform:
        works = [(s, "小学组", t) for s, t, _ in ENTRIES]
        sids = await yanbian_entered(api, cid, platform, UNITS, works, tmp_path)
        marks = {sids[title]: mark for _, title, mark in ENTRIES}
        county_tokens = await import_experts(api, cid, "county", COUNTY_EXPERTS.encode(), "text/csv")

        async with (
            client_as(api, "yanji-office", "unit_admin", YANJI) as yanji,
            client_as(api, "tumen-office", "unit_admin", TUMEN) as tumen,
            client_as(api, "yanbian-office", "unit_admin", YANBIAN) as prefecture,
        ):
            # Each county's 电教馆 opens its own county round, both at once.
            yanji_round, tumen_round = await asyncio.gather(
                open_and_allow(yanji, cid, "county"), open_and_allow(tumen, cid, "county")
            )
            assert (yanji_round["round_id"], yanji_round["unit_name"]) == (f"{cid}:county:{YANJI}", "延吉市")
            assert (tumen_round["entries"], yanji_round["entries"]) == (1, 4)

            # 图们市's admin can neither chair nor open 延吉市's round.
            foreign = await tumen.get(f"/api/review/rounds/{yanji_round['round_id']}/proposal")
            assert (
                foreign.status_code == 403
                and "无权主持延吉市的评审轮次" in foreign.json()["detail"]["message_zh"]
            )
            taken = await tumen.post(
                f"/api/review/campaigns/{cid}/rounds", json={"level": "county", "unit": YANJI}
            )
            assert taken.status_code == 403 and "本单位" in taken.json()["detail"]["message_zh"]
            # Nor revoke a 延吉市 expert's token from its own round: the level's pool is shared.
            listed = (await api.get(f"/api/review/campaigns/{cid}/levels/county/experts")).json()
            piao = next(e["reviewer_id"] for e in listed if e["name"] == "朴老师")
            own_round = tumen_round["round_id"]
            revoked = await tumen.post(f"/api/review/rounds/{own_round}/reviewers/{piao}/revoke")
            assert revoked.status_code == 404 and "本单位评审范围内" in revoked.json()["detail"]["message_zh"]
            assert (await api.get("/api/review/me", headers=bearer(county_tokens[1]))).status_code == 200

            # The prefecture cannot open while a county round is still being scored, and says which.
            early = await prefecture.post(f"/api/review/campaigns/{cid}/rounds", json={"level": "prefecture"})
            assert early.status_code == 409 and "图们市" in early.json()["detail"]["message_zh"], early.text

            assert await score_all(api, cid, county_tokens, marks) == {
                yanji_round["round_id"],
                tumen_round["round_id"],
            }
            done_yanji, done_tumen = await asyncio.gather(
                finalise(yanji, yanji_round["round_id"]), finalise(tumen, tumen_round["round_id"])
            )
            went_up = {
                s
                for d in (done_yanji, done_tumen)
                for s, v in d["decisions"].items()
                if v["outcome"] == "recommended"
            }
            assert went_up == {
                sids[t]
                for t in ("杨靖宇将军的故事", "龙井红色遗址寻访", "老物件里的抗战史", "图们江畔的记忆")
            }

            # The campaign admin sees every county's round final; a county's admin sees only its own.
            overall = (await api.get(f"/api/review/campaigns/{cid}/levels/county/rounds")).json()
            assert [(r["unit_name"], r["state"]) for r in overall["rounds"]] == [
                ("延吉市", "finalised"),
                ("图们市", "finalised"),
            ]
            plan = (await api.get(f"/api/review/campaigns/{cid}/plan")).json()
            assert [(lv["round_id"], lv["unit_rounds"]) for lv in plan["levels"]] == [(None, 2), (None, 0)]
            own = (await tumen.get(f"/api/review/campaigns/{cid}/levels/county/rounds")).json()
            assert [r["unit"] for r in own["rounds"]] == [TUMEN]

            # The chair's page answers the county's admin by their intake login too, and no other county's.
            chair_page = f"/review/chair/rounds/{yanji_round['round_id']}"
            assert (await tumen.get(chair_page)).status_code == 403
            # In a browser: 延吉市's office signs in at intake and lands on its own round's page.
            await page.goto(f"{str(api.base_url).rstrip('/')}/login?next={chair_page}")
            await page.fill("#username", "yanji-office")
            await page.fill("#password", "pw-yanji-office-2024")
            await page.click("#login-form button[type=submit]")
            await page.wait_for_url(f"**{chair_page}")
            await page.wait_for_selector("text=杨靖宇将军的故事")
            assert "（延吉市）" in await page.inner_text("h1")  # whose round it is
            await screenshot(page, "review-unit-round-chair")

            # The prefecture's admin chairs the city round: what the counties sent up, and the 州直 entry.
            city_tokens = await import_experts(api, cid, "prefecture", prefecture_experts_xlsx(), XLSX)
            city_round = await open_and_allow(prefecture, cid, "prefecture")
            assert city_round["round_id"] == f"{cid}:prefecture:{YANBIAN}"
            await score_all(api, cid, city_tokens, marks)
            city = await finalise(prefecture, city_round["round_id"])
            assert set(city["decisions"]) == went_up | {sids["州直学校的红色记忆"]}
            awarded = {s for s, d in city["decisions"].items() if d["tier"] == "优秀资源奖"}
            assert awarded == {sids["杨靖宇将军的故事"], sids["龙井红色遗址寻访"]}  # 5 in 小学组: 50% -> 2

            # Who did what is audited under the unit admins' own accounts.
            audit = (await api.get(f"/api/review/rounds/{yanji_round['round_id']}/audit")).json()
            assert {(a["action"], a["who"]["name"]) for a in audit} >= {
                ("round.opened", "yanji-office"),
                ("round.finalised", "yanji-office"),
            }
