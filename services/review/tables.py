"""The chair's read models of a round: scores that count, what is missing, progress per reviewer,
and the score table with outlier flags and per-panel agreement (Krippendorff's alpha).

A score counts when its sheet is complete and its reviewer is still assigned to the entry (a
reassigned reviewer's old score is set aside, not deleted)."""

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contracts.campaign import Campaign
from services.review.aggregation import AggregationMethod, aggregate, flag_outliers, krippendorff_alpha
from services.review.pooling import pool_labels

if TYPE_CHECKING:
    from services.review.app import ReviewService

Matrix = dict[str, dict[str, Decimal]]


async def sheets_of(svc: "ReviewService", round_id: str) -> list[dict[str, Any]]:
    return [d async for d in svc.scores.find({"round_id": round_id})]


def counted(rnd: dict[str, Any], sheets: list[dict[str, Any]]) -> Matrix:
    matrix: Matrix = {sid: {} for sid in rnd["submission_ids"]}
    for s in sheets:
        sid, rid = s["submission_id"], s["reviewer_id"]
        if s["status"] == "complete" and rid in rnd["assignments"].get(sid, []) and sid in matrix:
            matrix[sid][rid] = Decimal(s["total"])
    return matrix


def missing_scores(rnd: dict[str, Any], matrix: Matrix, k: int) -> list[dict[str, Any]]:
    """Every score still owed: by an assigned reviewer, or by a reviewer not yet assigned (a gap)."""
    out: list[dict[str, Any]] = []
    for sid in rnd["submission_ids"]:
        assigned = rnd["assignments"].get(sid, [])
        out += [{"submission_id": sid, "reviewer_id": r} for r in assigned if r not in matrix[sid]]
        out += [{"submission_id": sid, "reviewer_id": None}] * max(0, k - len(assigned))
    return out


def aggregate_round(campaign: Campaign, matrix: Matrix) -> dict[str, Decimal]:
    scored = {sid: scores for sid, scores in matrix.items() if scores}
    return aggregate(scored, AggregationMethod(campaign.review_settings.aggregation)) if scored else {}


def flags_of(campaign: Campaign, matrix: Matrix) -> list[dict[str, Any]]:
    rs = campaign.review_settings
    if rs.outlier_points is None and rs.outlier_mads is None:
        return []
    found = flag_outliers(
        matrix,
        max_points=Decimal(str(rs.outlier_points)) if rs.outlier_points is not None else None,
        max_mads=Decimal(str(rs.outlier_mads)) if rs.outlier_mads is not None else None,
    )
    return [
        {
            "submission_id": f.submission_id,
            "reviewer_id": f.reviewer_id,
            "score": str(f.score),
            "median": str(f.median),
            "deviation": str(f.deviation),
            "rule": f.rule,
        }
        for f in found
    ]


def agreement(rnd: dict[str, Any], matrix: Matrix) -> list[dict[str, Any]]:
    """Krippendorff's alpha (interval) per pool; None where undefined (too few entries or scores)."""
    by_pool: dict[str, Matrix] = defaultdict(dict)
    for sid, scores in matrix.items():
        by_pool[rnd["pools"][sid]][sid] = scores
    rows = []
    for pool, sub in sorted(by_pool.items()):
        # One entry is no sample of a panel's agreement (alpha there is 0 or undefined by construction).
        alpha = krippendorff_alpha(sub) if len(sub) >= 2 else None
        rows.append({"pool": pool, "entries": len(sub), "alpha": None if alpha is None else round(alpha, 3)})
    return rows


async def progress(svc: "ReviewService", rnd: dict[str, Any]) -> list[dict[str, Any]]:
    sheets = await sheets_of(svc, rnd["_id"])
    status = {(s["submission_id"], s["reviewer_id"]): s["status"] for s in sheets}
    load: dict[str, list[str]] = defaultdict(list)
    for sid, reviewers in rnd["assignments"].items():
        for r in reviewers:
            load[r].append(sid)
    rows = []
    async for x in svc.experts.find({"campaign_id": rnd["campaign_id"], "level": rnd["level"]}).sort(
        "name", 1
    ):
        mine = load.get(x["_id"], [])
        done = sum(status.get((sid, x["_id"])) == "complete" for sid in mine)
        drafts = sum(status.get((sid, x["_id"])) == "draft" for sid in mine)
        rows.append(
            {
                "reviewer_id": x["_id"],
                "name": x["name"],
                "unit_name": x.get("unit_name") or x["unit_code"],
                "role": x.get("role", "reviewer"),
                "assigned": len(mine),
                "complete": done,
                "drafts": drafts,
            }
        )
    return rows


async def score_table(svc: "ReviewService", rnd: dict[str, Any], campaign: Campaign) -> dict[str, Any]:
    """Every entry with its unit (the chair is not blind), pool, each reviewer's score, the aggregate,
    earlier levels' results (lineage), and the flags and agreement above."""
    matrix = counted(rnd, await sheets_of(svc, rnd["_id"]))
    totals = aggregate_round(campaign, matrix)
    flags = flags_of(campaign, matrix)
    flagged = {(f["submission_id"], f["reviewer_id"]) for f in flags}
    docs = {d["_id"]: d async for d in svc.entries.find({"_id": {"$in": rnd["submission_ids"]}})}
    rows = []
    for sid in rnd["submission_ids"]:
        doc = docs[sid]
        rows.append(
            {
                "submission_id": sid,
                "title": doc["entry"].get("title"),
                "unit_name": doc["attribution"].get("unit_name"),
                "pool": rnd["pools"][sid],
                "reviewers": rnd["assignments"].get(sid, []),
                "scores": {
                    r: {"score": str(v), "flagged": (sid, r) in flagged} for r, v in matrix[sid].items()
                },
                "score": str(totals[sid]) if sid in totals else None,
                "earlier": {k: v for k, v in (doc.get("levels") or {}).items() if k != rnd["level"]},
            }
        )
    k = next(lv.reviewers_per_entry for lv in campaign.review_levels if lv.key == rnd["level"])
    return {
        "round_id": rnd["_id"],
        "state": rnd["state"],
        "aggregation": campaign.review_settings.aggregation,
        "entries": rows,
        "flags": flags,
        "agreement": agreement(rnd, matrix),
        "pool_labels": pool_labels(rnd["pools"].values(), docs.values()),
        "missing": missing_scores(rnd, matrix, k),
    }
