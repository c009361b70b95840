"""Pools at each level, entries that cannot be pooled, and panels (scope, groups, same county)."""

from contracts.campaign import Campaign, ReviewLevel
from services.intake.presets import load_preset
from services.review.assignment import DeclaredConflicts, assign_reviewers, conflict_reason
from services.review.eligibility import assignment_settings, excludes_county, to_review, to_reviewer
from services.review.pooling import Placement, pool_key, pool_labels, pool_problems

YANBIAN = load_preset("yanbian-2024")


def level(campaign: Campaign, key: str) -> ReviewLevel:
    return next(lv for lv in campaign.review_levels if lv.key == key)


def school(sid: str, county: str, n: int, group: str | None = "小学组", path: bool = True) -> Placement:
    code = f"{county}{n:03d}"
    return Placement(sid, ("22", "2224", county, code) if path else (), code, group, "英雄故事")


def test_an_entry_without_a_unit_path_is_reported_not_given_its_own_pool() -> None:
    county = level(YANBIAN, "county")
    entries = [
        school("A", "222401", 1),
        school("B", "222401", 2, path=False),
        school("C", "222402", 1, group=None),
    ]
    problems = pool_problems(YANBIAN, county, entries)
    assert [(p["submission_id"], "单位路径" in p["message_zh"]) for p in problems] == [
        ("B", True),
        ("C", False),
    ]
    assert "组别" in problems[1]["message_zh"]
    # the prefecture pools by group only: the missing path does not matter there, the missing group does
    assert [p["submission_id"] for p in pool_problems(YANBIAN, level(YANBIAN, "prefecture"), entries)] == [
        "C"
    ]


def test_a_school_level_pools_by_the_school_itself() -> None:
    college = level(load_preset("liaoning-micro-party-lesson-2023"), "college")
    lone = Placement("A", (), "210100001")
    assert (
        pool_key(
            college.model_copy(update={"outcome": college.outcome.model_copy(update={"pool_by": ["unit"]})}),
            lone,
        )
        == "210100001"
    )


def test_same_county_rule_applies_above_the_county_only() -> None:
    strict = YANBIAN.model_copy(
        update={"review_settings": YANBIAN.review_settings.model_copy(update={"exclude_same_county": True})}
    )
    assert not excludes_county(strict, level(strict, "county"))
    assert excludes_county(strict, level(strict, "prefecture"))
    assert not excludes_county(YANBIAN, level(YANBIAN, "prefecture"))


def test_county_panels_review_only_their_own_county() -> None:
    county = level(YANBIAN, "county")
    entries = [to_review(county, school(f"Y{i}", "222401", i)) for i in range(1, 4)]
    entries += [to_review(county, school(f"T{i}", "222402", i)) for i in range(1, 4)]
    panels = {e.pool for e in entries}
    experts = [
        {"_id": f"RY{i}", "unit_code": f"222401{900 + i}", "scope": "222401", "groups": []} for i in range(3)
    ] + [
        {"_id": f"RT{i}", "unit_code": f"222402{900 + i}", "scope": "222402", "groups": []} for i in range(3)
    ]
    result = assign_reviewers(
        entries, [to_reviewer(x, panels) for x in experts], settings=assignment_settings(YANBIAN, county)
    )
    assert result.complete
    for sid, reviewers in result.assignments.items():
        assert all(r[1] == sid[0] for r in reviewers), (sid, reviewers)


def test_an_expert_from_the_entrys_school_is_never_eligible() -> None:
    county = level(YANBIAN, "county")
    entry = to_review(county, school("A", "222401", 1))
    own = to_reviewer({"_id": "R", "unit_code": "222401001"}, {entry.pool})
    assert conflict_reason(own, entry) is not None
    out_of_scope = to_reviewer({"_id": "R2", "unit_code": "x", "scope": "222499"}, {entry.pool})
    assert conflict_reason(out_of_scope, entry) is not None


def test_a_colleges_own_round_is_reviewed_by_its_own_staff_and_the_provinces_is_not() -> None:
    liaoning = load_preset("liaoning-micro-party-lesson-2023")
    lesson = Placement("L", ("21", "2101", "210112", "210112001"), "210112001")
    staff = {"_id": "R", "unit_code": "210112001"}
    college, province = level(liaoning, "college"), level(liaoning, "province")
    entry = to_review(college, lesson)
    assert (
        conflict_reason(
            to_reviewer(staff, {entry.pool}), entry, settings=assignment_settings(liaoning, college)
        )
        is None
    )
    above = to_review(province, lesson)
    assert (
        conflict_reason(
            to_reviewer(staff, {above.pool}), above, settings=assignment_settings(liaoning, province)
        )
        is not None
    )
    # A declared conflict (the speaker reviewing their own lesson) still holds in the college.
    declared = DeclaredConflicts(submissions=frozenset({("R", "L")}))
    assert (
        conflict_reason(
            to_reviewer(staff, {entry.pool}), entry, declared, assignment_settings(liaoning, college)
        )
        is not None
    )


def test_a_chair_reads_pools_by_unit_names_not_codes() -> None:
    entries = [
        {
            "attribution": {
                "unit_path": ["22", "2224", "222401"],
                "unit_path_names": ["吉林省", "延边州", "延吉市"],
            }
        },
        {"attribution": {"unit_path": ["22", "2224", "222402"]}},  # no names carried: its code stays
    ]
    labels = pool_labels(["222401/小学组", "222402/小学组", "all"], entries)
    assert labels == {"222401/小学组": "延吉市/小学组", "222402/小学组": "222402/小学组", "all": "全部作品"}
