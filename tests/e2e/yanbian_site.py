"""The small Yanbian site the review e2e tests start from: a prefecture with two counties and their
schools (``UNITS``, CSV), county and prefecture experts, the Yanbian preset cut down to 2 s clips
of 320x180 (``small_yanbian``), and its entries entered and approved (``yanbian_entered``)."""

import io
from pathlib import Path
from typing import Any

import httpx
import yaml
from openpyxl import Workbook

from services.intake.presets import PRESET_DIR
from tests.conftest import OPEN_WINDOW, import_tree
from tests.e2e.campaign_play import approve_when_checked, clip, enter
from zhengji.samples import yanbian_form
from zhengji.standin import StandIn

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
COUNTY_EXPERTS = """姓名,单位编码,单位名称,职称,专长,评审范围,角色
金组长,222400001,延边州电化教育馆,正高级教师,英雄故事,,组长
朴老师,222401900,延吉市教师进修学校,高级教师,英雄故事,222401,评审
崔老师,222401901,延吉市教育局,高级教师,革命遗址,222401,评审
韩老师,222401902,延吉市电教馆,一级教师,历史文物,222401,评审
李老师,222402900,图们市教师进修学校,高级教师,英雄故事,222402,评审
赵老师,222402901,图们市教育局,高级教师,革命遗址,222402,评审
"""


def small_yanbian_spec(cid: str) -> dict[str, Any]:
    """Yanbian's notice, open now, with a 320x180 picture and no bit-rate, flash or dropped-frame
    rule, so a 2 s clip passes and transcodes in seconds; the other materials optional."""
    spec: dict[str, Any] = yaml.safe_load((PRESET_DIR / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    spec["id"], spec["upload_window"] = cid, OPEN_WINDOW
    video = spec["materials"][0]["video"]
    video.update(width=320, height=180, preferred_duration=None, intro_slate_max_s=None)
    for rule in ("bit_rate_kbps", "no_flashes", "no_dropped_frames"):
        video.pop(rule, None)
    for material in spec["materials"][1:]:
        material["required"] = False
    return spec


def small_yanbian(cid: str, platform: StandIn) -> str:
    spec = small_yanbian_spec(cid)
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
        form = yanbian_form(i, title=title, school=schools[school], recommender=schools[school])
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
