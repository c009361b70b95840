"""The Yanbian campaign through county and prefecture review to awards and publication, on the
whole system (real broker, store, ffmpeg): entries registered, uploaded, checked, transcoded and
approved by their unit; experts imported (CSV for the county panels, XLSX for the prefecture);
automatic assignment; blind rubric scores; the chair's proposal and freeze at each level; the
prefecture's 优秀资源奖 published to the stand-in platforms; the organising-unit table.

The media rules are Yanbian's but for the picture size and bit rate, so 2 s clips of 320x180 pass
and the test stays quick; every review rule is the preset's own."""

import io
from pathlib import Path

import httpx
from openpyxl import load_workbook

from tests.conftest import eventually
from tests.e2e.campaign_play import run_level
from tests.e2e.yanbian_site import (
    COUNTY_EXPERTS,
    UNITS,
    prefecture_experts_xlsx,
    yanbian_entered,
)
from zhengji.standin import StandIn, serving

# (school, group, title, mark every reviewer gives on every criterion)
ENTRIES = [
    ("222401001", "小学组", "杨靖宇将军的故事", 95),
    ("222401002", "小学组", "龙井红色遗址寻访", 90),
    ("222401003", "小学组", "老物件里的抗战史", 85),
    ("222401004", "小学组", "英雄故事我来讲", 80),  # 4th of Yanji's 小学组: stays at the county
    ("222401005", "中学组", "革命先烈的足迹", 88),
    ("222402001", "小学组", "图们江畔的记忆", 70),
    ("222402002", "小学组", "红色歌曲唱响校园", 60),
]


async def test_yanbian_county_and_prefecture_review_to_awards_and_publication(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    api, cid = system, "yanbian-review-e2e"
    async with serving(StandIn()) as platform:
        works = [(s, g, t) for s, g, t, _ in ENTRIES]
        sids = await yanbian_entered(api, cid, platform, UNITS, works, tmp_path)
        marks = {sids[title]: mark for _, _, title, mark in ENTRIES}

        # County: each county's own panel (评审范围), top 3 of each county x group go up.
        county = await run_level(api, cid, "county", COUNTY_EXPERTS.encode(), "text/csv", marks)
        went_up = {sid for sid, d in county["decisions"].items() if d["outcome"] == "recommended"}
        assert went_up == set(marks) - {sids["英雄故事我来讲"]}

        # Prefecture: what the counties sent, keeping their county results; 50% of each group awarded.
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        prefecture = await run_level(api, cid, "prefecture", prefecture_experts_xlsx(), xlsx, marks)
        assert set(prefecture["decisions"]) == went_up
        awarded = {sid for sid, d in prefecture["decisions"].items() if d["tier"] == "优秀资源奖"}
        assert awarded == {sids["杨靖宇将军的故事"], sids["龙井红色遗址寻访"]}  # 小学组 5 -> 2; 中学组 1 -> 0
        table = (
            await api.get(f"/api/review/rounds/{prefecture['round_id']}/table", headers=prefecture["chair"])
        ).json()
        lineage = {e["submission_id"]: e["earlier"]["county"]["rank"] for e in table["entries"]}
        assert lineage[sids["杨靖宇将军的故事"]] == 1 and lineage[sids["图们江畔的记忆"]] == 1

        # Publication: both platforms receive each awarded work, and intake shows it published.
        async def published() -> bool:
            return len(platform.received) >= 2 * len(awarded)

        await eventually(published, 120, "the awarded works on the stand-in platforms")
        assert {item["body"]["metadata"]["title"] for item in platform.received} == {
            "杨靖宇将军的故事",
            "龙井红色遗址寻访",
        }
        assert not any(f"1390433{i:04d}" in str(item["body"]) for item in platform.received for i in range(9))

        async def stages() -> bool:
            seen = {t: (await api.get(f"/api/submissions/{s}")).json()["stage"] for t, s in sids.items()}
            return bool(
                seen["杨靖宇将军的故事"] == "published" and seen["英雄故事我来讲"] == "not_recommended"
            )

        await eventually(stages, 60, "intake's status to follow review and publication")

    # The organising-unit table of the prefecture level: 优秀组织单位 are the county 电教馆 that organise
    # the campaign (各县市电教馆统一组织实施), ranked by awarded entries, not the schools.
    units = await api.get(
        f"/api/review/rounds/{prefecture['round_id']}/exports/units.xlsx", headers=prefecture["chair"]
    )
    assert units.status_code == 200
    sheet = load_workbook(io.BytesIO(units.content)).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert [(r[1], r[4], r[-1]) for r in rows[:2]] == [("延吉市", 2, 1), ("图们市", 0, "—")]
