"""Spreadsheets a bureau files or prints (openpyxl; pure: rows in, XLSX bytes out).

- ``award_list``: a level's results, by pool and rank.
- ``unit_statistics``: per submitting unit: entries, recommended, awarded per tier, mean score, and the
  organising-unit order (优秀组织单位: most awarded entries, then more of the higher tiers).
- ``remuneration``: Ganzhou's 100 yuan per minute of excellent courseware. The running time is paid
  pro rata to the second (amount = seconds / 60 x rate, rounded half-up to the fen), since the report
  gives a rate per minute and no rounding rule; an entry whose duration is unknown is listed with 0
  and a remark, never silently left out.

Hunan's 推荐表 is ``services/common/recommendation_form.py``: intake writes it too (decision 0034).

A row is a dict: submission_id, title, group, category, subcolumn, summary, unit_code, unit_name,
author, outcome, tier, rank, score, pool, duration_s, details (public registration fields by key).

Every text cell is written as text (``as_text``): titles, names and summaries are typed by entrants,
and one beginning with ``= + - @`` (or a tab or carriage return before one) would otherwise open in
the chair's spreadsheet program as a live formula (``=HYPERLINK(...)``, DDE). The text is kept as
typed, no quote prepended: an XLSX string cell is never evaluated."""

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from openpyxl.styles import Font

from services.common.bureau_sheet import captioned_sheet as _sheet
from services.common.bureau_sheet import xlsx_bytes as _bytes
from services.review.awards import RankedEntry, organising_units
from services.review.rubric import to_decimal

OUTCOME_ZH = {"recommended": "推荐上一级", "awarded": "获奖", "not_recommended": "未获推荐"}


def award_list(caption: str, rows: Sequence[dict[str, Any]]) -> bytes:
    """The organisers' named list (for 先进个人 and certificates): authors are named even where the
    campaign keeps them from the public (Yanbian's minors); the chair is not blind."""
    header = ["序号", "评审分组", "名次", "作品名称", "组别", "类别", "单位", "作者", "结果", "奖项", "得分"]
    book, sheet = _sheet("评审结果", caption, header, [6, 18, 6, 30, 10, 12, 24, 10, 12, 12, 8])
    ordered = sorted(rows, key=lambda r: (r["pool"], r["rank"]))
    for n, r in enumerate(ordered, start=1):
        sheet.append(
            [
                n, r["pool"], r["rank"], r["title"], r.get("group") or "", r.get("category") or "",
                r["unit_name"], r.get("author") or "", OUTCOME_ZH[r["outcome"]],
                r.get("tier") or "", float(r["score"]),
            ]
        )  # fmt: skip
    return _bytes(book)


def unit_statistics(caption: str, rows: Sequence[dict[str, Any]], tiers: Sequence[str]) -> bytes:
    header = [
        "单位编码",
        "单位名称",
        "参评作品数",
        "推荐上一级",
        "获奖作品数",
        *tiers,
        "平均分",
        "优秀组织单位排序",
    ]
    book, sheet = _sheet("单位统计", caption, header, [14, 26, 10, 10, 10, *[10] * len(tiers), 8, 14])
    units: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        units.setdefault(r["unit_code"], []).append(r)
    ranked = [
        RankedEntry(r["submission_id"], Decimal(r["score"]), r["ready_at"], unit_code=r["unit_code"])
        for r in rows
    ]
    order = organising_units(
        ranked, {r["submission_id"]: r.get("tier") for r in rows}, tier_order=tiers, min_awarded=1
    )
    position = {u.unit_code: i for i, u in enumerate(order, start=1)}
    for code in sorted(units, key=lambda c: (position.get(c, len(position) + 1), c)):
        mine = units[code]
        scores = [Decimal(r["score"]) for r in mine]
        mean = float(to_decimal(Fraction(sum(scores, Decimal(0))) / len(scores), 2))
        counts = [
            len(mine),
            sum(r["outcome"] == "recommended" for r in mine),
            sum(r.get("tier") is not None for r in mine),
            *[sum(r.get("tier") == t for r in mine) for t in tiers],
        ]
        sheet.append([code, mine[0]["unit_name"], *counts, mean, position.get(code, "—")])
    return _bytes(book)


def pay(duration_s: float | None, per_minute: float) -> Decimal:
    if duration_s is None:
        return Decimal(0)
    return to_decimal(Fraction(repr(duration_s)) * Fraction(repr(per_minute)) / 60, 2)


def remuneration(caption: str, rows: Sequence[dict[str, Any]], per_minute: float) -> bytes:
    header = [
        "序号",
        "课件名称",
        "报送单位",
        "等次",
        "时长（分:秒）",
        "计酬分钟数",
        "标准（元/分钟）",
        "金额（元）",
        "备注",
    ]
    book, sheet = _sheet("课件奖补", caption, header, [6, 30, 24, 10, 12, 10, 12, 12, 16])
    paid = sorted((r for r in rows if r.get("tier")), key=lambda r: (r["pool"], r["rank"]))
    total = Decimal(0)
    for n, r in enumerate(paid, start=1):
        seconds = r.get("duration_s")
        amount = pay(seconds, per_minute)
        total += amount
        clock = f"{int(seconds) // 60}:{int(seconds) % 60:02d}" if seconds is not None else "—"
        minutes = float(to_decimal(Fraction(repr(seconds)) / 60, 2)) if seconds is not None else 0.0
        remark = "" if seconds is not None else "时长未知，请核实"
        sheet.append(
            [n, r["title"], r["unit_name"], r["tier"], clock, minutes, per_minute, float(amount), remark]
        )
    sheet.append(["合计", "", "", "", "", "", "", float(total), ""])
    sheet[sheet.max_row][0].font = Font(bold=True)
    return _bytes(book)
