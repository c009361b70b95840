"""Rounds per unit (decision 0031) on a fake round store: each county its own county round, the
city's round once every county round its entries wait for is final, 省直/市直 entries entering at
the level that applies to them, and who may open and chair which round."""

from typing import Any

import pytest

from contracts import Attribution, EntryInfo
from services.common.callers import Caller
from services.common.errors import ServiceError
from services.intake.presets import load_preset
from services.review.paging import Page
from services.review.round_chairs import may_chair
from services.review.round_store import FINAL, ReviewEntry, Round
from services.review.rounds import open_level
from services.review.unit_gate import RoundStates, unit_progress
from services.review.unit_levels import unit_of
from tests.unit.fakes import FakeRoundStore, RecordingAudit

YANBIAN = load_preset("yanbian-2024").model_copy(update={"id": "c1"})
SHANXI = load_preset("shanxi-xuexi-2019").model_copy(update={"id": "c1"})
YANJI, TUMEN, CITY = "222401", "222402", "2224"
ADMIN = {"role": "campaign_admin", "id": "admin"}
NAMES = {"22": "吉林省", CITY: "延边州", YANJI: "延吉市", TUMEN: "图们市", "14": "山西省", "1406": "朔州市"}
KINDS = {"22": "province", CITY: "city", YANJI: "county", TUMEN: "county", "14": "province", "1406": "city"}
KINDS |= {"140602": "county"}


def entry(
    sid: str, *path: str, levels: dict[str, Any] | None = None, series: str | None = None
) -> ReviewEntry:
    """An entry of the school at the end of ``path`` (codes from the province down)."""
    return ReviewEntry.model_validate(
        {
            "_id": sid,
            "campaign_id": "c1",
            "entry": EntryInfo(title=sid, group="小学组", category="英雄故事", series=series),
            "attribution": Attribution(
                unit_code=path[-1],
                unit_name=f"{sid}学校",
                unit_path=list(path),
                unit_path_names=[NAMES.get(c, f"{c}学校") for c in path],
                unit_path_levels=[KINDS.get(c, "school") for c in path],
            ),
            "ready": True,
            "levels": levels or {},
        }
    )


RECOMMENDED = {"county": {"outcome": "recommended"}}
NOT_RECOMMENDED = {"county": {"outcome": "not_recommended"}}


