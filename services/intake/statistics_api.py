"""The statistics page's data: one answer for every chart, and each chart's figures as XLSX.

A campaign admin sees the whole campaign; a unit admin their subtree (``statistics.py``)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from contracts.campaign import Campaign
from services.common.chart_sheet import XLSX_RESPONSE, chart_workbook, xlsx_response
from services.common.errors import responses
from services.intake.accounts import User
from services.intake.api_models import Summary
from services.intake.app import IntakeService
from services.intake.dependencies import Admin, CampaignInPath, Intake
from services.intake.statistics import (
    awards,
    by_day,
    scope_of,
    statistics,
    top_findings,
    unit_summary,
    visible_units,
)
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
    title, header, rows = await TABLES[chart](Asked(svc, campaign, user, level))
    data = chart_workbook(f"{campaign.title} · {title}", header, rows)
    return xlsx_response(data, f"{campaign.id}-{title}.xlsx")


Table = tuple[str, list[str], list[list[Any]]]


@dataclass(frozen=True)
class Asked:
    """One chart's export: only that chart's figures are counted."""

    svc: IntakeService
    campaign: Campaign
    user: User
    level: str | None

    async def summary(self) -> Summary:
        return Summary.model_validate(await unit_summary(self.svc, self.campaign, self.user, self.level))


async def _by_day(a: Asked) -> Table:
    days = await by_day(a.svc, a.campaign, scope_of(a.campaign, a.user))
    return "每日报名", ["日期", "报名作品数"], [[d["day"], d["entries"]] for d in days]


async def _by_stage(a: Asked) -> Table:
    summary = await a.summary()
    rows = [[STAGE_LABELS.get(k, (k, k))[0], k, n] for k, n in summary.by_stage.items()]
    return "作品状态", ["状态", "代码", "作品数"], rows


async def _by_unit(a: Asked) -> Table:
    rows = []
    for u in (await a.summary()).by_unit:
        caps = [q for q in u.quota if q.kind == "max"]
        limit = sum(q.limit for q in caps) if caps else ""
        used = sum(q.used for q in caps if isinstance(q.used, int)) if caps else ""
        rows.append([u.unit_name or u.unit_code, u.unit_code, u.total, u.approved, u.awaiting, limit, used])
    return (
        "各单位报送与名额",
        ["单位", "代码", "作品数", "已审核推荐", "待审核", "推荐名额", "已用名额"],
        rows,
    )


async def _findings(a: Asked) -> Table:
    found = await top_findings(a.svc, scope_of(a.campaign, a.user))
    rows = [[f["problem_zh"], f["rule_id"], f["entries"]] for f in found]
    return "常见问题", ["问题", "检测项", "作品数"], rows


async def _awards(a: Asked) -> Table:
    units = await visible_units(a.svc, a.user)
    won = await awards(a.svc, units, scope_of(a.campaign, a.user), a.level)
    rows = [
        [w["level"], w["tier"], w["unit_name"] or w["unit_code"], w["unit_code"], w["entries"]] for w in won
    ]
    return "各单位获奖", ["评审级别", "奖项", "单位", "代码", "作品数"], rows


TABLES: dict[str, Callable[[Asked], Awaitable[Table]]] = {
    "by_day": _by_day,
    "by_stage": _by_stage,
    "by_unit": _by_unit,
    "findings": _findings,
    "awards": _awards,
}
