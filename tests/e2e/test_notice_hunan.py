"""Hunan's notice as Yueyang forwarded it (seed 003) run end to end on the whole system, from its preset as
it stands: entries registered and uploaded, checked against the notice's own rules, transcoded, approved
by their unit, reviewed at every level the notice names, and what qualifies delivered to every platform
it names (local stand-ins). Yanbian's is tests/e2e/test_review_yanbian.py."""

import hashlib
import io
import re
from pathlib import Path

import httpx
from openpyxl import load_workbook

from services.media.probe import probe
from services.media.process import run
from tests.conftest import eventually, import_tree
from tests.e2e.campaign_play import (
    CSV,
    approve_when_checked,
    clip,
    create_from_preset,
    delivered,
    outcomes,
    run_level,
)
from tests.metadata_samples import AUTHOR, pixels, with_text_chunks
from zhengji.demo import tus_upload
from zhengji.standin import StandIn, serving

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
    # 资源可为视频、音频、图片等格式，至少提交其一: this one is a picture
    ("430602002", "家庭教育", "家庭教育方法", "亲子共读一本书", 50),
]


def hunan_form(i: int, section: str, column: str, title: str) -> dict[str, str]:
    form = {
        "title": title,
        "producer": f"岳阳市第{i}制作组",
        "category": section,
        "subcolumn": column,
        "copyright_holder": f"版权方{i}",
        "format": "图片" if section == "家庭教育" else "视频",
        "summary": "专题资源",
        "unit": "岳阳市教育体育局",
        "contact_name": "刘健华",
        "phone": "0730-8805708",
    }
    return form | ({"remarks": "系列第一集"} if i == 1 else {})


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
            if section == "家庭教育":
                picture = await still(tmp_path / f"{title}.png")
                await tus_upload(api, picture, submission_id=sid, material="images", filename=picture.name)
            else:
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
        assert {d[0] for d in decided.values()} == {"recommended"}  # 60 wanted, 6 entries
        # At most 80% of each section's entries: 德育 3 -> 2 awarded, 1-entry sections -> 0. 3:3:4 of
        # 2 by largest remainder (0.6, 0.6, 0.8): 三等奖 first, then the tie goes to the higher tier.
        tiers = [decided[s][1] for s in sids]
        assert tiers == ["一等奖", "三等奖", None, None, None, None]
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
        # The province's selection gets every field its target names, from each entry's own form.
        for i, (_, section, _, title, _) in enumerate(HUNAN_WORKS, start=1):
            fields = {k: sent[title][k] for k in ("producer", "copyright_holder", "format", "remarks")}
            assert fields == {
                "producer": f"岳阳市第{i}制作组",
                "copyright_holder": f"版权方{i}",
                "format": "图片" if section == "家庭教育" else "视频",
                "remarks": "系列第一集" if i == 1 else None,
            }
        # The city's 推荐表, as the chair downloads it to stamp: the header from the entries' own forms
        # (not the issuer; the phone stays in intake), a row per recommended resource with its 制作方,
        # 版权方, 格式 and 备注.
        got = await api.get(
            f"/api/review/rounds/{city['round_id']}/exports/recommendation.xlsx", headers=city["chair"]
        )
        assert got.status_code == 200, got.text
        table = [list(r) for r in load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True)]
        assert table[1][0] == "填表单位（盖章）：岳阳市教育体育局        联系人：刘健华        联系电话："
        rows = {r[1]: r for r in table[3:]}
        assert set(rows) == {work[3] for work in HUNAN_WORKS}
        assert rows["岳阳楼记里的家国情怀"][2:] == [
            "岳阳市第1制作组", "德育", "党史学习", "版权方1", "视频", "专题资源", "系列第一集",
        ]  # fmt: skip
        assert rows["亲子共读一本书"][2:] == [
            "岳阳市第6制作组", "家庭教育", "家庭教育方法", "版权方6", "图片", "专题资源", None,
        ]  # fmt: skip

        # The 推荐表 the city's bureau stamps and sends, from intake, where the phone is: the same
        # table, its 联系电话 filled from the entries' forms (decision 0034).
        async def stamped_copy() -> list[list[object]] | None:
            got = await api.get(f"/api/campaigns/{cid}/lists/recommended/city.xlsx")
            assert got.status_code == 200, got.text
            sheet = load_workbook(io.BytesIO(got.content)).active
            lines = [list(r) for r in sheet.iter_rows(values_only=True)]
            return lines if len(lines) == 3 + len(HUNAN_WORKS) else None

        stamped = await eventually(stamped_copy, 60, "intake to know the city's recommendations")
        assert stamped[1][0] == (
            "填表单位（盖章）：岳阳市教育体育局        联系人：刘健华        联系电话：0730-8805708"
        )
        assert {tuple(r[1:]) for r in stamped[3:]} == {tuple(r[1:]) for r in table[3:]}
        picture_work = next(
            i for i in platform.received if i["body"]["metadata"]["title"] == "亲子共读一本书"
        )
        async with httpx.AsyncClient() as fetch:
            sent_picture = await fetch.get(picture_work["body"]["media"]["master"])
        # The platform gets the picture itself, without the text chunks naming its author (issue 12).
        received = tmp_path / "received.png"
        received.write_bytes(sent_picture.content)
        assert AUTHOR.encode() not in sent_picture.content
        uploaded = tmp_path / "亲子共读一本书.png"
        assert AUTHOR.encode() in uploaded.read_bytes()
        shown = await probe(received, demuxers="image2,png_pipe")
        assert shown.video is not None and (shown.video.width, shown.video.height) == (1280, 720)
        assert await pixels(received) == await pixels(uploaded)
        # Reviewers were shown that same copy, never the upload.
        picture_sid = sids[-1]
        for level in (county, city):
            preview = level["seen"][picture_sid]["preview_url"]
            assert hashlib.sha256(sent_picture.content).hexdigest() in preview
            assert hashlib.sha256(uploaded.read_bytes()).hexdigest() not in preview

        async def showcase_lists_all() -> str | None:
            # The platform holds a work a moment before the publisher records its answer.
            page = (await api.get(f"/showcase/{cid}")).text
            return page if page.count("<video") == 5 and 'alt="亲子共读一本书"' in page else None

        showcase = await eventually(showcase_lists_all, 60, "five videos and the picture on the showcase")
        # Its media by links that expire (or the CDN), never a file's plain address.
        assert re.search(r'<img src="[^"]*/blobs/[0-9a-f]{64}\?expires=\d+&amp;sig=[0-9a-f]{64}"', showcase)
    assert len(platform.received) == len(sids)


async def still(out: Path) -> Path:
    """One 1280x720 picture from lavfi, with an Author text chunk as editors write one."""
    argv = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    argv += ["-i", "testsrc2=size=1280x720", "-frames:v", "1", str(out)]
    done = await run(argv, 60)
    assert done.returncode == 0, done.stderr
    out.write_bytes(with_text_chunks(out.read_bytes()))
    return out
