import random

import pytest

from services.review.assignment import (
    AssignmentError,
    AssignmentResult,
    AssignmentSettings,
    DeclaredConflicts,
    EntryToReview,
    Reviewer,
    assign_reviewers,
    conflict_reason,
    reassign,
)


def realistic(n_entries: int, n_reviewers: int, seed: int = 7) -> tuple[list[EntryToReview], list[Reviewer]]:
    rng = random.Random(seed)
    counties = [f"C{i:02d}" for i in range(13)]
    schools = [(f"S{i:03d}", counties[i % 13]) for i in range(60)]
    subjects = ["语文", "数学", "英语", "科学"]
    entries = []
    for i in range(n_entries):
        unit, county = rng.choice(schools)
        entries.append(EntryToReview(f"E{i:04d}", unit, county, rng.choice(subjects)))
    reviewers = []
    for i in range(n_reviewers):
        unit, county = rng.choice(schools)
        reviewers.append(Reviewer(f"R{i:03d}", unit, county, frozenset(rng.sample(subjects, 2))))
    return entries, reviewers


def assert_valid(
    result: AssignmentResult,
    entries: list[EntryToReview],
    reviewers: list[Reviewer],
    conflicts: DeclaredConflicts | None = None,
    settings: AssignmentSettings | None = None,
) -> None:
    conflicts, settings = conflicts or DeclaredConflicts(), settings or AssignmentSettings()
    by_id = {r.reviewer_id: r for r in reviewers}
    for e in entries:
        got = result.assignments[e.submission_id]
        assert len(got) == len(set(got)), f"duplicate reviewer on {e.submission_id}"
        for rid in got:
            assert by_id[rid].unit_code != e.unit_code
            assert conflict_reason(by_id[rid], e, conflicts, settings) is None
    assert sum(result.loads.values()) == sum(len(v) for v in result.assignments.values())


def spread(result: AssignmentResult) -> int:
    return max(result.loads.values()) - min(result.loads.values())


def test_small_pool_every_entry_gets_three_conflict_free_reviewers_balanced() -> None:
    entries = [EntryToReview(f"E{i}", f"U{i % 4}") for i in range(12)]
    reviewers = [Reviewer(f"R{i}", f"U{i % 4}") for i in range(6)] + [Reviewer("R6", "U9")]
    result = assign_reviewers(entries, reviewers)
    assert result.complete and result.report() == ("", "")
    assert all(len(got) == 3 for got in result.assignments.values())
    assert_valid(result, entries, reviewers)
    assert spread(result) <= 1 and sum(result.loads.values()) == 36


def test_realistic_instance_honours_units_and_counties_and_balances() -> None:
    entries, reviewers = realistic(600, 24)
    settings = AssignmentSettings(exclude_same_county=True)
    result = assign_reviewers(entries, reviewers, settings=settings)
    assert result.complete
    assert_valid(result, entries, reviewers, settings=settings)
    by_id = {r.reviewer_id: r for r in reviewers}
    for e in entries:
        assert all(by_id[rid].county_code != e.county_code for rid in result.assignments[e.submission_id])
    assert spread(result) <= 1


def test_same_county_is_allowed_unless_the_setting_is_on() -> None:
    entry = EntryToReview("E1", "S1", "C1")
    neighbour = Reviewer("R1", "S2", "C1")
    assert conflict_reason(neighbour, entry) is None
    reason = conflict_reason(neighbour, entry, settings=AssignmentSettings(exclude_same_county=True))
    assert reason is not None and "县区" in reason[0]


def test_many_entries_from_one_school_still_get_distinct_reviewers() -> None:
    # One conflict class of 50 entries: the wrap-around split must never repeat a reviewer.
    entries = [EntryToReview(f"E{i:02d}", "S1") for i in range(50)]
    reviewers = [Reviewer(f"R{i}", f"S{i + 2}") for i in range(7)]
    result = assign_reviewers(entries, reviewers)
    assert result.complete
    assert_valid(result, entries, reviewers)
    assert spread(result) <= 1


def test_declared_conflicts_by_submission_and_by_unit_are_honoured() -> None:
    entries = [EntryToReview(f"E{i}", f"U{i % 3}") for i in range(9)]
    reviewers = [Reviewer(f"R{i}", "Z") for i in range(5)]
    conflicts = DeclaredConflicts(
        submissions=frozenset({("R0", "E0"), ("R1", "E0")}), units=frozenset({("R2", "U1"), ("R3", "U1")})
    )
    result = assign_reviewers(entries, reviewers, conflicts)
    assert result.complete
    assert_valid(result, entries, reviewers, conflicts)
    assert set(result.assignments["E0"]) == {"R2", "R3", "R4"}
    for sid in ("E1", "E4", "E7"):  # unit U1
        assert not {"R2", "R3"} & set(result.assignments[sid])


