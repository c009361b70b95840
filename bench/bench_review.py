"""Benchmark of the review domain logic: `.venv/bin/python bench/bench_review.py`.

Assignment: 10,000 entries, 200 reviewers, 3 reviews each, spread over 13 counties and 400 schools,
with five subjects, the same-county rule on and a sprinkling of declared conflicts; timed against a
naive greedy round-robin that ignores balance (and specialty).  Apportioning and aggregation: 10,000
entries.  Prints timings and load spreads; asserts the results are valid so a fast wrong answer can't pass.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from services.review.aggregation import AggregationMethod, aggregate, flag_outliers, krippendorff_alpha
from services.review.assignment import (
    AssignmentSettings,
    DeclaredConflicts,
    EntryToReview,
    Reviewer,
    assign_reviewers,
    conflict_reason,
)
from services.review.awards import (
    RankedEntry,
    award_by_ratio,
    award_fixed_counts,
    recommend_by_quota,
    recommend_with_minimums,
)

T = TypeVar("T")
N_ENTRIES, N_REVIEWERS, K = 10_000, 200, 3
SUBJECTS = ["语文", "数学", "英语", "科学", "艺术"]
SECTIONS = ["小学", "初中", "高中", "中职"]


def timed(fn: Callable[[], T], repeat: int = 3) -> tuple[T, float]:
    """Result of the last run and the median wall time."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return result, statistics.median(times)


def build(seed: int = 2024) -> tuple[list[EntryToReview], list[Reviewer], DeclaredConflicts]:
    rng = random.Random(seed)
    counties = [f"43{i:02d}" for i in range(13)]
    schools = [(f"{counties[i % 13]}-S{i:03d}", counties[i % 13]) for i in range(400)]
    entries = []
    for i in range(N_ENTRIES):
        unit, county = rng.choice(schools)
        entries.append(EntryToReview(f"E{i:05d}", unit, county, rng.choice(SUBJECTS)))
    reviewers = []
    for i in range(N_REVIEWERS):
        unit, county = rng.choice(schools)
        reviewers.append(Reviewer(f"R{i:03d}", unit, county, frozenset(rng.sample(SUBJECTS, 2))))
    conflicts = DeclaredConflicts(
        submissions=frozenset(
            (rng.choice(reviewers).reviewer_id, rng.choice(entries).submission_id) for _ in range(100)
        ),
        units=frozenset((rng.choice(reviewers).reviewer_id, rng.choice(schools)[0]) for _ in range(50)),
    )
    return entries, reviewers, conflicts


def greedy_round_robin(
    entries: list[EntryToReview],
    reviewers: list[Reviewer],
    conflicts: DeclaredConflicts,
    settings: AssignmentSettings,
) -> dict[str, tuple[str, ...]]:
    """Baseline: walk the reviewer list cyclically, giving each entry the next K eligible reviewers."""
    out: dict[str, tuple[str, ...]] = {}
    pos, n = 0, len(reviewers)
    for e in entries:
        got: list[str] = []
        for step in range(n):
            rev = reviewers[(pos + step) % n]
            if conflict_reason(rev, e, conflicts, settings) is None:
                got.append(rev.reviewer_id)
                if len(got) == K:
                    pos = (pos + step + 1) % n
                    break
        out[e.submission_id] = tuple(got)
    return out


def check(
    assignments: dict[str, tuple[str, ...]],
    entries: list[EntryToReview],
    reviewers: list[Reviewer],
    conflicts: DeclaredConflicts,
    settings: AssignmentSettings,
) -> tuple[int, int, float]:
    by_id = {r.reviewer_id: r for r in reviewers}
    for e in entries:
        got = assignments[e.submission_id]
        assert len(got) == len(set(got)) == K, e
        assert all(conflict_reason(by_id[r], e, conflicts, settings) is None for r in got), e
    loads = Counter(r for got in assignments.values() for r in got)
    matched = sum(e.specialty in by_id[r].specialties for e in entries for r in assignments[e.submission_id])
    return min(loads[r.reviewer_id] for r in reviewers), max(loads.values()), matched / (len(entries) * K)


