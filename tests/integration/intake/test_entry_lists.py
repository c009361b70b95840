"""The 报名汇总表 as admins download it (decision 0034): Yanbian's 报名表 columns, in the notice's
order; the campaign admin's holds every entry, 延吉市's unit admin's only 延吉市's; a title typed as
a formula stays text; an entrant gets none."""

import io

import httpx
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from tests.conftest import client_as
from tests.integration.intake.conftest import create_tiny, register

# Yanbian's 报名表 (seed 000, 附件1), field by field, then what the system adds.
YANBIAN_COLUMNS = [
    "序号", "姓名", "性别", "职业", "联系电话", "学校", "作品名称", "作品类别", "作品简要说明", "推荐单位",
    "组别", "报送单位", "上级单位", "单位代码", "作品编号", "状态", "报名时间",
]  # fmt: skip
FORMULA = '=HYPERLINK("http://evil.example/","点我")'


def sheet_of(response: httpx.Response) -> Worksheet:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return sheet


def rows_by_title(sheet: Worksheet) -> dict[str, dict[str, object]]:
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, (c.value for c in line), strict=True)) for line in sheet.iter_rows(min_row=3)]
    return {str(r["作品名称"]): r for r in rows}


async def test_admins_download_the_entry_list_with_the_notices_columns(admin: httpx.AsyncClient) -> None:
    cid = await create_tiny(admin, "lists")
    await register(admin, cid, 1, "222401001", title="延吉一小的红色故事", school="延吉市第一小学")
    await register(admin, cid, 2, "222401002", title=FORMULA, school="延吉市第二小学")
    await register(admin, cid, 3, "222402001", title="图们江畔的记忆", school="图们市实验小学")

    whole = sheet_of(await admin.get(f"/api/campaigns/{cid}/lists/entries.xlsx"))
    assert [c.value for c in whole[2]] == YANBIAN_COLUMNS
    assert "共3件" in str(whole["A1"].value)
    rows = rows_by_title(whole)
    assert set(rows) == {"延吉一小的红色故事", FORMULA, "图们江畔的记忆"}
    first = rows["延吉一小的红色故事"]
    given = (first["序号"], first["姓名"], first["联系电话"], first["组别"])
    assert given == (1, "教师1", "13904330001", "小学组")
    assert (first["报送单位"], first["上级单位"], first["单位代码"], first["状态"]) == (
        "延吉市第一小学",
        "吉林省/延边朝鲜族自治州/延吉市",
        "222401001",
        "已报名，待上传",
    )
    # Typed as a formula, kept as typed, and a string cell: a spreadsheet program never runs it.
    typed = next(c for line in whole.iter_rows(min_row=3) for c in line if c.value == FORMULA)
    assert typed.data_type == "s"

    # Both admin pages link to it; the unit page also to each level's 推荐表.
    link = f'href="/api/campaigns/{cid}/lists/entries.xlsx"'
    assert link in (await admin.get("/admin")).text
    async with client_as(admin, "yanji-admin", "unit_admin", "222401") as yanji:
        page = (await yanji.get(f"/campaigns/{cid}/unit")).text
        assert link in page and f'href="/api/campaigns/{cid}/lists/recommended/county.xlsx"' in page
        own = sheet_of(await yanji.get(f"/api/campaigns/{cid}/lists/entries.xlsx"))
        assert [c.value for c in own[2]] == YANBIAN_COLUMNS
        assert set(rows_by_title(own)) == {"延吉一小的红色故事", FORMULA}
        assert "延吉市" in str(own["A1"].value) and "共2件" in str(own["A1"].value)

    async with client_as(admin, "entrant-li", "entrant", "222401001") as entrant:
        refused = await entrant.get(f"/api/campaigns/{cid}/lists/entries.xlsx")
        assert refused.status_code == 403, refused.text