def test_too_few_reviewers_reports_shortfalls_bilingually() -> None:
    entries = [EntryToReview(f"E{i}", "S1", pool="小学") for i in range(4)]
    reviewers = [Reviewer("R1", "S2"), Reviewer("R2", "S3"), Reviewer("R3", "S1")]  # R3 is conflicted
    result = assign_reviewers(entries, reviewers)
    assert not result.complete
    assert [(s.submission_id, s.assigned, s.missing) for s in result.shortfalls] == [
        (f"E{i}", 2, 1) for i in range(4)
    ]
    assert all(set(got) == {"R1", "R2"} for got in result.assignments.values())
    assert result.missing_by_pool() == {"小学": (4, 4)}
    zh, en = result.report()
    assert "小学" in zh and "共缺 4 人次" in zh and "4 entries short by 4 reviews" in en


def test_only_the_starved_pool_is_short() -> None:
    entries = [EntryToReview(f"P{i}", f"S{i}", pool="小学") for i in range(3)]
    entries += [EntryToReview(f"H{i}", f"S{i}", pool="高中") for i in range(3)]
    reviewers = [Reviewer(f"R{i}", "Z", pools=frozenset({"小学"})) for i in range(4)]
    reviewers.append(Reviewer("RH", "Z", pools=frozenset({"高中"})))
    result = assign_reviewers(entries, reviewers)
    assert result.missing_by_pool() == {"高中": (3, 6)}
    assert all(result.assignments[f"H{i}"] == ("RH",) for i in range(3))
    assert all(len(result.assignments[f"P{i}"]) == 3 for i in range(3))


def test_entry_with_one_eligible_reviewer_and_no_reviewers_at_all() -> None:
    result = assign_reviewers([EntryToReview("E1", "S1")], [Reviewer("R1", "S1"), Reviewer("R2", "S2")])
    assert result.assignments == {"E1": ("R2",)} and result.shortfalls[0].missing == 2
    empty = assign_reviewers([EntryToReview("E1", "S1")], [])
    assert empty.assignments == {"E1": ()} and empty.shortfalls[0].missing == 3
    all_conflicted = assign_reviewers([EntryToReview("E1", "S1")], [Reviewer("R1", "S1")])
    assert all_conflicted.assignments == {"E1": ()} and all_conflicted.loads == {"R1": 0}
    assert assign_reviewers([], [Reviewer("R1", "S1")]).loads == {"R1": 0}


def test_max_load_is_a_hard_cap() -> None:
    entries = [EntryToReview(f"E{i}", "S0") for i in range(10)]
    reviewers = [Reviewer(f"R{i}", f"S{i + 1}") for i in range(4)]
    result = assign_reviewers(entries, reviewers, settings=AssignmentSettings(max_load=5))
    assert max(result.loads.values()) == 5
    assert sum(s.missing for s in result.shortfalls) == 30 - 20


def test_balance_is_kept_when_one_reviewer_is_conflicted_with_most_entries() -> None:
    # R0 may only review the 4 entries outside S0, so the rest must carry S0's load evenly.
    entries = [EntryToReview(f"E{i:02d}", "S0") for i in range(20)]
    entries += [EntryToReview(f"F{i}", "S9") for i in range(4)]
    reviewers = [Reviewer("R0", "S0")] + [Reviewer(f"R{i}", f"S{i}") for i in range(1, 6)]
    result = assign_reviewers(entries, reviewers)
    assert result.complete
    assert result.loads["R0"] == 4
    others = [result.loads[f"R{i}"] for i in range(1, 6)]
    assert max(others) - min(others) <= 1 and sum(others) == 72 - 4


def test_reviewers_concentrated_in_one_county_still_balance_exactly() -> None:
    # 60 entries from C0 may only go to the five C1 reviewers: 180 reviews -> 36 each, far above the
    # mean load of 15, so the solver must widen its load levels rather than dump the excess on one.
    entries = [EntryToReview(f"A{i:02d}", f"S{i % 7}", "C0") for i in range(60)]
    entries += [EntryToReview(f"B{i:02d}", f"T{i % 7}", "C2") for i in range(40)]
    reviewers = [Reviewer(f"R0{i:02d}", f"U{i}", "C0") for i in range(15)]
    reviewers += [Reviewer(f"R1{i:02d}", f"V{i}", "C1") for i in range(5)]
    settings = AssignmentSettings(exclude_same_county=True)
    result = assign_reviewers(entries, reviewers, settings=settings)
    assert result.complete
    assert_valid(result, entries, reviewers, settings=settings)
    assert {result.loads[f"R1{i:02d}"] for i in range(5)} == {36}
    assert {result.loads[f"R0{i:02d}"] for i in range(15)} == {8}


def test_specialty_match_is_preferred_when_balance_allows() -> None:
    entries = [EntryToReview(f"M{i}", f"S{i}", specialty="数学") for i in range(6)]
    entries += [EntryToReview(f"Y{i}", f"S{i}", specialty="语文") for i in range(6)]
    reviewers = [Reviewer(f"RM{i}", "Z", specialties=frozenset({"数学"})) for i in range(3)]
    reviewers += [Reviewer(f"RY{i}", "Z", specialties=frozenset({"语文"})) for i in range(3)]
    result = assign_reviewers(entries, reviewers)
    assert all(set(result.assignments[f"M{i}"]) == {"RM0", "RM1", "RM2"} for i in range(6))
    assert all(set(result.assignments[f"Y{i}"]) == {"RY0", "RY1", "RY2"} for i in range(6))
    ignored = assign_reviewers(entries, reviewers, settings=AssignmentSettings(prefer_specialty=False))
    assert spread(ignored) == 0


