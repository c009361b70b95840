"""Ganzhou's report (seed 002) run end to end on the whole system, from its preset as it stands: entries
registered and uploaded, checked against the notice's own rules, transcoded, approved by their unit,
reviewed at every level the notice names, and what qualifies delivered to every platform it names (local
stand-ins). Yanbian's is tests/e2e/test_review_yanbian.py."""

import io
from pathlib import Path

import httpx
from openpyxl import load_workbook

from tests.conftest import import_tree
from tests.e2e.campaign_play import (
    CSV,
    approve_when_checked,
    clip,
    create_from_preset,
    delivered,
    enter,
    outcomes,
    run_level,
    titles_by_channel,
)
from zhengji.standin import StandIn, serving

# 赣州 (seed 002): the city's expert panel (党建、影视、文艺、涉农, senior titles) scores the counties'
# courseware; the chair names the 优秀等次, paid 100 yuan a minute, offered to two platforms.
GANZHOU_UNITS = """code,name,level,parent
36,江西省,province,
3607,赣州市,city,36
360702,章贡区,county,3607
360730,宁都县,county,3607
360781,瑞金市,county,3607
360702001,章贡区委组织部,school,360702
360730001,宁都县委组织部,school,360730
360781001,瑞金市委组织部,school,360781
"""
GANZHOU_EXPERTS = """姓名,单位编码,单位名称,职称,专长,角色
钟组长,360700001,赣州市委组织部,正高级,党建,组长
刘老师,360700002,赣州市广播电视台,副高级,影视,评审
陈老师,360700003,赣州市文联,副高级,文艺,评审
"""
GANZHOU_TARGETS = ["central_platform", "jiangxi_platform"]


async def test_ganzhou_courseware_scored_by_the_city_panel_and_the_excellent_offered_to_two_platforms(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = system
    await import_tree(api, GANZHOU_UNITS)
    async with serving(StandIn()) as platform:
        urls = {key: platform.url(f"/{key}") for key in GANZHOU_TARGETS}
        cid = await create_from_preset(api, "ganzhou-party-courseware", urls)
        works = [("360781001", "红井水的故事"), ("360702001", "长征第一渡"), ("360730001", "宁都起义")]
        sids = []
        for i, (unit, title) in enumerate(works, start=1):
            form = {"title": title, "unit": unit, "contact_name": f"联系人{i}", "phone": f"1397970{i:04d}"}
            work = (await clip(tmp_path / f"{i}.mp4", 300 + 50 * i)).read_bytes()
            sids.append(await enter(api, cid, form, unit, work))
        await approve_when_checked(api, cid, sids)
        marks = dict(zip(sids, [93, 86, 71], strict=True))
        choices = {"awards": {sids[0]: "优秀等次", sids[1]: "优秀等次"}}
        expert = await run_level(api, cid, "expert", GANZHOU_EXPERTS.encode(), CSV, marks, choices)
        assert [outcomes(expert)[s][1] for s in sids] == ["优秀等次", "优秀等次", None]

        await delivered(platform, 2 * len(GANZHOU_TARGETS))
        assert titles_by_channel(platform) == {key: {works[0][1], works[1][1]} for key in GANZHOU_TARGETS}
        pay = await api.get(
            f"/api/review/rounds/{expert['round_id']}/exports/remuneration.xlsx", headers=expert["chair"]
        )
        assert pay.status_code == 200
        sheet = load_workbook(io.BytesIO(pay.content)).active
        assert sheet is not None
        rows = [r for r in sheet.iter_rows(min_row=3, values_only=True)]
        # 2 s each at 100 yuan a minute: 3.33 yuan, one row per excellent work and the total
        assert [(r[1], r[7]) for r in rows] == [(works[0][1], 3.33), (works[1][1], 3.33), (None, 6.66)]
    assert len(platform.received) == 2 * len(GANZHOU_TARGETS)