async def refused(call: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        await call
    return caught.value


def test_a_path_that_skips_a_level_has_no_unit_there_and_old_paths_are_read_by_position() -> None:
    provincial = ("22", "22900")  # 省直: a school directly under the province
    assert unit_of("city", provincial, ("province", "school")) is None
    assert unit_of("county", ("22", CITY, "2224900"), ("province", "city", "school")) is None
    assert unit_of("city", ("22", CITY, "2224900"), ("province", "city", "school")) == CITY
    assert unit_of("county", ("22", CITY, YANJI, "222401001"), ()) == YANJI  # before levels were carried
    assert unit_of("county", ("22", CITY), ()) is None


async def test_each_county_opens_its_own_round_with_only_its_own_entries() -> None:
    store, audit = (
        FakeRoundStore(
            [entry("A", "22", CITY, YANJI, "222401001"), entry("T", "22", CITY, TUMEN, "222402001")]
        ),
        RecordingAudit(),
    )

    yanji = await open_level(store, audit, YANBIAN, "county", {"id": "yj"}, unit=YANJI, scope=YANJI)
    tumen = await open_level(store, audit, YANBIAN, "county", ADMIN, unit=TUMEN)

    assert (yanji["round_id"], yanji["unit_name"], yanji["entries"]) == ("c1:county:222401", "延吉市", 1)
    assert tumen["round_id"] == "c1:county:222402"
    assert store.rounds["c1:county:222402"].submission_ids == ["T"]
    assert store.rounds["c1:county:222401"].unit_path == ["22", CITY, YANJI]
    again = await refused(open_level(store, audit, YANBIAN, "county", ADMIN, unit=YANJI))
    whole = await refused(open_level(store, audit, YANBIAN, "county", ADMIN))
    assert (again.status, whole.status) == (409, 409) and "延吉市" in again.zh and "按单位" in whole.zh


async def test_a_county_admin_cannot_open_another_countys_round() -> None:
    store = FakeRoundStore([entry("T", "22", CITY, TUMEN, "222402001")])

    error = await refused(
        open_level(store, RecordingAudit(), YANBIAN, "county", {"id": "yj"}, unit=TUMEN, scope=YANJI)
    )

    assert error.status == 403 and "本单位" in error.zh and store.rounds == {}


async def test_a_county_admin_is_refused_another_countys_round_without_seeing_its_entries() -> None:
    ungrouped = entry("T", "22", CITY, TUMEN, "222402001")
    ungrouped.entry = ungrouped.entry.model_copy(update={"group": None})  # cannot be pooled
    store = FakeRoundStore([ungrouped])

    error = await refused(
        open_level(store, RecordingAudit(), YANBIAN, "county", {"id": "yj"}, unit=TUMEN, scope=YANJI)
    )

    assert error.status == 403 and "problems" not in error.extra and store.rounds == {}


async def test_the_city_round_waits_for_every_county_round_and_names_those_not_final() -> None:
    works = [
        entry("A", "22", CITY, YANJI, "222401001", levels=RECOMMENDED),
        entry("B", "22", CITY, YANJI, "222401002", levels=NOT_RECOMMENDED),
        entry("T", "22", CITY, TUMEN, "222402001"),
        entry("Z", "22", CITY, "2224900"),  # 州直: no county, enters at the prefecture
    ]
    store, audit = FakeRoundStore(works), RecordingAudit()
    await open_level(store, audit, YANBIAN, "county", ADMIN, unit=YANJI)
    store.rounds["c1:county:222401"].state = FINAL

    early = await refused(open_level(store, audit, YANBIAN, "prefecture", ADMIN, unit=CITY))
    assert early.status == 409 and "图们市" in early.zh and "未开启" in early.zh
    assert [w["unit"] for w in early.extra["waiting"]] == [TUMEN]

    await open_level(store, audit, YANBIAN, "county", ADMIN, unit=TUMEN)
    opened = await refused(open_level(store, audit, YANBIAN, "prefecture", ADMIN, unit=CITY))
    assert "评审中" in opened.zh

    store.rounds["c1:county:222402"].state = FINAL  # T not recommended there: no result sent up
    answer = await open_level(store, audit, YANBIAN, "prefecture", ADMIN, unit=CITY)
    assert store.rounds[answer["round_id"]].submission_ids == ["A", "Z"]


async def test_a_provincial_entry_enters_the_campaign_wide_round_of_the_level_that_applies() -> None:
    works = [entry("A", "22", CITY, YANJI, "222401001"), entry("P", "22", "22900")]  # 省直 school
    store, audit = FakeRoundStore(works), RecordingAudit()

    county = await open_level(store, audit, YANBIAN, "county", ADMIN)  # the campaign-wide round, as before

    assert county["round_id"] == "c1:county" and store.rounds["c1:county"].submission_ids == ["A"]


def test_unit_admins_chair_the_rounds_of_their_unit_and_below_only() -> None:
    county_round = {"unit": YANJI, "unit_path": ["22", CITY, YANJI]}
    yanji, tumen = Caller("1", "yj", "unit_admin", YANJI), Caller("2", "tm", "unit_admin", TUMEN)
    city, admin = Caller("3", "yb", "unit_admin", CITY), Caller("4", "root", "campaign_admin", None)

    assert [may_chair(c, county_round) for c in (yanji, tumen, city, admin)] == [True, False, True, True]
    assert not may_chair(yanji, {"unit": None, "unit_path": []})  # the campaign-wide round: campaign admins


def test_a_round_stored_before_rounds_per_unit_still_loads_as_the_campaigns() -> None:
    old = {"_id": "c1:county", "campaign_id": "c1", "level": "county", "state": "finalised",
           "submission_ids": ["A"], "pools": {"A": "x"}, "opened_at": "2024-05-01T00:00:00Z"}  # fmt: skip

    rnd = Round.model_validate(old)

    assert (rnd.unit, rnd.unit_path) == (None, [])


async def test_a_provincial_units_entry_skips_the_city_round_and_enters_the_provinces() -> None:
    sent_up = {"city": {"outcome": "recommended"}}  # what finalising the city round writes
    city_work = entry("C", "14", "1406", "140602", "140602001", series="mooc", levels=sent_up)
    provincial = entry("P", "14", "14001", series="mooc")  # 省直: a 厅局 directly under the province
    store, audit = FakeRoundStore([city_work, provincial]), RecordingAudit()

    city = await open_level(store, audit, SHANXI, "city", ADMIN, unit="1406")
    assert store.rounds[city["round_id"]].submission_ids == ["C"]
    store.rounds[city["round_id"]].state = FINAL

    province = await open_level(store, audit, SHANXI, "province", ADMIN)
    assert store.rounds[province["round_id"]].submission_ids == ["C", "P"]


async def test_progress_lists_each_countys_round_and_a_county_admin_sees_only_their_own() -> None:
    works = [entry("A", "22", CITY, YANJI, "222401001"), entry("T", "22", CITY, TUMEN, "222402001")]
    store = FakeRoundStore(works)
    await open_level(store, RecordingAudit(), YANBIAN, "county", ADMIN, unit=YANJI)
    rounds = await store.level_rounds("c1", "county")

    everyone, _ = unit_progress(YANBIAN, 0, works, rounds, RoundStates([]), None, Page())
    tumen_only, _ = unit_progress(YANBIAN, 0, works, rounds, RoundStates([]), TUMEN, Page())

    assert [(r["unit_name"], r["state"], r["entries"]) for r in everyone] == [
        ("延吉市", "open", 1),
        ("图们市", None, 1),
    ]
    assert [r["unit"] for r in tumen_only] == [TUMEN]


async def test_progress_is_paged_by_unit_and_counts_every_unit() -> None:
    works = [entry("A", "22", CITY, YANJI, "222401001"), entry("T", "22", CITY, TUMEN, "222402001")]
    store = FakeRoundStore(works)
    await open_level(store, RecordingAudit(), YANBIAN, "county", ADMIN, unit=YANJI)
    rounds = await store.level_rounds("c1", "county")

    second, total = unit_progress(YANBIAN, 0, works, rounds, RoundStates([]), None, Page(1, 1))

    assert ([r["unit"] for r in second], total) == ([TUMEN], 2)