def test_balance_beats_specialty() -> None:
    # Every entry is maths but only one reviewer is a maths specialist: balance still wins.
    entries = [EntryToReview(f"E{i}", f"S{i}", specialty="数学") for i in range(10)]
    reviewers = [Reviewer("RM", "Z", specialties=frozenset({"数学"}))]
    reviewers += [Reviewer(f"R{i}", "Z") for i in range(4)]
    result = assign_reviewers(entries, reviewers)
    assert set(result.loads.values()) == {6}


def test_balance_beats_specialty_along_an_exchange_chain() -> None:
    # P entries may go to A (specialist) or X; Q entries to X (specialist) or B.  Balancing to 2/2/2
    # needs a two-step exchange that costs two specialty mismatches per unit of balance gained, so a
    # weak balance weight would settle for 3/2/1.
    reviewers = [
        Reviewer("A", "UA", specialties=frozenset({"p"})),
        Reviewer("X", "UX", specialties=frozenset({"q"})),
        Reviewer("B", "UB"),
    ]
    entries = [EntryToReview(f"P{i}", "UB", specialty="p") for i in range(4)]
    entries += [EntryToReview(f"Q{i}", "UA", specialty="q") for i in range(2)]
    result = assign_reviewers(entries, reviewers, settings=AssignmentSettings(reviews_per_entry=1))
    assert result.loads == {"A": 2, "B": 2, "X": 2}
    assert_valid(result, entries, reviewers)


def test_county_rule_uses_each_entrys_own_county() -> None:
    # The same unit code filed under two counties (e.g. a district-run 教研室): entries must not be
    # pooled together when the county rule is on.
    entries = [EntryToReview("E1", "S1", "C1"), EntryToReview("E2", "S1", "C2")]
    reviewers = [Reviewer("R1", "S8", "C1"), Reviewer("R2", "S9", "C2")]
    settings = AssignmentSettings(reviews_per_entry=1, exclude_same_county=True)
    assert assign_reviewers(entries, reviewers, settings=settings).assignments == {
        "E1": ("R2",),
        "E2": ("R1",),
    }


def test_result_is_deterministic() -> None:
    entries, reviewers = realistic(300, 15, seed=3)
    first = assign_reviewers(entries, reviewers)
    second = assign_reviewers(list(reversed(entries)), list(reversed(reviewers)))
    assert first == second


def test_invalid_input_raises() -> None:
    with pytest.raises(AssignmentError, match="重复"):
        assign_reviewers([EntryToReview("E1", "S"), EntryToReview("E1", "T")], [])
    with pytest.raises(AssignmentError, match="评审编号重复"):
        assign_reviewers([], [Reviewer("R1", "S"), Reviewer("R1", "T")])
    with pytest.raises(AssignmentError, match="至少为 1"):
        assign_reviewers([], [], settings=AssignmentSettings(reviews_per_entry=0))


# --- manual reassignment -----------------------------------------------------------------------

ENTRY = EntryToReview("E1", "S1", "C1")
CURRENT = {"E1": ("R1", "R2", "R3"), "E2": ("R4",)}


def test_reassign_swaps_one_reviewer_and_leaves_input_untouched() -> None:
    out = reassign(CURRENT, ENTRY, "R2", Reviewer("R9", "S7"))
    assert out == {"E1": ("R1", "R3", "R9"), "E2": ("R4",)}
    assert CURRENT["E1"] == ("R1", "R2", "R3")


@pytest.mark.parametrize(
    ("old", "new", "conflicts", "zh"),
    [
        ("R2", Reviewer("R9", "S1"), DeclaredConflicts(), "同一单位"),
        ("R2", Reviewer("R9", "S7"), DeclaredConflicts(submissions=frozenset({("R9", "E1")})), "回避"),
        ("R2", Reviewer("R9", "S7"), DeclaredConflicts(units=frozenset({("R9", "S1")})), "回避"),
        ("R2", Reviewer("R3", "S7"), DeclaredConflicts(), "已在评审"),
        ("R8", Reviewer("R9", "S7"), DeclaredConflicts(), "未被分配"),
    ],
)
def test_reassign_refuses_conflicts_and_duplicates(
    old: str, new: Reviewer, conflicts: DeclaredConflicts, zh: str
) -> None:
    with pytest.raises(AssignmentError) as err:
        reassign(CURRENT, ENTRY, old, new, conflicts)
    assert zh in err.value.zh and err.value.en


def test_reassign_respects_the_county_setting() -> None:
    settings = AssignmentSettings(exclude_same_county=True)
    with pytest.raises(AssignmentError, match="同一县区"):
        reassign(CURRENT, ENTRY, "R1", Reviewer("R9", "S7", "C1"), settings=settings)
    out = reassign(CURRENT, ENTRY, "R1", Reviewer("R9", "S7", "C2"), settings=settings)
    assert out["E1"] == ("R2", "R3", "R9")
