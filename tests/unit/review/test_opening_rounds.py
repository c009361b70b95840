"""Opening a level's round, staffing it and the chair's reassignment, on a fake round store.

What is refused, and what opening assigns; tests/integration/review runs the same on the real store."""

import copy
from typing import Any

import pytest

from contracts import Attribution, EntryInfo
from services.common.errors import ServiceError
from services.intake.presets import load_preset
from services.review.round_store import FINAL, NOTICE, Expert, ReviewEntry
from services.review.rounds import change_reviewer, open_level, staff_round
from tests.unit.fakes import FakeRoundStore, RecordingAudit

YANBIAN = load_preset("yanbian-2024").model_copy(update={"id": "c1"})
YANJI, TUMEN = "222401", "222402"
CHAIR = {"role": "chair", "id": "金老师"}


def entry(sid: str, county: str, school: int, *, group: str | None = "小学组", **extra: Any) -> ReviewEntry:
    code = f"{county}{school:03d}"
    return ReviewEntry.model_validate(
        {
            "_id": sid,
            "campaign_id": "c1",
            "entry": EntryInfo(title=sid, group=group, category="英雄故事"),
            "attribution": Attribution(
                unit_code=code,
                unit_name=f"第{school}小学",
                unit_path=["22", "2224", county, code] if county else [],
            ),
            "ready": True,
            "levels": {},
            **extra,
        }
    )


def expert(rid: str, unit_code: str, level: str = "county") -> Expert:
    return Expert.model_validate({"_id": rid, "campaign_id": "c1", "level": level, "unit_code": unit_code})


WORKS = [entry("SA", YANJI, 1), entry("SB", YANJI, 2), entry("SC", TUMEN, 1)]
PANEL = [
    expert("朴", "222401900"),
    expert("李", "222402900"),
    expert("崔", "222403900"),
    expert("同校", "222401001"),
    expert("赵", "222404900"),
]


@pytest.fixture
def audit() -> RecordingAudit:
    return RecordingAudit()


