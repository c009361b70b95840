"""Turning a level's scores into outcomes, by the rules its notice states (pure).

Entries are pooled by the level's ``pool_by`` keys (``pooling.py``). Awards and
upward recommendation are separate decisions, and a level may make both (Hunan's
city level awards 一:二:三 = 3:3:4 under an 80% cap AND recommends 60 to the
province); each entry's ``Decision`` then carries both.

Awards (``outcome.tiers``), within each pool, one kind per scheme:
- ratio tiers under ``award_cap`` (largest remainder, ``awards.ratio_quotas``);
- fixed counts, filled top-down;
- score thresholds (``min_score``): the highest tier whose threshold the score meets;
- tiers with none of these are chosen by the panel chair (Ganzhou 优秀等次, Liaoning 示范微党课).
``award_cap`` bounds every kind: places past floor(pool x cap) go to nobody (lowest ranks first),
and a chair's choice past the cap is refused.

Recommendations:
- ``recommend_total`` with ``min_per_group`` per pool (Hunan: 60, at least 10 per section);
- ``unit_quotas``: the quota of the unit at the level's depth (keyed by code, or by name through
  ``unit_codes``) applies to each of that unit's pools (unit x category for Hunan's counties);
- ``recommend_top`` per pool, or each series' quota for this level (``quota_from_series``);
- ``quota_kind: minimum`` turns the last two into floors: the top N go up, the chair may add more,
  and a pool holding fewer than N sends all it has with a warning;
- a level with no rule at all (择优推荐 without a number) recommends whom the chair chooses.

``Decision.outcome`` is ``recommended`` when the entry goes up (its tier, if any, rides along in
``award_tier``), else ``awarded`` when it won a tier, else ``not_recommended``."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from contracts.campaign import AwardTier, Outcome, ReviewLevel
from services.review.awards import (
    AwardSchemeError,
    RankedEntry,
    award_by_ratio,
    award_fixed_counts,
    rank,
    recommend_with_minimums,
    short_groups,
    straddling_ties,
)
from services.review.pooling import level_unit, pool_key
from services.review.quotas import Text, additions_allowed, panel_recommends, pool_quotas, recommendations
from services.review.series_rules import SeriesRules

__all__ = ["Decision", "Proposal", "Scored", "pool_key", "propose"]


# A record of plain fields: alike in shape to other dataclasses (transcoder's Hardware), sharing no logic.
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
    series: str | None = None
    questions: int | None = None  # a quiz set's, as the validator counted them
    unit_levels: tuple[str, ...] = ()  # the kind of each unit of the path (decision 0031)


@dataclass(frozen=True)
class Decision:
    outcome: str  # recommended | not_recommended | awarded
    award_tier: str | None
    rank: int
    score: float


@dataclass(frozen=True)
class Proposal:
    decisions: dict[str, Decision]
    pools: dict[str, str]  # submission_id -> pool key
    warnings: list[Text] = field(default_factory=list)
    pending: list[Text] = field(default_factory=list)  # choices the chair still has to make
    ties: list[list[str]] = field(default_factory=list)  # equal scores split by the tie-break rule


def tier_kind(tier: AwardTier) -> str:
    if tier.ratio is not None:
        return "ratio"
    if tier.count is not None:
        return "count"
    if tier.min_score is not None:
        return "min_score"
    return "panel"


def _awards(rule: Outcome, pool: list[RankedEntry], chosen: Mapping[str, str]) -> dict[str, str | None]:
    kinds = {tier_kind(t) for t in rule.tiers}
    if len(kinds) > 1:
        raise AwardSchemeError(
            "奖项设置混用了比例、固定名额、分数线或评委会选定，无法评定",
            f"the tiers mix kinds of award rule ({sorted(kinds)}): use one kind per level",
        )
    (kind,) = kinds
    cap = Decimal(str(rule.award_cap)) if rule.award_cap is not None else Decimal(1)
    limit = int(len(pool) * cap)  # floor: the cap is never exceeded
    if kind == "ratio":
        return award_by_ratio(pool, [(t.name, t.ratio or 0) for t in rule.tiers], str(cap))
    if kind == "count":
        out = award_fixed_counts(pool, [(t.name, t.count or 0) for t in rule.tiers])
    elif kind == "min_score":
        ladder = sorted(rule.tiers, key=lambda t: -(t.min_score or 0))
        out = {
            e.submission_id: next((t.name for t in ladder if e.score >= Decimal(str(t.min_score))), None)
            for e in rank(pool)
        }
    else:
        out = {e.submission_id: chosen.get(e.submission_id) for e in rank(pool)}
        if sum(v is not None for v in out.values()) > limit:
            raise AwardSchemeError(
                f"选定的获奖作品超过获奖上限（本组至多 {limit} 件）",
                f"the chosen awards exceed the cap of {limit} in this pool",
            )
        return out
    awarded = [sid for sid, tier in out.items() if tier is not None]
    for sid in awarded[limit:]:  # ``out`` is in rank order: the lowest ranks lose their place
        out[sid] = None
    return out


def _rule_of(
    rule: Outcome,
    pool: list[RankedEntry],
    series: Mapping[str, str | None],
    series_tiers: Mapping[str, list[AwardTier]],
) -> Outcome:
    """The level's rule for one pool, with the pool's series' own tiers where it states them."""
    own = series_tiers.get(series.get(pool[0].submission_id) or "")
    return rule if own is None else rule.model_copy(update={"tiers": own})


