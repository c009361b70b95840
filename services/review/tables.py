"""The chair's read models of a round: scores that count, what is missing, progress per reviewer,
and the score table with outlier flags and per-panel agreement (Krippendorff's alpha).

The table and progress answer a page at a time (``paging.py``). The table's round-wide figures
(aggregates, which may standardise per reviewer across the round; agreement; the missing count)
still read every sheet of the round, only the four fields counting needs; what a page answers is
bounded.

A score counts when its sheet is complete and its reviewer is still assigned to the entry (a
reassigned reviewer's old score is set aside, not deleted)."""

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from contracts.campaign import Campaign
from services.review.aggregation import AggregationMethod, aggregate, flag_outliers, krippendorff_alpha
from services.review.paging import Page
from services.review.pooling import pool_labels
from services.review.round_store import entries_by_id

if TYPE_CHECKING:
    from services.review.app import ReviewService

Matrix = dict[str, dict[str, Decimal]]


SHEET_FIELDS = {"submission_id": 1, "reviewer_id": 1, "status": 1, "total": 1}


async def sheets_of(svc: "ReviewService", round_id: str) -> list[dict[str, Any]]:
    """The round's sheets, only what counting looks at (a round of 10,000 entries has 30,000)."""
    return [d async for d in svc.scores.find({"round_id": round_id}, SHEET_FIELDS)]


Lists = dict[str, list[str]]  # submission_id -> its reviewers


async def round_matrix(svc: "ReviewService", rnd: dict[str, Any]) -> tuple[Lists, Matrix]:
    """Every entry's reviewers and the scores that count: what a proposal and the table's
    round-wide figures (aggregates, agreement, what is missing) are computed from."""
    lists = await svc.lists.of_round(rnd["_id"])
    return lists, counted(rnd, lists, await sheets_of(svc, rnd["_id"]))


def counted(rnd: dict[str, Any], lists: Lists, sheets: list[dict[str, Any]]) -> Matrix:
    matrix: Matrix = {sid: {} for sid in rnd["submission_ids"]}
    for s in sheets:
        sid, rid = s["submission_id"], s["reviewer_id"]
        if s["status"] == "complete" and sid in matrix and rid in lists.get(sid, []):
            matrix[sid][rid] = Decimal(s["total"])
    return matrix


def missing_scores(rnd: dict[str, Any], lists: Lists, matrix: Matrix, k: int) -> list[dict[str, Any]]:
    """Every score still owed: by an assigned reviewer, or by a reviewer not yet assigned (a gap)."""
    out: list[dict[str, Any]] = []
    for sid in rnd["submission_ids"]:
        assigned = lists.get(sid, [])
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


async def progress(svc: "ReviewService", rnd: dict[str, Any], page: Page) -> dict[str, Any]:
    """A page of the level's reviewers (by name) with what each has done. The round's assignment
    and sheets are read in two range reads: on SecantusDB a ``$in`` over a page of reviewers
    costs more than reading the whole round (decision 0025)."""
    query = {"campaign_id": rnd["campaign_id"], "level": rnd["level"]}
    total = await svc.experts.count_documents(query)
    cursor = svc.experts.find(query).sort([("name", 1), ("_id", 1)]).skip(page.offset).limit(page.limit)
    experts = [x async for x in cursor]
    load: dict[str, list[str]] = defaultdict(list)
    for sid, reviewers in (await svc.lists.of_round(rnd["_id"])).items():
        for r in reviewers:
            load[r].append(sid)
    status = {(s["submission_id"], s["reviewer_id"]): s["status"] for s in await sheets_of(svc, rnd["_id"])}
    rows = []
    for x in experts:
        mine = load.get(x["_id"], [])
        rows.append(
            {
                "reviewer_id": x["_id"],
                "name": x["name"],
                "unit_name": x.get("unit_name") or x["unit_code"],
                "role": x.get("role", "reviewer"),
                "assigned": len(mine),
                "complete": sum(status.get((sid, x["_id"])) == "complete" for sid in mine),
                "drafts": sum(status.get((sid, x["_id"])) == "draft" for sid in mine),
            }
        )
    return {"reviewers": rows, "total": total, "offset": page.offset, "next_offset": page.next_offset(total)}


async def score_table(
    svc: "ReviewService", rnd: dict[str, Any], campaign: Campaign, page: Page
) -> dict[str, Any]:
    """A page of the round's entries with their unit (the chair is not blind), pool, each reviewer's
    score, the aggregate and earlier levels' results (lineage); the page's flags and missing scores;
    and for the whole round the agreement per pool and how many scores are missing."""
    lists, matrix = await round_matrix(svc, rnd)
    totals = aggregate_round(campaign, matrix)
    shown = page.of(rnd["submission_ids"])
    flags = flags_of(campaign, {sid: matrix[sid] for sid in shown})
    flagged = {(f["submission_id"], f["reviewer_id"]) for f in flags}
    first_of_pool = {pool: sid for sid, pool in reversed(rnd["pools"].items())}  # names each pool's units
    wanted = list({*shown, *first_of_pool.values()})
    docs = await entries_by_id(svc.entries, rnd["campaign_id"], wanted)
    rows = []
    for sid in shown:
        doc = docs[sid]
        rows.append(
            {
                "submission_id": sid,
                "title": doc["entry"].get("title"),
                "unit_name": doc["attribution"].get("unit_name"),
                "pool": rnd["pools"][sid],
                "reviewers": lists.get(sid, []),
                "scores": {
                    r: {"score": str(v), "flagged": (sid, r) in flagged} for r, v in matrix[sid].items()
                },
                "score": str(totals[sid]) if sid in totals else None,
                "earlier": {k: v for k, v in (doc.get("levels") or {}).items() if k != rnd["level"]},
            }
        )
    k = next(lv.reviewers_per_entry for lv in campaign.review_levels if lv.key == rnd["level"])
    missing = missing_scores(rnd, lists, matrix, k)
    on_page = set(shown)
    total = len(rnd["submission_ids"])
    return {
        "round_id": rnd["_id"],
        "state": rnd["state"],
        "aggregation": campaign.review_settings.aggregation,
        "entries": rows,
        "flags": flags,
        "agreement": agreement(rnd, matrix),
        "pool_labels": pool_labels(rnd["pools"].values(), [docs[sid] for sid in first_of_pool.values()]),
        "missing": [m for m in missing if m["submission_id"] in on_page],
        "missing_count": len(missing),
        "total": total,
        "offset": page.offset,
        "next_offset": page.next_offset(total),
    }
