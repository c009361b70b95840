"""Shanxi's series notice as Shuozhou forwarded it (seed 001) run end to end on the whole system, from its
preset as it stands: entries registered and uploaded, checked against the notice's own rules,
transcoded, approved by their unit, reviewed at every level the notice names, and what qualifies
delivered to every platform it names (local stand-ins). Yanbian's is tests/e2e/test_review_yanbian.py."""

from pathlib import Path

import httpx

from services.media.process import run
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
    titles_by_channel,
)
from zhengji.demo import tus_upload
from zhengji.standin import StandIn, serving

# 山西/朔州 (seed 001): ten series, each its own kind of work and its own quotas and prizes. A 慕课
# video, a 强国问答 quiz set, an 优质音频 work and a 百灵 entry sent as audio (video or audio, 至少
# 提交其一): the city recommends each series' best up to its quota (shown on the Shanxi platform),
# the province awards fixed counts per series (shown on the national one).
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
        # 百灵 asks for a video or an audio work (至少提交其一) and a synopsis: this one has no video.
        bailing = await api.post(
            f"/api/campaigns/{cid}/entries",
            json={"form": shanxi_form(4, "百灵短视频音频", "塞上百灵"), "unit_code": "140603001"},
        )
        assert bailing.status_code == 201, bailing.text
        sid = bailing.json()["submission_id"]
        await tus_upload(
            api, "家乡的歌".encode(), submission_id=sid, material="synopsis", filename="简介.txt"
        )
        await tus_upload(
            api, tmp_path / "a.m4a", submission_id=sid, material="audio", filename="塞上百灵.m4a"
        )
        works.append(("140603001", "百灵短视频音频", "塞上百灵", sound, "audio/mp4"))
        sids.append(sid)
        await approve_when_checked(api, cid, sids)
        marks = dict(zip(sids, [91, 87, 83, 80], strict=True))
        # 强国问答's quotas count questions (县 100题): the approved set of two uses two of them.
        summary = (await api.get(f"/api/campaigns/{cid}/summary", params={"level": "county"})).json()
        pinglu = next(u for u in summary["by_unit"] if u["unit_code"] == "140603")
        quiz_quota = next(q for q in pinglu["quota"] if q["series"] == "quiz" and q["level"] == "county")
        assert (quiz_quota["limit"], quiz_quota["used"]) == (100, 2)

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

        page = await eventually(showcased, 30, "every work on the showcase")
        assert page.count("<video") == 1 and page.count("<audio") == 2 and page.count("查看作品文件") == 1
    assert len(platform.received) == 2 * len(works)
