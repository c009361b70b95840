"""Review progress per panel for the campaign admin's statistics page: for every round of the
campaign, per pool (评审组), how many entries it holds and how many of the scores it owes are in.

Read as the chair's table reads a round (``tables.round_matrix``: the assignment and only the
four counting fields of each sheet), once per round; what leaves is a row per panel."""

from collections import Counter
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from contracts.campaign import Campaign
from services.common.chart_sheet import XLSX_RESPONSE, chart_workbook, xlsx_response
from services.common.errors import responses
from services.review.dependencies import Admin, KnownCampaign, Review
from services.review.pooling import pool_labels
from services.review.round_store import entries_by_id
from services.review.tables import round_matrix

if TYPE_CHECKING:
    from services.review.app import ReviewService

router = APIRouter(prefix="/api/review", tags=["review"])
ADMIN = (401, 403, 404, 503)


class PanelProgress(BaseModel):
    round_id: str
    level: str
    level_name: str
    state: str
    pool: str
    panel: str
    entries: int
    scores_due: int
    scores_in: int
    entries_done: int


async def panel_progress(svc: "ReviewService", campaign: Campaign) -> list[dict[str, Any]]:
    names = {lv.key: (lv.name, lv.reviewers_per_entry) for lv in campaign.review_levels}
    rows: list[dict[str, Any]] = []
    async for rnd in svc.rounds.find({"campaign_id": campaign.id}, {"assignments": 0, "frozen": 0}):
        name, k = names.get(rnd["level"], (rnd["level"], 1))
        _, matrix = await round_matrix(svc, rnd)
        first = {pool: sid for sid, pool in rnd["pools"].items()}  # one entry names each pool's units
        docs = await entries_by_id(svc.entries, campaign.id, list(first.values()))
        labels = pool_labels(rnd["pools"].values(), [docs[s] for s in first.values() if s in docs])
        entries, scored, done = Counter[str](), Counter[str](), Counter[str]()
        for sid, pool in rnd["pools"].items():
            got = len(matrix.get(sid, {}))
            entries[pool] += 1
            scored[pool] += min(got, k)
            done[pool] += got >= k
        for pool in sorted(entries):
            rows.append(
                {
                    "round_id": rnd["_id"],
                    "level": rnd["level"],
                    "level_name": name,
                    "state": rnd["state"],
                    "pool": pool,
                    "panel": f"{name} · {labels.get(pool, pool)}",
                    "entries": entries[pool],
                    "scores_due": entries[pool] * k,
                    "scores_in": scored[pool],
                    "entries_done": done[pool],
                }
            )
    return rows


@router.get(
    "/campaigns/{campaign_id}/progress",
    response_model=list[PanelProgress],
    responses=responses(*ADMIN),
)
async def progress_by_panel(svc: Review, _: Admin, campaign: KnownCampaign) -> list[dict[str, Any]]:
    """Every round's panels: entries, scores owed and in, entries fully scored."""
    return await panel_progress(svc, campaign)


@router.get(
    "/campaigns/{campaign_id}/progress.xlsx",
    response_class=Response,
    responses={**XLSX_RESPONSE, **responses(*ADMIN)},
)
async def progress_sheet(svc: Review, _: Admin, campaign: KnownCampaign) -> Response:
    header = ["评审组", "轮次状态", "作品数", "应评分次数", "已评分次数", "已评完作品"]
    rows = [
        [r["panel"], r["state"], r["entries"], r["scores_due"], r["scores_in"], r["entries_done"]]
        for r in await panel_progress(svc, campaign)
    ]
    data = chart_workbook(f"{campaign.title} · 评审进度", header, rows)
    return xlsx_response(data, f"{campaign.id}-评审进度.xlsx")
