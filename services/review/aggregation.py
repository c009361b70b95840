"""Score aggregation, outlier flags and inter-rater agreement for one review round (pure; no I/O).

Input is a score matrix ``{submission_id: {reviewer_id: score}}``; a reviewer simply has no key for an
entry they did not review.

Aggregation methods (a campaign setting, ``AggregationMethod``):
- ``mean``: arithmetic mean of the entry's scores.
- ``trimmed_mean``: with 3 or more scores, drop ONE highest and ONE lowest, then average
  (去掉一个最高分和一个最低分); with 1-2 scores nothing is dropped, it is the plain mean.
- ``standardised``: each score becomes a z-score against its reviewer's own mean and population SD
  over every entry that reviewer scored in the matrix, the entry takes the mean of its z-scores, and
  that is mapped back onto the scale as ``global_mean + global_sd * z`` (global over all raw scores),
  clamped to the scale.  It removes harsh/lenient reviewer bias when panels overlap.  A reviewer with a
  single score or zero spread carries no information about their bias, so their scores count as z = 0.

Mean and trimmed mean are computed exactly (``Fraction``); results are ``Decimal`` rounded half-up to
``places`` decimals, so equal inputs give equal, tie-able totals regardless of summation order.

Outliers: a score is flagged for the chair when it lies more than ``max_points`` from the entry's
median, or more than ``max_mads`` median absolute deviations from it (the MAD rule is skipped when the
MAD is 0 — a consensus of identical scores — and the points rule covers that case).

Agreement: Krippendorff's alpha with the interval (or nominal) metric, from the coincidence-matrix
definition; units with fewer than two scores are unpairable and ignored.  Returns ``None`` when alpha is
undefined (fewer than two pairable values, or no variation at all).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from services.review.rubric import to_decimal

ScoreMatrix = Mapping[str, Mapping[str, Decimal]]


class AggregationMethod(StrEnum):
    MEAN = "mean"
    TRIMMED_MEAN = "trimmed_mean"
    STANDARDISED = "standardised"


class AggregationError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _trimmed(values: Sequence[Fraction]) -> Fraction:
    ordered = sorted(values)
    return _mean(ordered[1:-1] if len(ordered) >= 3 else ordered)


def _standardised(matrix: ScoreMatrix, scale: tuple[Decimal, Decimal]) -> dict[str, float]:
    by_reviewer: dict[str, list[Fraction]] = defaultdict(list)
    for scores in matrix.values():
        for reviewer, value in scores.items():
            by_reviewer[reviewer].append(Fraction(value))
    stats: dict[str, tuple[Fraction, float]] = {}
    for reviewer, values in by_reviewer.items():
        mu = _mean(values)
        stats[reviewer] = (mu, math.sqrt(_mean([(v - mu) ** 2 for v in values])))
    everything = [v for values in by_reviewer.values() for v in values]
    g_mu = _mean(everything)
    g_sd = math.sqrt(_mean([(v - g_mu) ** 2 for v in everything]))
    out: dict[str, float] = {}
    for sid, scores in matrix.items():
        zs = []
        for reviewer in sorted(scores):  # fixed order: float sums must not depend on dict order
            mu, sd = stats[reviewer]
            zs.append(float(Fraction(scores[reviewer]) - mu) / sd if sd > 0 else 0.0)
        rescaled = float(g_mu) + g_sd * math.fsum(zs) / len(zs)
        out[sid] = min(max(rescaled, float(scale[0])), float(scale[1]))
    return out


def aggregate(
    matrix: ScoreMatrix,
    method: AggregationMethod = AggregationMethod.MEAN,
    *,
    scale: tuple[Decimal, Decimal] = (Decimal(0), Decimal(100)),
    places: int = 2,
) -> dict[str, Decimal]:
    """Final score per entry by ``method``; an entry with no scores at all is an error."""
    empty = sorted(sid for sid, scores in matrix.items() if not scores)
    if empty:
        raise AggregationError(f"以下作品尚无评分：{', '.join(empty)}", f"entries without scores: {empty}")
    if method is AggregationMethod.STANDARDISED:
        floats = _standardised(matrix, scale)
        return {sid: to_decimal(Fraction(repr(v)), places) for sid, v in floats.items()}
    combine = _mean if method is AggregationMethod.MEAN else _trimmed
    return {
        sid: to_decimal(combine([Fraction(v) for v in scores.values()]), places)
        for sid, scores in matrix.items()
    }


@dataclass(frozen=True, slots=True)
class OutlierFlag:
    submission_id: str
    reviewer_id: str
    score: Decimal
    median: Decimal
    deviation: Decimal  # |score - median|
    rule: Literal["points", "mad"]

    @property
    def message_zh(self) -> str:
        return (
            f"评审 {self.reviewer_id} 对作品 {self.submission_id} 的评分 {self.score}"
            f" 偏离中位数 {self.median} 达 {self.deviation} 分"
        )

    @property
    def message_en(self) -> str:
        return (
            f"reviewer {self.reviewer_id} scored {self.submission_id} {self.score}, "
            f"{self.deviation} away from the median {self.median}"
        )


def flag_outliers(
    matrix: ScoreMatrix, *, max_points: Decimal | None = Decimal(15), max_mads: Decimal | None = None
) -> list[OutlierFlag]:
    """Scores far from their entry's median, sorted by entry then reviewer (see module docstring)."""
    if max_points is None and max_mads is None:
        raise AggregationError("至少启用一种异常分判定规则", "enable max_points or max_mads")
    flags: list[OutlierFlag] = []
    for sid in sorted(matrix):
        scores = matrix[sid]
        if len(scores) < 2:
            continue
        median = statistics.median(scores.values())
        mad = statistics.median(abs(v - median) for v in scores.values())
        for reviewer in sorted(scores):
            dev = abs(scores[reviewer] - median)
            rule: Literal["points", "mad"] | None = None
            if max_points is not None and dev > max_points:
                rule = "points"
            elif max_mads is not None and mad > 0 and dev > max_mads * mad:
                rule = "mad"
            if rule is not None:
                flags.append(OutlierFlag(sid, reviewer, scores[reviewer], median, dev, rule))
    return flags


