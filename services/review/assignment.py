"""Reviewer assignment: k distinct, conflict-free reviewers per entry with balanced load (pure).

Model (min-cost max-flow, OR-Tools ``SimpleMinCostFlow``):

    source -> entry class     capacity |class| * k
    entry class -> reviewer   capacity |class|, only where the reviewer is eligible; cost 1 when the
                              entry's specialty is not among the reviewer's, else 0
    reviewer -> sink          unit arcs whose cost rises with the load level (the j-th review costs
                              j * B): a convex load cost.  Unit arcs stop at 2x the mean load (or the
                              reviewer's reach); a linear overflow arc covers the rest and, if the
                              optimum uses it, the level count doubles and the model is solved again

Why entry classes: entries with the same conflict signature (unit, county when that setting is on,
pool, specialty, reviewers declared in conflict with them) are interchangeable, so they share one node.
10,000 entries x 200 reviewers would be ~2M entry arcs; over ~400 schools it is ~80k and solves in well
under a second.  Nothing is lost: a class flow in which each reviewer carries at most |class| units
splits back into per-entry assignments by McNaughton's wrap-around rule (lay the reviewers' units end to
end, slot p goes to entry p mod |class|), which gives every entry distinct reviewers.  An entry with
its own declared conflicts just forms its own class.

Balance: B = reviewers + 1 makes any load improvement outweigh every specialty cost along an exchange
path, so balance is optimised first and specialty match second.  Feasible load vectors form an
M-convex set, where the minimiser of a separable convex cost also minimises the maximum and maximises
the minimum load (Frank & Murota), so max - min is as small as the conflicts allow (<= 1 when they
allow it).  ``max_load`` replaces the soft cost with a hard cap per reviewer.

Shortfalls: the solver maximises flow before cost, so when the pool cannot cover demand every reachable
review is still assigned and ``AssignmentResult.shortfalls`` names each entry (and pool) left short.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow


class AssignmentError(ValueError):
    """Invalid assignment input, or a manual reassignment the rules refuse."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


@dataclass(frozen=True, slots=True)
class Reviewer:
    reviewer_id: str
    unit_code: str  # the reviewer's own school/unit
    county_code: str = ""
    specialties: frozenset[str] = frozenset()
    pools: frozenset[str] = frozenset()  # review pools (panels) the reviewer sits on; empty = any


@dataclass(frozen=True, slots=True)
class EntryToReview:
    submission_id: str
    unit_code: str
    county_code: str = ""
    specialty: str = ""
    pool: str = ""


@dataclass(frozen=True, slots=True)
class DeclaredConflicts:
    submissions: frozenset[tuple[str, str]] = frozenset()  # (reviewer_id, submission_id)
    units: frozenset[tuple[str, str]] = frozenset()  # (reviewer_id, unit_code)


@dataclass(frozen=True, slots=True)
class AssignmentSettings:
    reviews_per_entry: int = 3
    exclude_same_unit: bool = True
    exclude_same_county: bool = False
    prefer_specialty: bool = True
    max_load: int | None = None  # hard cap per reviewer; None = balance softly, no cap


@dataclass(frozen=True, slots=True)
class Shortfall:
    submission_id: str
    pool: str
    required: int
    assigned: int

    @property
    def missing(self) -> int:
        return self.required - self.assigned


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    assignments: dict[str, tuple[str, ...]]  # submission_id -> reviewer ids, sorted
    loads: dict[str, int]  # every reviewer, including those with nothing assigned
    shortfalls: tuple[Shortfall, ...]

    @property
    def complete(self) -> bool:
        return not self.shortfalls

    def missing_by_pool(self) -> dict[str, tuple[int, int]]:
        """pool -> (entries short, reviews missing)."""
        out: dict[str, tuple[int, int]] = {}
        for s in self.shortfalls:
            entries, reviews = out.get(s.pool, (0, 0))
            out[s.pool] = (entries + 1, reviews + s.missing)
        return out

    def report(self) -> tuple[str, str]:
        """(zh, en) summary for the chair; empty strings when every entry is fully covered."""
        if self.complete:
            return "", ""
        by_pool = sorted(self.missing_by_pool().items())
        zh = "；".join(
            f"评审组“{p or '默认'}”有 {e} 件作品评审人数不足，共缺 {r} 人次" for p, (e, r) in by_pool
        )
        en = "; ".join(f"pool {p or 'default'!r}: {e} entries short by {r} reviews" for p, (e, r) in by_pool)
        return f"可用评审不足：{zh}", f"not enough eligible reviewers: {en}"


