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
import yaml
from openpyxl import Workbook, load_workbook

from services.intake.presets import PRESET_DIR
from tests.conftest import OPEN_WINDOW, demo_form, eventually, import_tree
from tests.e2e.campaign_play import approve_when_checked, clip, enter, run_level
from zhengji.standin import StandIn, serving

UNITS = """code,name,level,parent
22,吉林省,province,
2224,延边朝鲜族自治州,city,22
222401,延吉市,county,2224
222401001,延吉市第一小学,school,222401
222401002,延吉市第二小学,school,222401
222401003,延吉市第三小学,school,222401
222401004,延吉市第四小学,school,222401
222401005,延吉市第一中学,school,222401
222402,图们市,county,2224
222402001,图们市实验小学,school,222402
222402002,图们市第二小学,school,222402
"""
SCHOOLS = {row.split(",")[0]: row.split(",")[1] for row in UNITS.splitlines()[1:]}
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
COUNTY_EXPERTS = """姓名,单位编码,单位名称,职称,专长,评审范围,角色
金组长,222400001,延边州电化教育馆,正高级教师,英雄故事,,组长
朴老师,222401900,延吉市教师进修学校,高级教师,英雄故事,222401,评审
崔老师,222401901,延吉市教育局,高级教师,革命遗址,222401,评审
韩老师,222401902,延吉市电教馆,一级教师,历史文物,222401,评审
李老师,222402900,图们市教师进修学校,高级教师,英雄故事,222402,评审
赵老师,222402901,图们市教育局,高级教师,革命遗址,222402,评审
"""


def small_yanbian(cid: str, platform: StandIn) -> str:
    spec = yaml.safe_load((PRESET_DIR / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    spec["id"], spec["upload_window"] = cid, OPEN_WINDOW
    video = spec["materials"][0]["video"]
    video.update(width=320, height=180, preferred_duration=None, intro_slate_max_s=None)
    for rule in ("bit_rate_kbps", "no_flashes", "no_dropped_frames"):
        video.pop(rule, None)
    for material in spec["materials"][1:]:
        material["required"] = False
    for target in spec["publication_targets"]:
        target["url"] = platform.url(f"/{target['key']}")
        target.pop("publish_at", None)
    return str(yaml.safe_dump(spec, allow_unicode=True))


async def yanbian_entered(
    api: httpx.AsyncClient,
    cid: str,
    platform: StandIn,
    units: str,
    entries: list[tuple[str, str, str]],
    tmp_path: Path,
) -> dict[str, str]:
    """The unit tree (``units``, CSV), the small Yanbian campaign, and each (school, group, title)
    entered with a short clip of its own and approved by its unit, until review has it; title ->
    submission id."""
    await import_tree(api, units)
    made = await api.post("/api/campaigns", json={"definition_yaml": small_yanbian(cid, platform)})
    assert made.status_code == 201, made.text
    schools = {row.split(",")[0]: row.split(",")[1] for row in units.splitlines()[1:]}
    sids: dict[str, str] = {}
    for i, (school, group, title) in enumerate(entries, start=1):
        form = demo_form(i, title=title, school=schools[school], recommender=schools[school])
        media = await clip(tmp_path / f"{i}.mp4", 300 + 40 * i, size="320x180")
        sids[title] = await enter(api, cid, form, school, media.read_bytes(), group=group)
    await approve_when_checked(api, cid, list(sids.values()))
    return sids


def prefecture_experts_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "单位编码", "单位名称", "职称", "专长", "角色"])
    for row in [
        ["全组长", "222400002", "延边州教育学院", "正高级教师", "英雄故事", "组长"],
        ["文老师", "222403900", "敦化市教师进修学校", "高级教师", "革命遗址", "评审"],
        ["尹老师", "222404900", "珲春市教师进修学校", "高级教师", "历史文物", "评审"],
        ["许老师", "222405900", "龙井市教师进修学校", "一级教师", "英雄故事", "评审"],
    ]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