def krippendorff_alpha(
    matrix: Mapping[str, Mapping[str, Decimal | int]], metric: Literal["interval", "nominal"] = "interval"
) -> float | None:
    """Krippendorff's alpha over units (entries) x coders (reviewers) with missing values.

    alpha = 1 - D_o / D_e, where over the n pairable values (units with >= 2 values)
    D_o = (1/n) * sum_u sum_{i!=j in u} delta(v_i, v_j) / (m_u - 1) and
    D_e = sum_{i!=j over all n values} delta(v_i, v_j) / (n (n - 1)).
    The ordered-pair sums use closed forms: interval sum (v_i - v_j)^2 = 2 (m sum v^2 - (sum v)^2),
    nominal count of differing pairs = m^2 - sum_c count_c^2.  Exact arithmetic; float result.
    """
    units = [[Fraction(v) for v in scores.values()] for scores in matrix.values() if len(scores) >= 2]
    pooled = [v for unit in units for v in unit]
    n = len(pooled)
    if n < 2:
        return None

    def pair_sum(values: Sequence[Fraction]) -> Fraction:
        m = len(values)
        if metric == "nominal":
            return Fraction(m * m - sum(c * c for c in Counter(values).values()))
        return 2 * (m * sum((v * v for v in values), Fraction(0)) - sum(values, Fraction(0)) ** 2)

    observed = sum((pair_sum(unit) / (len(unit) - 1) for unit in units), Fraction(0)) / n
    expected = pair_sum(pooled) / (n * (n - 1))
    if expected == 0:
        return None
    return float(1 - observed / expected)