async def refused(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await call
    return caught.value


async def test_the_first_level_takes_every_ready_entry_pooled_by_county_and_group(
    audit: RecordingAudit,
) -> None:
    waiting = entry("SW", YANJI, 3, ready=False)
    store = FakeRoundStore([*WORKS, waiting])

    answer = await open_level(store, audit, YANBIAN, "county", CHAIR)

    assert answer["round_id"] == "c1:county"
    assert answer["pools"] == {f"{YANJI}/小学组": 2, f"{TUMEN}/小学组": 1}
    assert "assignment" not in answer  # no experts imported yet: nothing to assign
    stored = store.rounds["c1:county"]
    assert stored.submission_ids == ["SA", "SB", "SC"]
    assert store.assignments["c1:county"] == {}
    assert [action for action, _ in audit.actions] == ["round.opened"]


async def test_opening_with_experts_assigns_three_reviewers_none_from_the_entrys_own_school(
    audit: RecordingAudit,
) -> None:
    store = FakeRoundStore(WORKS, PANEL)

    report = (await open_level(store, audit, YANBIAN, "county", CHAIR))["assignment"]

    assert report["complete"]
    assignments = store.assignments["c1:county"]
    assert set(assignments) == {"SA", "SB", "SC"}
    assert all(len(set(reviewers)) == 3 for reviewers in assignments.values())
    assert "同校" not in assignments["SA"]  # the expert works at SA's school
    assert store.reports["c1:county"]["complete"] and "loads" not in store.reports["c1:county"]


async def test_a_round_opens_once(audit: RecordingAudit) -> None:
    store = FakeRoundStore(WORKS)
    await open_level(store, audit, YANBIAN, "county", CHAIR)

    error = await refused(open_level(store, audit, YANBIAN, "county", CHAIR))

    assert error.status == 409 and "已开启" in error.zh
    assert len(audit.actions) == 1


async def test_a_level_opens_after_the_one_below_is_final_with_only_what_it_recommended(
    audit: RecordingAudit,
) -> None:
    recommended = {"county": {"outcome": "recommended"}}
    store = FakeRoundStore(
        [
            entry("SA", YANJI, 1, levels=recommended),
            entry("SB", YANJI, 2),
            entry("SC", TUMEN, 1, levels=recommended),
        ]
    )
    early = await refused(open_level(store, audit, YANBIAN, "prefecture", CHAIR))
    assert early.status == 409 and "尚未定稿" in early.zh

    await open_level(store, audit, YANBIAN, "county", CHAIR)
    for state in ("open", NOTICE):
        store.rounds["c1:county"].state = state
        assert (await refused(open_level(store, audit, YANBIAN, "prefecture", CHAIR))).status == 409

    store.rounds["c1:county"].state = FINAL
    answer = await open_level(store, audit, YANBIAN, "prefecture", CHAIR)
    assert store.rounds["c1:prefecture"].submission_ids == ["SA", "SC"]
    assert answer["pools"] == {"小学组": 2}


async def test_an_unknown_level_is_refused_with_the_levels_there_are(audit: RecordingAudit) -> None:
    error = await refused(open_level(FakeRoundStore(WORKS), audit, YANBIAN, "nation", CHAIR))

    assert error.status == 404 and "county, prefecture" in error.zh


async def test_entries_that_cannot_be_pooled_keep_the_round_closed_and_are_named(
    audit: RecordingAudit,
) -> None:
    store = FakeRoundStore([*WORKS, entry("SX", "", 9), entry("SY", TUMEN, 2, group=None)])

    error = await refused(open_level(store, audit, YANBIAN, "county", CHAIR))

    assert error.status == 422
    assert [p["submission_id"] for p in error.extra["problems"]] == ["SX", "SY"]
    assert store.rounds == {} and audit.actions == []


async def test_automatic_assignment_is_refused_once_scoring_began_or_the_round_is_in_notice(
    audit: RecordingAudit,
) -> None:
    store = FakeRoundStore(WORKS, PANEL)
    await open_level(store, audit, YANBIAN, "county", CHAIR)
    before = store.assignments["c1:county"]

    store.scored.add("c1:county")
    began = await refused(staff_round(store, audit, YANBIAN, store.rounds["c1:county"], CHAIR))
    store.rounds["c1:county"].state = NOTICE
    notice = await refused(staff_round(store, audit, YANBIAN, store.rounds["c1:county"], CHAIR))

    assert (began.status, notice.status) == (409, 409)
    assert "人工改派" in began.zh and "公示" in notice.zh
    assert store.assignments["c1:county"] == before


async def test_the_chair_fills_a_gap_but_not_with_someone_from_the_entrys_school(
    audit: RecordingAudit,
) -> None:
    store = FakeRoundStore(WORKS, PANEL[:1])  # one reviewer for three places each: short
    await open_level(store, audit, YANBIAN, "county", CHAIR)
    store.all_experts.extend(PANEL[1:])
    rnd = store.rounds["c1:county"]

    same_school = await refused(change_reviewer(store, audit, YANBIAN, rnd, "SA", "", "同校", CHAIR))
    filled = await change_reviewer(store, audit, YANBIAN, rnd, "SA", "", "李", CHAIR)

    assert same_school.status == 422 and "同一单位" in same_school.zh
    assert filled == sorted(["朴", "李"])
    assert store.assignments["c1:county"]["SA"] == filled
    assert audit.actions[-1][0] == "assignment.changed"


async def test_reassignment_refusals_change_nothing(audit: RecordingAudit) -> None:
    store = FakeRoundStore(WORKS, PANEL)
    await open_level(store, audit, YANBIAN, "county", CHAIR)
    rnd = store.rounds["c1:county"]
    sa = store.assignments["c1:county"]["SA"]
    spare = next(x.id for x in PANEL if x.id not in sa and x.id != "同校")
    before = copy.deepcopy(store.assignments)

    outside = await refused(change_reviewer(store, audit, YANBIAN, rnd, "SZ", sa[0], spare, CHAIR))
    nobody = await refused(change_reviewer(store, audit, YANBIAN, rnd, "SA", sa[0], "无名", CHAIR))
    read_before_the_change = store.reviewers
    await change_reviewer(store, audit, YANBIAN, rnd, "SA", sa[0], spare, CHAIR)
    after_first = copy.deepcopy(store.assignments)

    async def stale(round_id: str, submission_id: str) -> list[str] | None:
        return list(sa)  # what the chair's request read before the other change was stored

    store.reviewers = stale  # type: ignore[method-assign]
    raced = await refused(change_reviewer(store, audit, YANBIAN, rnd, "SA", sa[1], spare, CHAIR))
    store.reviewers = read_before_the_change  # type: ignore[method-assign]

    assert (outside.status, nobody.status, raced.status) == (404, 404, 409)
    assert "刷新" in raced.zh
    assert store.assignments == after_first != before
