"""The 报名汇总表: every entry of a campaign (or of a unit's subtree), one row each, in XLSX.

Its columns are the notice's: each preset's form copies its notice's 报名表 or 推荐表 field by
field, in order and with its labels (Yanbian's 姓名 … 推荐单位, Hunan's 序号 … 备注 and the
填表单位, 联系人, 联系电话 of its header), so the list takes the form as it stands, a campaign
without a notice's table its own fields. A form field labelled 序号 is the row number's column.
After them come what the system holds and the form does not: 组别 (where the campaign has groups),
the unit that registered it and the units above it, the entry's number, its stage and when it
was registered (decision 0034).

The list is for the admins who hold these entries, so personal fields (联系电话) are in it, as
they are on the notice's own form; it is written only by intake, which holds them. Rows are
streamed into a write-only workbook on disk (openpyxl ``write_only``), each text cell marked as
text (``text_row``): a title typed as ``=HYPERLINK(...)`` opens as text, never a formula."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from contracts.calendar import to_campaign_time
from contracts.campaign import Campaign
from services.common.spreadsheet_text import text_row
from services.intake.status import STAGE_LABELS

SEQUENCE = "序号"
# What the list reads of a stored submission: never its timeline, reports or uploads.
LIST_FIELDS = {"form": 1, "group": 1, "attribution": 1, "stage": 1, "created_at": 1}
SYSTEM_COLUMNS = ["报送单位", "上级单位", "单位代码", "作品编号", "状态", "报名时间"]


def list_header(campaign: Campaign) -> list[str]:
    labels = [f.label for f in campaign.form if f.label != SEQUENCE]
    return [SEQUENCE, *labels, *(["组别"] if campaign.groups else []), *SYSTEM_COLUMNS]


def list_row(campaign: Campaign, n: int, sub: dict[str, Any]) -> list[object]:
    """One entry's row, in ``list_header``'s order: every value as the form holds it, as text."""
    form, attribution = sub.get("form") or {}, sub.get("attribution") or {}
    values = [_text(form.get(f.key)) for f in campaign.form if f.label != SEQUENCE]
    group = [sub.get("group") or ""] if campaign.groups else []
    above = attribution.get("unit_path_names") or []
    registered = sub.get("created_at")
    return [
        n,
        *values,
        *group,
        attribution.get("unit_name") or "",
        "/".join(above[:-1]),
        attribution.get("unit_code") or "",
        sub["_id"],
        STAGE_LABELS.get(sub.get("stage") or "", (sub.get("stage") or "",))[0],
        _local(campaign, registered) if isinstance(registered, datetime) else "",
    ]


def by_unit(subs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A unit's entries together, under the units above it, each unit's in the order registered."""
    return sorted(subs, key=lambda s: ((s.get("attribution") or {}).get("unit_path") or [], s["created_at"]))


def write_list(path: Path, campaign: Campaign, caption: str, subs: Sequence[dict[str, Any]]) -> None:
    """Write the list to ``path`` (a blocking call: run it in a thread), streamed row by row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报名汇总表")
    header = list_header(campaign)
    widths = {"序号": 6, "作品编号": 22, "报名时间": 18, "上级单位": 30}
    for i, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = widths.get(title, 16)
    sheet.append(text_row(sheet, [caption]))
    sheet.append(text_row(sheet, header))
    for n, sub in enumerate(subs, start=1):
        sheet.append(text_row(sheet, list_row(campaign, n, sub)))
    book.save(path)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _local(campaign: Campaign, at: datetime) -> str:
    """A stored time (UTC) as the campaign's own clock shows it (Beijing for every notice)."""
    return to_campaign_time(at, campaign).strftime("%Y-%m-%d %H:%M")