def conflict_reason(
    reviewer: Reviewer,
    entry: EntryToReview,
    conflicts: DeclaredConflicts = DeclaredConflicts(),
    settings: AssignmentSettings = AssignmentSettings(),
) -> tuple[str, str] | None:
    """Why ``reviewer`` may not review ``entry`` as (zh, en), or None if eligible."""
    rid = reviewer.reviewer_id
    if settings.exclude_same_unit and reviewer.unit_code == entry.unit_code:
        return "评审与作品来自同一单位", "reviewer is from the entry's own unit"
    if settings.exclude_same_county and reviewer.county_code and reviewer.county_code == entry.county_code:
        return "评审与作品来自同一县区", "reviewer is from the entry's county"
    if (rid, entry.submission_id) in conflicts.submissions or (rid, entry.unit_code) in conflicts.units:
        return "评审已申报回避", "reviewer declared a conflict of interest"
    if reviewer.pools and entry.pool not in reviewer.pools:
        return "评审不属于该作品的评审组", "reviewer does not sit on the entry's review pool"
    return None


def _check_unique(ids: Sequence[str], zh: str, en: str) -> None:
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise AssignmentError(f"{zh}重复：{', '.join(dupes)}", f"duplicate {en}: {dupes}")


def _classes(
    entries: Sequence[EntryToReview], conflicts: DeclaredConflicts, settings: AssignmentSettings
) -> list[list[EntryToReview]]:
    """Entries grouped by everything eligibility and cost look at (see module docstring)."""
    declared: dict[str, set[str]] = defaultdict(set)
    for rid, sid in conflicts.submissions:
        declared[sid].add(rid)
    classes: dict[tuple[object, ...], list[EntryToReview]] = defaultdict(list)
    for e in sorted(entries, key=lambda e: e.submission_id):
        county = e.county_code if settings.exclude_same_county else ""
        specialty = e.specialty if settings.prefer_specialty else ""
        classes[(e.unit_code, county, specialty, e.pool, frozenset(declared[e.submission_id]))].append(e)
    return list(classes.values())


def _solve(
    supplies: list[int], match: list[list[int]], reach: list[int], settings: AssignmentSettings
) -> list[int]:
    """Flow on each match arc (class -> reviewer) of a max-flow, min-cost solution.

    Reviewer r gets unit arcs for load levels 1..min(levels, reach[r]) (reach: entries r may review).
    In soft mode one linear overflow arc covers the rest; if the optimum uses any overflow arc the
    truncation mattered, so ``levels`` doubles and we solve again.  Once no overflow is used, the
    solution is optimal for the untruncated convex cost too (truncation only ever under-charges).
    """
    n_cls, n_rev = len(supplies), len(reach)
    sink, demand, weight = n_cls + n_rev + 1, sum(supplies), n_rev + 1
    soft = settings.max_load is None
    levels = settings.max_load if settings.max_load is not None else 2 * math.ceil(demand / max(n_rev, 1))
    while True:
        solver = min_cost_flow.SimpleMinCostFlow()
        cls_nodes = np.arange(1, n_cls + 1)
        solver.add_arcs_with_capacity_and_unit_cost(
            np.zeros(n_cls, int), cls_nodes, supplies, np.zeros(n_cls, int)
        )
        match_arcs = solver.add_arcs_with_capacity_and_unit_cost(*(np.array(column) for column in match))
        overflow: list[int] = []
        for r in range(n_rev):
            top = min(levels, reach[r])
            node = np.full(top, 1 + n_cls + r)
            solver.add_arcs_with_capacity_and_unit_cost(
                node, np.full(top, sink), np.ones(top, int), np.arange(1, top + 1) * weight
            )
            if soft and reach[r] > levels:
                cost = (levels + 1) * weight
                overflow.append(
                    solver.add_arc_with_capacity_and_unit_cost(1 + n_cls + r, sink, reach[r] - levels, cost)
                )
        solver.set_node_supply(0, demand)
        solver.set_node_supply(sink, -demand)
        if solver.solve_max_flow_with_min_cost() != solver.OPTIMAL:
            raise AssignmentError("评审分配求解失败", "the assignment solver did not reach an optimum")
        if not any(solver.flow(a) for a in overflow):
            return [int(f) for f in solver.flows(match_arcs)]
        levels *= 2


