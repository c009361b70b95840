"""Apportioning outcomes: ratio tiers under a cap, fixed counts, quota recommendations, organising units.

Pure functions over a list of ``RankedEntry``; every function returns ``{submission_id: tier or None}``
with keys in rank order, so the result is deterministic and can be rendered as-is.

Ranking — the one total order used everywhere in this module:
    score descending, then ``submitted_at`` ascending (earlier submission wins),
    then ``submission_id`` ascending (a last resort that makes the order total).

Tied scores at a boundary: because the order above is total, an equal-score group that straddles a
tier boundary or the cap boundary is split by that secondary key — the earlier submissions take the
higher tier (or the last awarded places) and the rest go one tier down (or out).  Tier counts and the
cap are therefore always met exactly and never exceeded.  ``straddling_ties`` lists the groups this
rule split, so the panel chair can see (and, if the notice says otherwise, rescore) them.

Ratio tiers (e.g. Hunan 一:二:三 = 3:3:4, at most 80% awarded):
    total = floor(N * cap), computed with ``Fraction`` (floats from YAML are read as the decimal
    literal they print as, so 0.8 means exactly 4/5).  Each tier's exact share total * r_i / sum(r)
    is floored; the places left over go one each to the tiers with the LARGEST fractional remainder.
    Tied remainders: the HIGHER tier (earlier in the list) wins.  Hunan 47 entries -> 37 = 11/11/15.

Fixed counts (e.g. Shanxi 特等奖 5 / 一等奖 10 / 二等奖 15 / 三等奖 20 / 优秀奖 30): places are filled
top-down in rank order; with fewer entries than places the LOWEST tiers come up short (possibly empty),
never the higher ones.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from itertools import groupby

from services.common.errors import ServiceError

Exact = int | Decimal | Fraction | str | float
Outcome = dict[str, str | None]


class AwardSchemeError(ServiceError):
    """An award scheme that cannot be met (bad ratios, cap, counts, or minimums): 422."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(422, zh, en)


@dataclass(frozen=True, slots=True)
class RankedEntry:
    submission_id: str
    score: Decimal
    submitted_at: datetime
    group: str = ""  # the pool the entry competes in: section (学段), county, ...
    unit_code: str = ""  # the submitting school/unit, for organising-unit awards


@dataclass(frozen=True, slots=True)
class UnitTally:
    unit_code: str
    awarded: int
    by_tier: tuple[int, ...]  # awarded count per tier, in the tier_order given


def rank(entries: Iterable[RankedEntry]) -> list[RankedEntry]:
    """Entries in the module's total order; duplicate submission ids are a scheme error."""
    ranked = sorted(entries, key=lambda e: (-e.score, e.submitted_at, e.submission_id))
    dupes = sorted(sid for sid, n in Counter(e.submission_id for e in ranked).items() if n > 1)
    if dupes:
        raise AwardSchemeError(f"作品编号重复：{', '.join(dupes)}", f"duplicate submission ids: {dupes}")
    return ranked


def _exact(value: Exact, what: str) -> Fraction:
    if isinstance(value, bool):
        raise AwardSchemeError(f"{what}必须是数字", f"{what} must be a number")
    try:
        # repr() of a float is the shortest literal that round-trips: 0.8 -> "0.8" -> 4/5 exactly.
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, ArithmeticError) as exc:
        raise AwardSchemeError(f"{what}无法识别：{value}", f"{what} is not a number: {value!r}") from exc


def _check_tier_names(names: Sequence[str]) -> None:
    if not names:
        raise AwardSchemeError("至少需要设置一个奖项等级", "at least one award tier is required")
    if len(set(names)) != len(names) or any(not n for n in names):
        raise AwardSchemeError("奖项等级名称不能为空或重复", "tier names must be non-empty and unique")


def ratio_quotas(n: int, tiers: Sequence[tuple[str, Exact]], cap: Exact = 1) -> dict[str, int]:
    """Places per tier for ``n`` entries: floor(n*cap) split by largest remainder (higher tier wins ties)."""
    _check_tier_names([name for name, _ in tiers])
    if n < 0:
        raise AwardSchemeError("作品数量不能为负数", "number of entries cannot be negative")
    ratios = [_exact(r, "获奖比例") for _, r in tiers]
    if any(r < 0 for r in ratios):
        raise AwardSchemeError("获奖比例不能为负数", "tier ratios cannot be negative")
    ratio_sum = sum(ratios, Fraction(0))
    if ratio_sum == 0:
        raise AwardSchemeError("各奖项比例之和不能为零", "tier ratios must not sum to zero")
    cap_f = _exact(cap, "获奖上限比例")
    if not 0 <= cap_f <= 1:
        raise AwardSchemeError(
            f"获奖上限比例须在 0 到 1 之间，当前为 {cap}", f"award cap must be between 0 and 1, got {cap}"
        )
    total = math.floor(n * cap_f)
    shares = [total * r / ratio_sum for r in ratios]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return {name: c for (name, _), c in zip(tiers, counts, strict=True)}


def _fill(ranked: Sequence[RankedEntry], quotas: Sequence[tuple[str, int]]) -> Outcome:
    outcome: Outcome = {e.submission_id: None for e in ranked}
    pos = 0
    for name, count in quotas:
        for e in ranked[pos : pos + count]:
            outcome[e.submission_id] = name
        pos += count
    return outcome


def award_by_ratio(
    entries: Iterable[RankedEntry], tiers: Sequence[tuple[str, Exact]], cap: Exact = 1
) -> Outcome:
    """Ratio tiers with a cap, e.g. ``[("一等奖", 3), ("二等奖", 3), ("三等奖", 4)]``, cap ``"0.8"``."""
    ranked = rank(entries)
    quotas = ratio_quotas(len(ranked), tiers, cap)
    return _fill(ranked, list(quotas.items()))


