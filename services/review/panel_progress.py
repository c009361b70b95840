"""Review progress per panel for the campaign admin's statistics page: for every round of the
campaign, per pool (评审组), how many entries it holds and how many of the scores it owes are in.

Counted as the chair's table counts a round (``tables.counted``: the assignment and only the
four counting fields of each sheet), but read for every round at once: one query for the
assignments, one for the sheets, one for an entry per pool (which names its units), however many
units' rounds the campaign has; what leaves is a row per panel."""

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from contracts.campaign import Campaign
from services.common.chart_sheet import XLSX_RESPONSE, chart_workbook, xlsx_response
from services.common.errors import responses
from services.review.dependencies import Admin, KnownCampaign, Review
from services.review.pooling import pool_labels
from services.review.round_store import entries_by_id
from services.review.tables import SHEET_FIELDS, counted

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
    rounds = [r async for r in svc.rounds.find({"campaign_id": campaign.id}, {"assignments": 0, "frozen": 0})]
    if not rounds:
        return []
    ids = [r["_id"] for r in rounds]
    lists = await svc.lists.of_rounds(ids)
    sheets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    async for s in svc.scores.find({"round_id": {"$in": ids}}, {**SHEET_FIELDS, "round_id": 1}):
        sheets[s["round_id"]].append(s)
    # One entry names each pool's units: the first of every pool of every round, read at once.
    firsts = {r["_id"]: {pool: sid for sid, pool in r["pools"].items()} for r in rounds}
    docs = await entries_by_id(svc.entries, campaign.id, {sid for f in firsts.values() for sid in f.values()})
    rows: list[dict[str, Any]] = []
    for rnd in rounds:
        name, k = names.get(rnd["level"], (rnd["level"], 1))
        matrix = counted(rnd, lists[rnd["_id"]], sheets[rnd["_id"]])
        first = firsts[rnd["_id"]]
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
                    "panel": panel_name(name, rnd.get("unit_name") or "", labels.get(pool, pool)),
                    "entries": entries[pool],
                    "scores_due": entries[pool] * k,
                    "scores_in": scored[pool],
                    "entries_done": done[pool],
                }
            )
    return rows


def panel_name(level_name: str, unit_name: str, pool_label: str) -> str:
    """``县级评审 · 延吉市 · 小学组``: a unit's round is named by its unit unless the pool's label
    already names it (a level pooling by unit), so two counties' 小学组 are told apart."""
    if unit_name and unit_name not in pool_label.split("/"):
        return f"{level_name} · {unit_name} · {pool_label}"
    return f"{level_name} · {pool_label}"


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