def bench_assignment() -> None:
    entries, reviewers, conflicts = build()
    settings = AssignmentSettings(reviews_per_entry=K, exclude_same_county=True)
    result, t_flow = timed(lambda: assign_reviewers(entries, reviewers, conflicts, settings))
    assert result.complete
    greedy, t_greedy = timed(lambda: greedy_round_robin(entries, reviewers, conflicts, settings))
    lo, hi, match = check(result.assignments, entries, reviewers, conflicts, settings)
    glo, ghi, gmatch = check(greedy, entries, reviewers, conflicts, settings)
    print(f"assignment: {N_ENTRIES} entries x {K} reviews, {N_REVIEWERS} reviewers, 13 counties, 400 schools")
    for name, t, (a, b, m) in [
        ("min-cost flow", t_flow, (lo, hi, match)),
        ("greedy baseline", t_greedy, (glo, ghi, gmatch)),
    ]:
        print(f"  {name:<16} {t:7.3f} s   load {a}..{b} (spread {b - a})   specialty match {m:.1%}")
    print(f"  ratio flow / greedy: {t_flow / t_greedy:.1f}x")


def bench_apportioning() -> None:
    rng = random.Random(7)
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    counties = [f"43{i:02d}" for i in range(13)]
    entries = [
        RankedEntry(
            f"E{i:05d}",
            Decimal(rng.randint(6000, 9800)) / 100,  # two decimals: plenty of exact ties
            t0 + timedelta(seconds=rng.randint(0, 86_400 * 30)),
            rng.choice(SECTIONS),
            rng.choice(counties),
        )
        for i in range(N_ENTRIES)
    ]
    by_county = [
        RankedEntry(e.submission_id, e.score, e.submitted_at, e.unit_code, e.unit_code) for e in entries
    ]
    quotas = dict.fromkeys(counties, 40)
    shanxi = [("特等奖", 5), ("一等奖", 10), ("二等奖", 15), ("三等奖", 20), ("优秀奖", 30)]
    runs: list[tuple[str, Callable[[], dict[str, str | None]]]] = [
        ("ratio 3:3:4, cap 80%", lambda: award_by_ratio(entries, [("一", 3), ("二", 3), ("三", 4)], "0.8")),
        ("fixed 5/10/15/20/30", lambda: award_fixed_counts(entries, shanxi)),
        ("quota 40 per county", lambda: recommend_by_quota(by_county, quotas)),
        (
            "60 with >= 10 per section",
            lambda: recommend_with_minimums(entries, 60, dict.fromkeys(SECTIONS, 10)),
        ),
    ]
    print(f"apportioning: {N_ENTRIES} entries")
    for name, fn in runs:
        outcome, t = timed(fn)
        assert len(outcome) == N_ENTRIES
        print(f"  {name:<28} {t * 1000:8.1f} ms   awarded {sum(v is not None for v in outcome.values())}")


def bench_aggregation() -> None:
    rng = random.Random(11)
    reviewers = [f"R{i:03d}" for i in range(N_REVIEWERS)]
    matrix = {
        f"E{i:05d}": {r: Decimal(rng.randint(500, 1000)) / 10 for r in rng.sample(reviewers, K)}
        for i in range(N_ENTRIES)
    }
    print(f"aggregation: {N_ENTRIES} entries x {K} scores")
    for name, fn in [
        ("mean", lambda: aggregate(matrix)),
        ("trimmed mean", lambda: aggregate(matrix, AggregationMethod.TRIMMED_MEAN)),
        ("standardised", lambda: aggregate(matrix, AggregationMethod.STANDARDISED)),
        ("outliers (> 15 points)", lambda: flag_outliers(matrix)),
        ("Krippendorff alpha", lambda: krippendorff_alpha(matrix)),
    ]:
        _, t = timed(fn, repeat=1)
        print(f"  {name:<28} {t * 1000:8.1f} ms")


if __name__ == "__main__":
    start = time.perf_counter()
    bench_assignment()
    bench_apportioning()
    bench_aggregation()
    print(f"total bench time {time.perf_counter() - start:.1f} s")
