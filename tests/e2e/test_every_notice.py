"""Each notice but Yanbian's (test_review_yanbian.py) run end to end on the whole system, from its
preset as it stands: entries registered and uploaded, checked against the notice's own rules,
transcoded, approved by their unit, reviewed at every level the notice names, and the works that
qualify delivered to every platform the notice names (local stand-ins)."""

import io
from pathlib import Path

import httpx
from openpyxl import load_workbook

from services.common.mediaproc import run
from tests.conftest import eventually, import_tree
from tests.e2e.campaign_play import (
    approve_when_checked,
    clip,
    create_from_preset,
    enter,
    outcomes,
    run_level,
    stage,
)
from zhengji.demo import tus_upload
from zhengji.standin import StandIn, serving

CSV = "text/csv"


async def delivered(platform: StandIn, count: int) -> None:
    async def enough() -> bool:
        return len(platform.received) >= count

    await eventually(enough, 120, f"{count} deliveries at the stand-in platforms")


def titles_by_channel(platform: StandIn) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for item in platform.received:
        out.setdefault(item["channel"], set()).add(item["body"]["metadata"]["title"])
    return out


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


# 湖南/岳阳 (seed 003): counties send at least their quota per section (每类资源不少于), the city awards
# 3:3:4 with at most 80% of entries and recommends to the province's selection, which receives the
# recommendation table's fields. Files are named by their title, uploaded resumably (tus).
HUNAN_UNITS = """code,name,level,parent
43,湖南省,province,
4306,岳阳市,city,43
430602,岳阳楼区,county,4306
430603,云溪区,county,4306
430602001,岳阳楼区第一中学,school,430602
430602002,岳阳楼区实验小学,school,430602
430603001,云溪区第一中学,school,430603
"""
HUNAN_EXPERTS = """姓名,单位编码,单位名称,职称,专长,角色
周组长,430600001,岳阳市教育科学研究院,正高级教师,德育,组长
吴老师,430600002,岳阳市电化教育馆,高级教师,劳动教育,评审
郑老师,430600003,岳阳市第一中学,高级教师,课后服务,评审
"""
# (school, 版块, 栏目, title, mark)
HUNAN_WORKS = [
    ("430602001", "德育", "党史学习", "岳阳楼记里的家国情怀", 95),
    ("430602002", "德育", "爱国主义", "洞庭湖畔的红色印记", 90),
    ("430602001", "劳动教育", "劳动光荣", "稻田里的劳动课", 85),
    ("430603001", "德育", "宪法法治", "宪法伴我成长", 80),
    ("430603001", "课后服务", "科普教育", "长江江豚保护", 60),
]


def hunan_form(i: int, section: str, column: str, title: str) -> dict[str, str]:
    return {
        "title": title,
        "producer": "岳阳市电化教育馆",
        "category": section,
        "subcolumn": column,
        "copyright_holder": "岳阳市教育体育局",
        "format": "视频",
        "summary": "专题资源",
        "unit": "岳阳市教育体育局",
        "contact_name": f"联系人{i}",
        "phone": f"0730-88{i:05d}",
    }


async def test_hunan_resources_from_county_quotas_to_city_awards_and_the_provincial_selection(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = system
    await import_tree(api, HUNAN_UNITS)
    async with serving(StandIn()) as platform:
        urls = {"hunan_provincial_selection": platform.url("/hunan")}
        cid = await create_from_preset(api, "hunan-smart-edu-2022", urls)
        sids = []
        for i, (school, section, column, title, _) in enumerate(HUNAN_WORKS, start=1):
            reg = await api.post(
                f"/api/campaigns/{cid}/entries",
                json={"form": hunan_form(i, section, column, title), "unit_code": school},
            )
            assert reg.status_code == 201, reg.text
            sid = reg.json()["submission_id"]
            media = await clip(tmp_path / f"{title}.mp4", 300 + 50 * i)
            await tus_upload(api, media, submission_id=sid, filename=media.name, filetype="video/mp4")
            sids.append(sid)
        await approve_when_checked(api, cid, sids)
        marks = {sid: work[-1] for sid, work in zip(sids, HUNAN_WORKS, strict=True)}

        # Every county has fewer than its floor in each section: all of them go up.
        county = await run_level(api, cid, "county", HUNAN_EXPERTS.encode(), CSV, marks)
        assert {d[0] for d in outcomes(county).values()} == {"recommended"}
        city = await run_level(api, cid, "city", HUNAN_EXPERTS.encode(), CSV, marks)
        decided = outcomes(city)
        assert {d[0] for d in decided.values()} == {"recommended"}  # 60 wanted, 5 entries
        # At most 80% of each section's entries: 德育 3 -> 2 awarded, 1-entry sections -> 0. 3:3:4 of
        # 2 by largest remainder (0.6, 0.6, 0.8): 三等奖 first, then the tie goes to the higher tier.
        tiers = [decided[s][1] for s in sids]
        assert tiers == ["一等奖", "三等奖", None, None, None]
        assert any("德育 至少应推荐 10 件，但仅有 3 件" in w["message_zh"] for w in city["warnings"])

        await delivered(platform, len(sids))
        sent = {item["body"]["metadata"]["title"]: item["body"]["metadata"] for item in platform.received}
        assert set(sent) == {work[3] for work in HUNAN_WORKS}
        first = sent["岳阳楼记里的家国情怀"]
        assert (first["category"], first["subcolumn"], first["unit_name"]) == (
            "德育",
            "党史学习",
            "岳阳楼区第一中学",
        )
        assert "phone" not in first and "contact_name" not in first
    assert len(platform.received) == len(sids)


# 山西/朔州 (seed 001): ten series, each its own kind of work and its own quotas and prizes. A 慕课
# video, a 强国问答 quiz set and an 优质音频 work: the city recommends each series' best up to its
# quota (shown on the Shanxi platform), the province awards fixed counts per series (national one).
SHANXI_UNITS = """code,name,level,parent
14,山西省,province,
1406,朔州市,city,14
140602,朔城区,county,1406
140603,平鲁区,county,1406
140602001,朔城区委宣传部,school,140602
140603001,平鲁区委宣传部,school,140603
"""
SHANXI_CITY = """姓名,单位编码,单位名称,职称,角色
郭组长,140600001,朔州市委宣传部,高级编辑,组长
任老师,140600002,朔州日报社,主任编辑,评审
高老师,140600003,朔州广播电视台,主任编辑,评审
"""
SHANXI_PROVINCE = """姓名,单位编码,单位名称,职称,角色
杨组长,140000001,山西省委宣传部,高级编辑,组长
段老师,140000002,山西日报社,高级编辑,评审
冯老师,140000003,山西广播电视台,高级编辑,评审
"""
QUIZ = (
    "题目,题干,选项,标准答案,出题单位,推荐单位\n"
    "党史1,中共一大在哪里召开？,A.上海 B.北京,A,朔城区委宣传部,朔州市委宣传部\n"
    "党史2,遵义会议在哪一年召开？,A.1934年 B.1935年,B,朔城区委宣传部,朔州市委宣传部\n"
)


async def audio(out: Path) -> Path:
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "sine=frequency=523:sample_rate=48000:duration=3",
        "-c:a", "aac", "-b:a", "128k", str(out),
    ]  # fmt: skip
    done = await run(argv, 60)
    assert done.returncode == 0, done.stderr
    return out