def assign_reviewers(
    entries: Sequence[EntryToReview],
    reviewers: Sequence[Reviewer],
    conflicts: DeclaredConflicts = DeclaredConflicts(),
    settings: AssignmentSettings = AssignmentSettings(),
) -> AssignmentResult:
    """Assign ``settings.reviews_per_entry`` reviewers to every entry (see module docstring)."""
    k = settings.reviews_per_entry
    if k < 1 or (settings.max_load is not None and settings.max_load < 0):
        raise AssignmentError("每件作品评审人数须至少为 1，负载上限不能为负", "k must be >= 1, max_load >= 0")
    _check_unique([e.submission_id for e in entries], "作品编号", "submission ids")
    _check_unique([r.reviewer_id for r in reviewers], "评审编号", "reviewer ids")
    revs = sorted(reviewers, key=lambda r: r.reviewer_id)
    members = _classes(entries, conflicts, settings)

    # Node ids: 0 source, 1..C classes, C+1..C+R reviewers, C+R+1 sink.
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    reach = [0] * len(revs)
    for c, group in enumerate(members):
        first = group[0]  # any member will do: the class key covers everything eligibility looks at
        for r, rev in enumerate(revs):
            if conflict_reason(rev, first, conflicts, settings) is None:
                off_topic = settings.prefer_specialty and first.specialty not in rev.specialties
                tails.append(1 + c)
                heads.append(1 + len(members) + r)
                caps.append(len(group))
                costs.append(int(off_topic and bool(first.specialty)))
                reach[r] += len(group)
    match = [tails, heads, caps, costs]
    flows = _solve([len(g) * k for g in members], match, reach, settings) if entries and revs else []

    per_class: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for a, f in enumerate(flows):
        if f:
            per_class[tails[a] - 1].append((revs[heads[a] - 1 - len(members)].reviewer_id, f))
    assignments: dict[str, list[str]] = {}
    for c, group in enumerate(members):
        lists: list[list[str]] = [[] for _ in group]
        slot = 0
        for rid, f in per_class[c]:  # wrap-around: f <= |group| consecutive slots hit distinct entries
            for _ in range(f):
                lists[slot % len(group)].append(rid)
                slot += 1
        for e, got in zip(group, lists, strict=True):
            assignments[e.submission_id] = got

    loads = Counter(rid for got in assignments.values() for rid in got)
    pool = {e.submission_id: e.pool for e in entries}
    return AssignmentResult(
        assignments={sid: tuple(sorted(got)) for sid, got in sorted(assignments.items())},
        loads={r.reviewer_id: loads[r.reviewer_id] for r in revs},
        shortfalls=tuple(
            Shortfall(sid, pool[sid], k, len(got)) for sid, got in sorted(assignments.items()) if len(got) < k
        ),
    )


def reassign(
    assignments: Mapping[str, Sequence[str]],
    entry: EntryToReview,
    old_reviewer_id: str,
    new_reviewer: Reviewer,
    conflicts: DeclaredConflicts = DeclaredConflicts(),
    settings: AssignmentSettings = AssignmentSettings(),
) -> dict[str, tuple[str, ...]]:
    """The chair swaps ``old_reviewer_id`` for ``new_reviewer`` on ``entry``; returns a new mapping.

    Refuses (``AssignmentError``) when the old reviewer is not on the entry, the new one already is, or
    the new one is in conflict.  Load caps are deliberately not enforced: the chair's call overrides them.
    """
    sid, new_id = entry.submission_id, new_reviewer.reviewer_id
    current = list(assignments.get(sid, ()))
    if old_reviewer_id not in current:
        raise AssignmentError(
            f"评审 {old_reviewer_id} 未被分配评审作品 {sid}", f"{old_reviewer_id} is not assigned to {sid}"
        )
    if new_id in current:
        raise AssignmentError(f"评审 {new_id} 已在评审作品 {sid}", f"{new_id} already reviews {sid}")
    reason = conflict_reason(new_reviewer, entry, conflicts, settings)
    if reason is not None:
        raise AssignmentError(
            f"不能将作品 {sid} 改派给评审 {new_id}：{reason[0]}",
            f"cannot give {sid} to {new_id}: {reason[1]}",
        )
    current[current.index(old_reviewer_id)] = new_id
    out = {s: tuple(r) for s, r in assignments.items()}
    out[sid] = tuple(sorted(current))
    return out
