"""Rows for the exports, from a round's decisions (frozen once finalised or in notice, else the live
proposal) and the entries it holds. Public registration fields (资源制作方, 版权方 ...) are read from
``entry.details`` when intake sends them (see decision 0006), else the columns stay empty."""

from typing import TYPE_CHECKING, Any

from contracts.campaign import ReviewLevel
from services.common.errors import ServiceError
from services.common.recommendation_form import recommendation_form
from services.review.exports import award_list, remuneration, unit_statistics
from services.review.finalising import proposal
from services.review.round_store import entries_by_id
from services.review.rounds import RoundContext
from services.review.unit_levels import unit_of

if TYPE_CHECKING:
    from services.review.app import ReviewService

EXPORTS = ("awards", "recommendation", "units", "remuneration")
TITLES = {
    "awards": "评审结果",
    "recommendation": "专题资源推荐表",
    "units": "单位统计",
    "remuneration": "课件奖补",
}


async def rows_of(svc: "ReviewService", at: RoundContext) -> list[dict[str, Any]]:
    p = await proposal(svc, at)
    if not p.get("decisions"):
        raise ServiceError(
            409,
            "尚无评审结果可导出（评分未完成）",
            "nothing to export yet: scores are missing",
            missing=p["missing"],
        )
    docs = await entries_by_id(svc.entries, at.campaign.id, p["decisions"])
    rows = []
    for sid, d in p["decisions"].items():
        doc = docs[sid]
        entry, attribution = doc["entry"], doc["attribution"]
        rows.append(
            {
                "submission_id": sid,
                "title": entry.get("title"),
                "group": entry.get("group"),
                "category": entry.get("category"),
                "subcolumn": entry.get("subcolumn"),
                "summary": entry.get("summary"),
                "details": entry.get("details") or {},
                "unit_code": attribution["unit_code"],
                "unit_name": attribution["unit_name"],
                "unit_path": attribution.get("unit_path") or [],
                "unit_path_names": attribution.get("unit_path_names") or [],
                "unit_path_levels": attribution.get("unit_path_levels") or [],
                "author": attribution.get("author"),
                "duration_s": doc.get("duration_s"),
                "ready_at": doc["ready_at"],
                **d,
            }
        )
    return rows


def filler(row: dict[str, Any], level: ReviewLevel) -> str:
    """Who fills the row's 推荐表 (填表单位): the form's 填表单位 where the entry gives one, else the
    recommending unit, the entry's unit at this level (its city at a city round), never the issuer."""
    return str(row["details"].get("unit") or unit_at(row, level.unit_level)[1])


def unit_at(row: dict[str, Any], unit_level: str) -> tuple[str, str]:
    """(code, name) of the entry's unit at ``unit_level`` (its county, its city), read as rounds
    read it (``unit_levels.unit_of``: by the path's kinds where known, so a county directly under
    its province is a county, not a city); the entry's own unit where its path has no such unit."""
    codes: list[str] = row["unit_path"]
    names: list[str] = row["unit_path_names"]
    code = unit_of(unit_level, codes, row.get("unit_path_levels") or [])
    if code is not None and codes.index(code) < len(names):
        return code, names[codes.index(code)]
    return str(row["unit_code"]), str(row["unit_name"])


def organising_rows(rows: list[dict[str, Any]], unit_level: str | None) -> list[dict[str, Any]]:
    """The rows as the 优秀组织单位 ranking counts them: by the unit level the notice names (Yanbian's
    county 电教馆), else by the submitting unit."""
    if unit_level is None:
        return rows
    return [{**r, **dict(zip(("unit_code", "unit_name"), unit_at(r, unit_level), strict=True))} for r in rows]


async def export(svc: "ReviewService", at: RoundContext, kind: str) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of one export of the round."""
    _, campaign, _, level = at
    rows = await rows_of(svc, at)
    caption = f"{campaign.title} · {level.name}"
    name = f"{campaign.id}-{level.key}-{TITLES[kind]}.xlsx"
    if kind == "awards":
        return name, award_list(f"{caption} 评审结果", rows)
    if kind == "recommendation":
        return name, recommendation_form([{**r, "filler": filler(r, level)} for r in rows])
    if kind == "units":
        by_unit = organising_rows(rows, campaign.organising_unit_level)
        return name, unit_statistics(f"{caption} 单位统计", by_unit, [t.name for t in level.outcome.tiers])
    per_minute = campaign.review_settings.pay_per_minute_yuan
    if per_minute is None:
        raise ServiceError(
            404,
            "本活动未设置按分钟奖补标准",
            "this campaign sets no remuneration per minute (pay_per_minute_yuan)",
        )
    return name, remuneration(f"{caption} 优秀课件奖补（每分钟{per_minute:g}元）", rows, per_minute)
