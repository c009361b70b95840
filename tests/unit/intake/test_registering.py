"""May this entry be registered: the window, the form, the group, the unit and each person's
place, on a fake store; tests/integration/intake runs the same through the API."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts.campaign import Campaign
from services.common.errors import ServiceError
from services.intake.accounts import User
from services.intake.live_changes import CampaignChange, Extension, changed
from services.intake.presets import load_preset
from services.intake.registration import register_entry
from services.intake.submission_store import Submission
from tests.unit.fakes import FakeSubmissionStore, FakeUnitTree
from zhengji.samples import yanbian_form as form

YANBIAN = load_preset("yanbian-2024").model_copy(update={"id": "c1"})  # 每人限报1件
IN_WINDOW = datetime(2024, 6, 1, 4, tzinfo=UTC)
YANJI_ONE, YANJI_TWO, TUMEN_ONE = "222401001", "222401002", "222402001"
TREE = FakeUnitTree(
    {"22": "吉林省", "2224": "延边州", "222401": "延吉市", "222402": "图们市", YANJI_ONE: "延吉市第一小学",
     YANJI_TWO: "延吉市第二小学", TUMEN_ONE: "图们市第一小学"},
    {code: ["22", "2224", code[:6], code] for code in (YANJI_ONE, YANJI_TWO, TUMEN_ONE)}
    | {"222401": ["22", "2224", "222401"]},
)  # fmt: skip
LI = User(id="u-li", username="li", role="entrant", unit_code=YANJI_ONE)
YANJI_ADMIN = User(id="u-yj", username="yj", role="unit_admin", unit_code="222401")
ADMIN = User(id="u-admin", username="admin", role="campaign_admin")


@pytest.fixture
def store() -> FakeSubmissionStore:
    return FakeSubmissionStore()


async def register(
    store: FakeSubmissionStore, user: User, sid: str = "S1", campaign: Campaign = YANBIAN, **entry: Any
) -> Submission:
    entry.setdefault("form", form())
    entry.setdefault("group", "小学组")  # Yanbian has groups: an entry names one
    return await register_entry(store, TREE, campaign, user, submission_id=sid, now=IN_WINDOW, **entry)


async def refused(store: FakeSubmissionStore, user: User, **entry: Any) -> ServiceError:
    before = dict(store.submissions)
    with pytest.raises(ServiceError) as caught:
        await register(store, user, sid="S-refused", **entry)
    assert store.submissions == before  # a refusal stores nothing
    return caught.value


async def test_an_entrant_registers_for_their_own_school(store: FakeSubmissionStore) -> None:
    registered = await register(store, LI, group="小学组")

    stored = store.submissions["S1"]
    assert stored == registered
    assert (stored.stage, stored.version, stored.approval, stored.owner) == (
        "registered",
        0,
        {"state": "pending"},
        LI.id,
    )
    assert stored.attribution.unit_path_names == ["吉林省", "延边州", "延吉市", "延吉市第一小学"]
    # Carried for the organisers' named lists; Yanbian publishes no names (publisher, privacy.py).
    assert stored.attribution.author == form()["name"]
    assert "account:u-li" in stored.person_keys


async def test_registering_before_the_window_is_allowed_but_after_it_is_refused(
    store: FakeSubmissionStore,
) -> None:
    early = await register_entry(
        store, TREE, YANBIAN, LI, submission_id="S0", form=form(), group="小学组",
        now=datetime(2024, 2, 1, tzinfo=UTC),
    )  # fmt: skip
    assert early.id == "S0"
    with pytest.raises(ServiceError) as late:
        await register_entry(
            store, TREE, YANBIAN, ADMIN, submission_id="S9", form=form(phone="13904330009"),
            unit_code=YANJI_TWO, now=datetime(2024, 11, 21, 4, tzinfo=UTC),
        )  # fmt: skip
    assert late.value.status == 403 and "报名已截止" in late.value.zh
    assert list(store.submissions) == ["S0"]


async def test_a_countys_extension_lets_its_schools_register_after_the_others_closed(
    store: FakeSubmissionStore,
) -> None:
    change = CampaignChange(
        reason="图们市网络故障", unit_extension=Extension(unit="222402", ends=date(2024, 11, 27))
    )
    later = changed(YANBIAN, change)[0]
    after_close = datetime(2024, 11, 21, 4, tzinfo=UTC)  # 21 November in Beijing; the window ended the 20th
    tumen = await register_entry(
        store, TREE, later, ADMIN, submission_id="S-tumen", form=form(), group="小学组",
        unit_code=TUMEN_ONE, now=after_close,
    )  # fmt: skip
    assert tumen.attribution.unit_code == TUMEN_ONE
    with pytest.raises(ServiceError) as yanji:
        await register_entry(
            store, TREE, later, ADMIN, submission_id="S-yanji", form=form(phone="13904330009"),
            group="小学组", unit_code=YANJI_TWO, now=after_close,
        )  # fmt: skip
    assert yanji.value.status == 403 and "报名已截止" in yanji.value.zh
    assert list(store.submissions) == ["S-tumen"]


async def test_a_form_with_problems_and_an_unknown_group_are_refused_with_their_fields(
    store: FakeSubmissionStore,
) -> None:
    bad_form = await refused(store, LI, form=form(phone="12345", title=""), group="小学组")
    bad_group = await refused(store, LI, group="大学组")
    no_group = await refused(store, LI, group=None)

    assert bad_form.status == 422
    assert [f["field"] for f in bad_form.extra["fields"]] == ["phone", "title"]
    assert (bad_group.status, [f["field"] for f in bad_group.extra["fields"]]) == (422, ["group"])
    assert [f["message_zh"] for f in no_group.extra["fields"]] == ["请选择组别"]


async def test_who_may_register_for_which_unit(store: FakeSubmissionStore) -> None:
    other_school = await refused(store, LI, unit_code=YANJI_TWO)
    no_unit = await refused(store, ADMIN)
    outside = await refused(store, YANJI_ADMIN, unit_code=TUMEN_ONE)
    unknown = await refused(store, ADMIN, unit_code="999")

    assert (other_school.status, no_unit.status, outside.status, unknown.status) == (403, 422, 403, 422)
    assert "本人所在单位" in other_school.zh and "下级单位" in outside.zh and "999" in unknown.zh
    below = await register(store, YANJI_ADMIN, sid="S2", unit_code=YANJI_TWO)
    assert below.owner is None and below.registered_by == YANJI_ADMIN.id


async def test_a_person_has_one_place_whoever_registers_them(store: FakeSubmissionStore) -> None:
    await register(store, LI, form=form(title="长白山的故事"))

    second = await refused(store, LI, form=form(title="第二件"))
    # The same teacher (name and phone) registered by an admin for another account counts too.
    by_admin = await refused(store, ADMIN, form=form(title="另一件"), unit_code=YANJI_ONE)
    someone_else = await register(
        store, ADMIN, sid="S3", form=form(name="朴老师", phone="13904330099"), unit_code=YANJI_ONE
    )

    assert (second.status, by_admin.status) == (409, 409)
    # Only that the limit is reached: whoever typed a name and phone learns no titles, no ids.
    assert second.zh == "每人限报1件作品，已达上限"
    assert second.en == "the limit of 1 per person is reached"
    assert second.extra == {} and by_admin.zh == second.zh
    assert someone_else.id == "S3"


async def test_a_campaign_with_two_places_each_takes_a_second_entry(store: FakeSubmissionStore) -> None:
    two = YANBIAN.model_copy(update={"per_person_limit": 2})
    await register(store, LI, campaign=two)
    await register(store, LI, sid="S2", campaign=two, form=form(title="第二件"))

    third = await refused(store, LI, campaign=two, form=form(title="第三件"))
    assert third.status == 409 and third.zh == "每人限报2件作品，已达上限"
    assert "第二件" not in third.en + third.zh and "S2" not in third.en and third.extra == {}