def propose(
    level: ReviewLevel,
    entries: Sequence[Scored],
    *,
    series: SeriesRules | None = None,
    chosen: Mapping[str, str] | None = None,
    added: Collection[str] = (),
    confirmed: bool = False,
) -> Proposal:
    """The outcome the chair is shown before freezing it (see the module docstring).

    ``chosen``: submission_id -> tier name, the chair's picks for panel-chosen tiers; ``added``:
    entries the chair recommends beyond the automatic ones; ``confirmed``: the chair has made
    (possibly empty) choices, so nothing is pending any more. ``series``: what each series states for
    this level (``series_rules``): its quota (of entries, or of quiz questions) and its own tiers,
    which replace the level's in that series' pools."""
    rule, chosen = level.outcome, chosen or {}
    ranked_in = [
        RankedEntry(
            e.submission_id, Decimal(str(round(e.score, 4))), e.submitted_at, pool_key(level, e), e.unit_code
        )
        for e in entries
    ]
    units = {e.submission_id: level_unit(level, e) for e in entries} if "unit" in rule.pool_by else {}
    rules_of_series = series or SeriesRules()
    series_of = {e.submission_id: e.series for e in entries}
    # A pool whose series counts questions fills its quota by questions, not by entries.
    sizes = {e.submission_id: e.questions or 0 for e in entries if e.series in rules_of_series.by_questions}
    by_pool: dict[str, list[RankedEntry]] = defaultdict(list)
    for r in ranked_in:
        by_pool[r.group].append(r)
    warnings: list[Text] = []
    pending: list[Text] = []

    tiers: dict[str, str | None] = {}
    rules = {key: _rule_of(rule, pool, series_of, rules_of_series.tiers) for key, pool in by_pool.items()}
    if any(r.tiers for r in rules.values()):
        panel = sorted({t.name for r in rules.values() for t in r.tiers if tier_kind(t) == "panel"})
        unknown = sorted({t for t in chosen.values() if t not in panel})
        if unknown:
            raise AwardSchemeError(
                f"奖项“{'、'.join(unknown)}”不由评委会选定", f"tiers {unknown} are not chosen by the panel"
            )
        if panel and not confirmed:
            pending.append(
                (f"请评委会选定“{'、'.join(panel)}”作品", f"the chair has to choose the {panel} entries")
            )
        for key, pool in by_pool.items():
            if rules[key].tiers:
                tiers |= _awards(rules[key], pool, chosen)
    elif chosen:
        raise AwardSchemeError("本级不评奖", "this level gives no awards")

    if added and not additions_allowed(rule):
        raise AwardSchemeError(
            "本级推荐名额已定（或本级不推荐），不能另行增加推荐",
            "this level's recommendations are fixed (or it recommends nobody): no additions",
        )
    recommended: set[str] = set(added)
    if rule.recommend_total is not None:
        minimums = {g: rule.min_per_group or 0 for g in by_pool}
        picked = recommend_with_minimums(ranked_in, rule.recommend_total, minimums)
        recommended |= {sid for sid, label in picked.items() if label}
        warnings += short_groups(ranked_in, minimums)
    elif rule.unit_quotas or rule.recommend_top is not None or rule.quota_from_series:
        quotas = pool_quotas(rule, level.key, by_pool, units, series_of, rules_of_series.quotas)
        auto, notes = recommendations(rule, by_pool, quotas, sizes)
        recommended |= auto
        warnings += notes
    elif not rule.tiers:
        recommended |= panel_recommends(added, confirmed, pending)

    scores = {e.submission_id: e.score for e in entries}
    ranks = {e.submission_id: i for pool in by_pool.values() for i, e in enumerate(rank(pool), start=1)}
    decisions: dict[str, Decision] = {}
    for e in rank(ranked_in):
        sid, tier = e.submission_id, tiers.get(e.submission_id)
        outcome = "recommended" if sid in recommended else "awarded" if tier else "not_recommended"
        decisions[sid] = Decision(outcome, tier, ranks[sid], scores[sid])
    labels = {sid: f"{d.outcome}/{d.award_tier}" for sid, d in decisions.items()}
    ties = [t for pool in by_pool.values() for t in straddling_ties(pool, labels)]
    pools = {r.submission_id: r.group for r in ranked_in}
    return Proposal(decisions, pools, warnings, pending, ties)
