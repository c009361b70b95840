"""Routes for the lists a campaign's admins download (decision 0034): the 报名汇总表 of every entry,
and a level's 推荐表 with the phones only intake holds. A campaign admin gets the whole campaign's,
a unit admin their own unit's and the units' below it (``submission_scope``), nobody else any."""

import asyncio
import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from services.common.chart_sheet import XLSX, XLSX_RESPONSE
from services.common.downloads import attachment
from services.common.errors import responses
from services.common.recommendation_form import recommendation_form
from services.intake.accounts import User
from services.intake.auth import submission_scope
from services.intake.dependencies import Admin, CampaignInPath, Intake
from services.intake.entry_list import LIST_FIELDS, by_unit, write_list
from services.intake.recommended_list import (
    OUTCOME_FIELDS,
    final_outcome,
    level_named,
    recommendation_row,
    recommended_query,
)

router = APIRouter(tags=["intake: lists"])


def whose(user: User) -> str:
    """Whose entries a list holds, for its caption and file name."""
    if user.role != "unit_admin":
        return "全部单位"
    return user.unit_name or user.unit_code or ""


@router.get(
    "/api/campaigns/{campaign_id}/lists/entries.xlsx",
    response_class=FileResponse,
    responses={**XLSX_RESPONSE, **responses(401, 403, 404)},
)
async def entry_list(campaign_id: str, svc: Intake, user: Admin, campaign: CampaignInPath) -> FileResponse:
    """The 报名汇总表: one row per entry registered, with the notice's columns."""
    found = svc.submissions.find({"campaign_id": campaign_id, **submission_scope(user)}, LIST_FIELDS)
    subs = by_unit([doc async for doc in found])
    caption = f"{campaign.title} 报名汇总表（{whose(user)}，共{len(subs)}件）"
    handle, name = tempfile.mkstemp(prefix="zhengji-list-", suffix=".xlsx")
    os.close(handle)
    try:
        await asyncio.to_thread(write_list, Path(name), campaign, caption, subs)
    except BaseException:
        os.unlink(name)
        raise
    return FileResponse(
        name,
        media_type=XLSX,
        headers=attachment(f"{campaign.id}-{whose(user)}-报名汇总表.xlsx", "entries.xlsx"),
        background=BackgroundTask(os.unlink, name),
    )


@router.get(
    "/api/campaigns/{campaign_id}/lists/recommended/{level}.xlsx",
    response_class=Response,
    responses={**XLSX_RESPONSE, **responses(401, 403, 404)},
)
async def recommended_list(
    campaign_id: str, level: str, svc: Intake, user: Admin, campaign: CampaignInPath
) -> Response:
    """The 推荐表 of the entries ``level`` recommended upward (Hunan's form), 联系电话 filled."""
    chosen = level_named(campaign, level)
    query = recommended_query(campaign, chosen, submission_scope(user))
    names = {u["_id"]: u["name"] for u in await svc.units.list(level=chosen.unit_level)}
    rows = []
    async for sub in svc.submissions.find(query, OUTCOME_FIELDS):
        step = final_outcome(sub, chosen)
        if step is not None and step.get("outcome") == "recommended":
            rows.append(recommendation_row(sub, step, names))
    data = await asyncio.to_thread(recommendation_form, rows)
    name = f"{campaign.id}-{chosen.key}-{whose(user)}-专题资源推荐表.xlsx"
    return Response(data, media_type=XLSX, headers=attachment(name, f"{chosen.key}.xlsx"))