def shanxi_form(i: int, series: str, title: str) -> dict[str, str]:
    return {
        "series": series,
        "title": title,
        "author_name": f"作者{i}",
        "phone": f"1350349{i:04d}",
        "copyright_holder": "作者本人",
        "occupation": "教师",
        "work_unit": "朔州市第一中学",
        "producer": "朔城区融媒体中心",
        "recommender": "朔州市委宣传部",
        "published_on": "2019年6月",
        "published_media": "朔州日报",
    }


async def test_shanxi_series_from_city_recommendation_to_provincial_prizes_on_both_platforms(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = system
    await import_tree(api, SHANXI_UNITS)
    async with serving(StandIn()) as platform:
        urls = {"xuexi_shanxi": platform.url("/shanxi"), "xuexi_national": platform.url("/national")}
        cid = await create_from_preset(api, "shanxi-xuexi-2019", urls)
        video = (await clip(tmp_path / "m.mp4", 440)).read_bytes()
        sound = (await audio(tmp_path / "a.m4a")).read_bytes()
        works = [
            ("140602001", "优质慕课", "马邑古城的故事", video, "video/mp4"),
            ("140603001", "强国问答", "党史知识问答", QUIZ.encode(), "text/csv"),
            ("140602001", "优质音频作品", "桑干河畔的歌声", sound, "audio/mp4"),
        ]
        sids = []
        for i, (unit, series, title, data, media_type) in enumerate(works, start=1):
            sids.append(await enter(api, cid, shanxi_form(i, series, title), unit, data, media_type))
        await approve_when_checked(api, cid, sids)
        marks = dict(zip(sids, [91, 87, 83], strict=True))

        city = await run_level(api, cid, "city", SHANXI_CITY.encode(), CSV, marks)
        assert {d[0] for d in outcomes(city).values()} == {"recommended"}  # 50 (quiz: 1000) per series
        province = await run_level(api, cid, "province", SHANXI_PROVINCE.encode(), CSV, marks)
        assert {d[1] for d in outcomes(province).values()} == {"特等奖"}  # each series' best

        await delivered(platform, 2 * len(works))
        titles = {title for _, _, title, _, _ in works}
        assert titles_by_channel(platform) == {"shanxi": titles, "national": titles}
        # Every platform gets the work itself: the video's master, the quiz set and the audio as sent.
        async with httpx.AsyncClient() as fetch:
            for item in platform.received:
                media = await fetch.get(item["body"]["media"]["master"])
                assert media.status_code == 200 and media.content
            quiz = next(i for i in platform.received if i["body"]["metadata"]["title"] == "党史知识问答")
            assert (await fetch.get(quiz["body"]["media"]["master"])).content == QUIZ.encode()

        # The public showcase plays the video and the audio, and links to the quiz set.
        async def showcased() -> str | None:
            page = (await api.get(f"/showcase/{cid}")).text
            return page if page.count('class="work"') == len(works) else None

        page = await eventually(showcased, 30, "three works on the showcase")
        assert page.count("<video") == 1 and page.count("<audio") == 1 and page.count("查看作品文件") == 1
    assert len(platform.received) == 2 * len(works)
