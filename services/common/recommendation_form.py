"""Hunan's 国家中小学智慧教育平台专题资源推荐表 (seed 003): the notice's nine columns, one row per
resource recommended upward, one sheet per 填表单位 (推荐表每个报送单位一张), each headed by its
填表单位, 联系人 and 联系电话.

Two services write it from the same rows: review for the chair (the round's decisions; the phone
is personal and never leaves intake, so its 联系电话 stays blank), intake for the recommending
unit that stamps and sends it (the entries a level recommended, with the phone the form holds;
decision 0034). A row is a dict: title, category, subcolumn, summary, rank, tier, outcome,
filler (its 填表单位) and details (the form's fields by key: producer, copyright_holder, format,
remarks, contact_name, phone)."""

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from services.common.bureau_sheet import captioned_sheet, sheet_title, xlsx_bytes

# The notice's columns (seed 003, 附件), in its order.
HUNAN_COLUMNS = [
    "序号", "资源标题", "资源制作方", "拟上线版块", "拟上线栏目",
    "资源版权方", "资源格式", "资源内容简介", "备注",
]  # fmt: skip


def recommendation_form(rows: Sequence[dict[str, Any]]) -> bytes:
    """The form of the rows recommended upward. Each row's ``filler`` is its reporting unit: the
    form's 填表单位 where the entry gives one, else the recommending unit's name. The header's 联系人
    and 联系电话 are the ones the sheet's entries give (several, joined, where they differ)."""
    chosen = sorted(
        (r for r in rows if r["outcome"] == "recommended"), key=lambda r: (r.get("category") or "", r["rank"])
    )
    by_filler: dict[str, list[dict[str, Any]]] = {}
    for r in chosen:
        by_filler.setdefault(r["filler"], []).append(r)
    book: Workbook | None = None
    for filler, mine in sorted(by_filler.items()) or [("", [])]:
        book, sheet = captioned_sheet(
            sheet_title(filler or "推荐表") if len(by_filler) > 1 else "推荐表",
            "国家中小学智慧教育平台专题资源推荐表",
            HUNAN_COLUMNS,
            [6, 28, 18, 10, 14, 18, 10, 40, 12],
            book,
        )
        sheet.insert_rows(2)
        sheet["A2"] = (
            f"填表单位（盖章）：{filler}        联系人：{_given(mine, 'contact_name')}"
            f"        联系电话：{_given(mine, 'phone')}"
        )
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HUNAN_COLUMNS))
        for n, r in enumerate(mine, start=1):
            given = r.get("details") or {}
            producer, holder, kind = (given.get(k) or "" for k in ("producer", "copyright_holder", "format"))
            where = [r.get("category") or "", r.get("subcolumn") or ""]
            remarks = given.get("remarks") or r.get("tier") or ""
            sheet.append([n, r["title"], producer, *where, holder, kind, r.get("summary") or "", remarks])
            for cell in sheet[sheet.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    assert book is not None
    return xlsx_bytes(book)


def _given(rows: Sequence[dict[str, Any]], key: str) -> str:
    """The value the rows' forms give for ``key``: one, or each distinct one in order, joined."""
    values = [str((r.get("details") or {}).get(key) or "") for r in rows]
    return "、".join(dict.fromkeys(v for v in values if v))
