"""Liaoning's notice (seed 004) run end to end on the whole system, from its preset as it stands: entries
registered and uploaded, checked against the notice's own rules, transcoded, approved by their unit,
reviewed at every level the notice names, and what qualifies delivered to every platform it names (local
stand-ins). Yanbian's is tests/e2e/test_review_yanbian.py."""

from pathlib import Path

import httpx

from tests.conftest import eventually, import_tree
from tests.e2e.campaign_play import (
    CSV,
    approve_when_checked,
    clip,
    create_from_preset,
    delivered,
    enter,
    outcomes,
    run_level,
    stage,
    titles_by_channel,
)
from zhengji.standin import StandIn, serving

# 辽宁 (seed 004): the college's own panel chooses whom to send (择优推荐, no number), the
# province's experts choose the 示范微党课, shown on five platforms.
LIAONING_UNITS = """code,name,level,parent
21,辽宁省,province,
2101,沈阳市,city,21
210112,浑南区,county,2101
210112001,辽宁某职业技术学院,school,210112
"""
LIAONING_COLLEGE = """姓名,单位编码,单位名称,职称,角色
王书记,210112001,辽宁某职业技术学院党委,教授,组长
刘老师,210112001,辽宁某职业技术学院马克思主义学院,副教授,评审
陈老师,210112001,辽宁某职业技术学院组织部,副教授,评审
"""
LIAONING_PROVINCE = """姓名,单位编码,单位名称,职称,角色
赵组长,210000901,省委教育工委,研究员,组长
孙老师,210000902,辽宁大学,教授,评审
周老师,210000903,东北大学,教授,评审
"""
LIAONING_TARGETS = ["xuexi_qiangguo", "beidou_rongmei", "beiguo_app", "ln_edu_wechat", "ln_college_party"]


def liaoning_form(i: int, title: str) -> dict[str, str]:
    return {
        "title": title,
        "speaker_name": f"主讲人{i}",
        "speaker_unit": "辽宁某职业技术学院",
        "speaker_post": "党支部书记",
        "lesson_format": "教育讲座式",
        "unit": f"第{i}党支部",
        "contact_name": f"联系人{i}",
        "phone": f"1384000{i:04d}",
        "originality": "是",
    }


async def test_liaoning_micro_party_lessons_from_the_college_to_five_platforms(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = system
    await import_tree(api, LIAONING_UNITS)
    async with serving(StandIn()) as platform:
        urls = {key: platform.url(f"/{key}") for key in LIAONING_TARGETS}
        cid = await create_from_preset(api, "liaoning-micro-party-lesson-2023", urls)
        titles = ["锤炼党性 勇毅前行", "红色基因代代传", "青春心向党"]
        sids = []
        for i, title in enumerate(titles, start=1):
            work = (await clip(tmp_path / f"{i}.mp4", 300 + 50 * i)).read_bytes()
            sids.append(await enter(api, cid, liaoning_form(i, title), "210112001", work))
        await approve_when_checked(api, cid, sids)
        marks = dict(zip(sids, [94, 88, 75], strict=True))

        # The college's own staff review its own lessons (an internal round), and send two up.
        college = await run_level(
            api, cid, "college", LIAONING_COLLEGE.encode(), CSV, marks, {"recommend": sids[:2]}
        )
        assert [outcomes(college)[s][0] for s in sids] == ["recommended", "recommended", "not_recommended"]
        province = await run_level(
            api, cid, "province", LIAONING_PROVINCE.encode(), CSV, marks, {"awards": {sids[0]: "示范微党课"}}
        )
        assert set(province["decisions"]) == set(sids[:2])
        assert outcomes(province)[sids[0]][1] == "示范微党课" and outcomes(province)[sids[1]][1] is None

        await delivered(platform, len(LIAONING_TARGETS))
        assert titles_by_channel(platform) == {key: {titles[0]} for key in LIAONING_TARGETS}

        async def ended() -> bool:
            return [await stage(api, s) for s in sids] == ["published", "not_recommended", "not_recommended"]

        await eventually(ended, 60, "each lesson's stage")
    assert len(platform.received) == len(LIAONING_TARGETS)  # one copy per platform
