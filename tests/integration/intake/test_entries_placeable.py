"""The API checks what the page checks: an entry no round can place is refused at registration, with
a 422 naming the field, whoever sends it (the page, a script a unit admin writes). Each bad
combination goes to the API directly, not through the page; nothing is stored for it."""

from typing import Any

import httpx
import pytest

from tests.conftest import create_campaign
from zhengji.samples import yanbian_form

YANJI_SCHOOL = "222401001"


HUNAN_FORM = {
    "title": "岳阳楼记里的家国情怀",
    "producer": "岳阳市电化教育馆",
    "copyright_holder": "岳阳市教育体育局",
    "format": "视频",
    "summary": "专题资源",
    "unit": "岳阳市教育体育局",
    "contact_name": "刘健华",
    "phone": "0730-8805708",
}


def hunan_form(section: str, column: str) -> dict[str, str]:
    return HUNAN_FORM | {"category": section, "subcolumn": column}


def shanxi_form(series: str, **overrides: str) -> dict[str, str]:
    form = {
        "series": series,
        "title": "马邑古城的故事",
        "author_name": "郭明",
        "phone": "13503490001",
        "copyright_holder": "作者本人",
    }
    return {k: v for k, v in {**form, **overrides}.items() if v}


async def refused_on(api: httpx.AsyncClient, cid: str, body: dict[str, Any]) -> dict[str, str]:
    """The one problem the API names (field -> Chinese message), after checking nothing was stored."""
    before = (await api.get(f"/api/campaigns/{cid}/submissions")).json()
    r = await api.post(f"/api/campaigns/{cid}/entries", json={"unit_code": YANJI_SCHOOL, **body})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert (await api.get(f"/api/campaigns/{cid}/submissions")).json() == before
    return {p["field"]: p["message_zh"] for p in detail["fields"]}


async def test_a_group_is_required_where_the_notice_has_groups(admin: httpx.AsyncClient) -> None:
    cid = await create_campaign(admin)
    assert await refused_on(admin, cid, {"form": yanbian_form(1)}) == {"group": "请选择组别"}
    wrong = await refused_on(admin, cid, {"form": yanbian_form(1), "group": "大学组"})
    assert wrong == {"group": "组别须为：小学组、中学组、教师组"}
    ok = await admin.post(
        f"/api/campaigns/{cid}/entries",
        json={"form": yanbian_form(1), "group": "教师组", "unit_code": YANJI_SCHOOL},
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize(
    ("section", "column"),
    [("德育", "劳动光荣"), ("教改经验", "党史学习"), ("家庭教育", "名师名校长")],
)
async def test_a_hunan_column_must_belong_to_its_section(
    admin: httpx.AsyncClient, section: str, column: str
) -> None:
    cid = await create_campaign(admin, "hunan-smart-edu-2022")
    problems = await refused_on(admin, cid, {"form": hunan_form(section, column)})
    assert list(problems) == ["subcolumn"]
    assert problems["subcolumn"].startswith(f"“{section}”版块的栏目须为：")
    ok = await admin.post(
        f"/api/campaigns/{cid}/entries",
        json={"form": hunan_form("劳动教育", "劳动光荣"), "unit_code": YANJI_SCHOOL},
    )
    assert ok.status_code == 201, ok.text


# (series, the fields its own text asks for beyond the form's) — Shanxi's notice, series by series
SHANXI_REQUIRED = [
    ("优质慕课", ["occupation", "work_unit"]),  # 一: 作者姓名、职业、工作单位、联系电话
    ("百灵短视频音频", ["producer", "recommender"]),  # 六: 作者姓名、制作单位、推荐单位，联系电话
    ("展示山西优美风光的主题作品", ["occupation"]),  # 七: 作者姓名、职业、联系电话
    ("优质音频作品", ["occupation", "work_unit", "published_on", "published_media"]),  # 八
    ("国歌主题演唱", ["occupation"]),  # 九: 作者姓名、职业、联系电话
    ("11首歌曲快闪", ["occupation", "song"]),  # 十: 作者姓名、职业、联系电话; one of the 11 songs
]


async def test_shanxi_series_require_the_fields_their_text_asks_for(admin: httpx.AsyncClient) -> None:
    cid = await create_campaign(admin, "shanxi-xuexi-2019")
    for series, fields in SHANXI_REQUIRED:
        problems = await refused_on(admin, cid, {"form": shanxi_form(series)})
        assert sorted(problems) == sorted(fields), series
        assert all(m.startswith(f"“{series}”系列须填写“") for m in problems.values())
    # 大家讲堂 asks for nothing beyond the form's own fields.
    lecture = await admin.post(
        f"/api/campaigns/{cid}/entries",
        json={"form": shanxi_form("大家讲堂"), "unit_code": YANJI_SCHOOL},
    )
    assert lecture.status_code == 201, lecture.text