def award_fixed_counts(entries: Iterable[RankedEntry], counts: Sequence[tuple[str, int]]) -> Outcome:
    """Fixed places per tier, filled top-down; with too few entries the lowest tiers come up short."""
    _check_tier_names([name for name, _ in counts])
    if any(c < 0 for _, c in counts):
        raise AwardSchemeError("奖项名额不能为负数", "tier counts cannot be negative")
    return _fill(rank(entries), counts)


def recommend_by_quota(
    entries: Iterable[RankedEntry], quotas: Mapping[str, int], label: str = "推荐"
) -> Outcome:
    """Each group (e.g. county) recommends its best ``quotas[group]`` entries upward.

    A group holding fewer entries than its quota recommends all of them.  An entry whose group has no
    quota row is an error rather than a silent "not recommended": it means the table is incomplete.
    """
    ranked = rank(entries)
    if any(q < 0 for q in quotas.values()):
        raise AwardSchemeError("推荐名额不能为负数", "recommendation quotas cannot be negative")
    missing = sorted({e.group for e in ranked} - set(quotas))
    if missing:
        raise AwardSchemeError(
            f"以下单位没有推荐名额：{', '.join(missing)}", f"no recommendation quota for groups: {missing}"
        )
    taken: Counter[str] = Counter()
    outcome: Outcome = {}
    for e in ranked:
        chosen = taken[e.group] < quotas[e.group]
        if chosen:
            taken[e.group] += 1
        outcome[e.submission_id] = label if chosen else None
    return outcome


def recommend_with_minimums(
    entries: Iterable[RankedEntry], total: int, minimums: Mapping[str, int], label: str = "推荐"
) -> Outcome:
    """Recommend ``total`` entries with at least ``minimums[group]`` from each group.

    Minimums are met first with each group's best entries; the remaining places go by overall rank.
    A group with fewer entries than its minimum sends all it has (a city cannot send ten resources
    of a section it received three of; ``short_groups`` names them for the chair). Minimums summing
    past ``total`` raise: that is a scheme no set of entries could meet.
    """
    ranked = rank(entries)
    if total < 0 or any(m < 0 for m in minimums.values()):
        raise AwardSchemeError("推荐总数和各组最低名额不能为负数", "total and minimums cannot be negative")
    if sum(minimums.values()) > total:
        raise AwardSchemeError(
            f"各组最低名额之和 {sum(minimums.values())} 超过推荐总数 {total}",
            f"minimums sum to {sum(minimums.values())}, more than the total of {total}",
        )
    by_group: dict[str, list[RankedEntry]] = defaultdict(list)
    for e in ranked:
        by_group[e.group].append(e)
    chosen = {e.submission_id for g, m in minimums.items() for e in by_group[g][:m]}
    for e in ranked:
        if len(chosen) >= total:
            break
        chosen.add(e.submission_id)
    return {e.submission_id: label if e.submission_id in chosen else None for e in ranked}


def short_groups(entries: Iterable[RankedEntry], minimums: Mapping[str, int]) -> list[tuple[str, str]]:
    """The groups with fewer entries than their minimum, as (zh, en) warnings for the chair."""
    have = Counter(e.group for e in entries)
    return [
        (
            f"{g} 至少应推荐 {m} 件，但仅有 {have[g]} 件：全部推荐",
            f"{g} needs {m} but has {have[g]}: all go up",
        )
        for g, m in sorted(minimums.items())
        if have[g] < m
    ]


def organising_units(
    entries: Iterable[RankedEntry],
    outcome: Mapping[str, str | None],
    *,
    tier_order: Sequence[str] = (),
    top_k: int | None = None,
    min_awarded: int | None = None,
) -> list[UnitTally]:
    """Organising-unit awards (优秀组织单位): units ranked by number of awarded entries.

    Order: awarded count descending, then the per-tier profile in ``tier_order`` descending (more
    first prizes wins), then unit code ascending.  Selects units with at least ``min_awarded`` awarded
    entries (and always at least one), then keeps the first ``top_k`` — never more than ``top_k``.
    """
    if top_k is None and min_awarded is None:
        raise AwardSchemeError("须指定评选数量或获奖作品数门槛", "give top_k or min_awarded (or both)")
    if (top_k is not None and top_k < 0) or (min_awarded is not None and min_awarded < 0):
        raise AwardSchemeError("评选数量和门槛不能为负数", "top_k and min_awarded cannot be negative")
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for e in entries:
        tier = outcome.get(e.submission_id)
        if tier is not None:
            tally[e.unit_code][tier] += 1
    units = [UnitTally(code, sum(c.values()), tuple(c[t] for t in tier_order)) for code, c in tally.items()]
    units.sort(key=lambda u: (-u.awarded, tuple(-n for n in u.by_tier), u.unit_code))
    floor = max(1, min_awarded or 0)  # a unit with nothing awarded is never an organising-unit winner
    qualified = [u for u in units if u.awarded >= floor]
    return qualified if top_k is None else qualified[:top_k]


def straddling_ties(entries: Iterable[RankedEntry], outcome: Mapping[str, str | None]) -> list[list[str]]:
    """Equal-score groups whose members got different outcomes, i.e. where the secondary key decided."""
    found: list[list[str]] = []
    for _, group in groupby(rank(entries), key=lambda e: e.score):
        members = list(group)
        if len({outcome.get(e.submission_id) for e in members}) > 1:
            found.append([e.submission_id for e in members])
    return found
