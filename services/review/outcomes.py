"""Turning a level's scores into outcomes, by the rule its notice states (pure).

Entries are pooled by the level's ``pool_by`` keys (unit at the level's depth,
group, category ...), then the level's outcome rule is applied: award tiers
(by ratio under a cap, or fixed counts) within each pool, or recommendations
upward (top N per pool, per-unit quotas, or a total with per-group minimums)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts.campaign import ReviewLevel
from services.review.awards import (
    RankedEntry,
    award_by_ratio,
    award_fixed_counts,
    rank,
    recommend_by_quota,
    recommend_with_minimums,
)

# Depth of a unit level in an entry's unit path (province > city > county > school).
DEPTH = {"province": 0, "city": 1, "county": 2, "school": 3}


@dataclass(frozen=True)
class Scored:
    submission_id: str
    score: float
    submitted_at: datetime
    unit_path: tuple[str, ...]
    unit_code: str
    group: str | None
    category: str | None
    subcolumn: str | None


@dataclass(frozen=True)
class Decision:
    outcome: str  # recommended | not_recommended | awarded
    award_tier: str | None
    rank: int
    score: float


def pool_key(level: ReviewLevel, entry: Scored) -> str:
    parts: list[str] = []
    for key in level.outcome.pool_by:
        if key == "unit":
            depth = DEPTH.get(level.unit_level)
            path = entry.unit_path
            parts.append(path[depth] if depth is not None and depth < len(path) else entry.unit_code)
        else:
            parts.append(getattr(entry, key, None) or "-")
    return "/".join(parts) or "all"


def decide(level: ReviewLevel, entries: Sequence[Scored]) -> dict[str, Decision]:
    rule = level.outcome
    ranked_in = [
        RankedEntry(
            e.submission_id,
            Decimal(str(round(e.score, 4))),
            e.submitted_at,
            group=pool_key(level, e),
            unit_code=e.unit_code,
        )
        for e in entries
    ]
    by_pool: dict[str, list[RankedEntry]] = defaultdict(list)
    for r in ranked_in:
        by_pool[r.group].append(r)
    tiers: dict[str, str | None] = {}
    if rule.tiers:
        for pool in by_pool.values():
            if all(t.count is not None for t in rule.tiers):
                tiers |= award_fixed_counts(pool, [(t.name, t.count or 0) for t in rule.tiers])
            else:
                tiers |= award_by_ratio(
                    pool, [(t.name, t.ratio or 0) for t in rule.tiers], str(rule.award_cap or 1)
                )
        kind = "awarded"
    elif rule.recommend_total is not None:
        minimums = {g: rule.min_per_group or 0 for g in by_pool}
        tiers = recommend_with_minimums(ranked_in, rule.recommend_total, minimums)
        kind = "recommended"
    elif rule.unit_quotas:
        tiers = recommend_by_quota(ranked_in, rule.unit_quotas)
        kind = "recommended"
    else:
        top = rule.recommend_top if rule.recommend_top is not None else len(ranked_in)
        tiers = recommend_by_quota(ranked_in, dict.fromkeys(by_pool, top))
        kind = "recommended"
    scores = {e.submission_id: e.score for e in entries}
    ranks = _ranks_in_pool(by_pool)
    return {
        sid: Decision(
            kind if tier else "not_recommended", tier if kind == "awarded" else None, ranks[sid], scores[sid]
        )
        for sid, tier in tiers.items()
    }


def _ranks_in_pool(by_pool: dict[str, list[RankedEntry]]) -> dict[str, int]:
    return {e.submission_id: i for pool in by_pool.values() for i, e in enumerate(rank(pool), start=1)}
