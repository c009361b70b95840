"""The statistics page's data: one answer for every chart, and each chart's figures as XLSX.

A campaign admin sees the whole campaign; a unit admin their subtree (``statistics.py``)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from services.common.chart_sheet import XLSX_RESPONSE, chart_workbook, xlsx_response
from services.common.errors import responses
from services.intake.api_models import Summary
from services.intake.dependencies import Admin, CampaignInPath, Intake
from services.intake.statistics import statistics
from services.intake.status import STAGE_LABELS

router = APIRouter(tags=["intake: statistics"])
Level = Annotated[str | None, Query(description="Roll units up to this level, e.g. county")]
Chart = Literal["by_day", "by_stage", "by_unit", "findings", "awards"]


class DayCount(BaseModel):
    day: str
    entries: int


class FindingCount(BaseModel):
    rule_id: str
    problem_zh: str
    problem_en: str
    entries: int


class AwardCount(BaseModel):
    level: str
    tier: str
    unit_code: str
    unit_name: str | None = None
    entries: int


class Statistics(BaseModel):
    campaign_id: str
    summary: Summary
    by_day: list[DayCount]
    findings: list[FindingCount]
    headline_zh: str | None = None
    headline_en: str | None = None
    awards: list[AwardCount]
    award_tiers: list[str]


@router.get(
    "/api/campaigns/{campaign_id}/statistics",
    response_model=Statistics,
    responses=responses(401, 403, 404, 422),
)
async def campaign_statistics(
    campaign_id: str, svc: Intake, user: Admin, campaign: CampaignInPath, level: Level = None
) -> dict[str, Any]:
    return await statistics(svc, campaign, user, level)


@router.get(
    "/api/campaigns/{campaign_id}/statistics/{chart}.xlsx",
    response_class=Response,
    responses={**XLSX_RESPONSE, **responses(401, 403, 404, 422)},
)
async def chart_data(
    campaign_id: str, chart: Chart, svc: Intake, user: Admin, campaign: CampaignInPath, level: Level = None
) -> Response:
    stats = Statistics.model_validate(await statistics(svc, campaign, user, level))
    title, header, rows = TABLES[chart](stats)
    data = chart_workbook(f"{campaign.title} · {title}", header, rows)
    return xlsx_response(data, f"{campaign.id}-{title}.xlsx")


Table = tuple[str, list[str], list[list[Any]]]


def _by_day(s: Statistics) -> Table:
    return "每日报名", ["日期", "报名作品数"], [[d.day, d.entries] for d in s.by_day]


def _by_stage(s: Statistics) -> Table:
    rows = [[STAGE_LABELS.get(k, (k, k))[0], k, n] for k, n in s.summary.by_stage.items()]
    return "作品状态", ["状态", "代码", "作品数"], rows


def _by_unit(s: Statistics) -> Table:
    rows = []
    for u in s.summary.by_unit:
        caps = [q for q in u.quota if q.kind == "max"]
        limit = sum(q.limit for q in caps) if caps else ""
        used = sum(q.used for q in caps if isinstance(q.used, int)) if caps else ""
        rows.append([u.unit_name or u.unit_code, u.unit_code, u.total, u.approved, u.awaiting, limit, used])
    return (
        "各单位报送与名额",
        ["单位", "代码", "作品数", "已审核推荐", "待审核", "推荐名额", "已用名额"],
        rows,
    )


def _findings(s: Statistics) -> Table:
    rows = [[f.problem_zh, f.rule_id, f.entries] for f in s.findings]
    return "常见问题", ["问题", "检测项", "作品数"], rows


def _awards(s: Statistics) -> Table:
    rows = [[a.level, a.tier, a.unit_name or a.unit_code, a.unit_code, a.entries] for a in s.awards]
    return "各单位获奖", ["评审级别", "奖项", "单位", "代码", "作品数"], rows


TABLES = {
    "by_day": _by_day,
    "by_stage": _by_stage,
    "by_unit": _by_unit,
    "findings": _findings,
    "awards": _awards,
}
