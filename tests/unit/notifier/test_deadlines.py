"""Who is reminded of a deadline: the admins of each unit on a waiting entry's path, from
``days_before`` the deadline until the deadline day, against its own subtree's extension; and
reviewers with entries in a round, before its scoring window closes."""

from datetime import date

from contracts.campaign import Campaign, LiveChanges, UnitExtension, Window
from services.intake.presets import load_preset
from services.notifier.deadlines import Reminder, Waiting, reminders
from services.notifier.review_shares import Share
from services.notifier.review_shares import due as shares_due

ENDS = date(2026, 12, 20)
YANJI = Waiting(["22", "2224", "222401", "222401001"], ["吉林省", "延边州", "延吉市", "延吉市第一小学"])
YANJI_2 = Waiting(["22", "2224", "222401", "222401002"], ["吉林省", "延边州", "延吉市", "延吉市第二小学"])
TUMEN = Waiting(["22", "2224", "222402", "222402001"], ["吉林省", "延边州", "图们市", "图们市第一小学"])


def campaign(*extensions: UnitExtension) -> Campaign:
    spec = load_preset("yanbian-2024")
    return spec.model_copy(
        update={
            "upload_window": Window(starts=date(2026, 11, 1), ends=ENDS),
            "live": LiveChanges(unit_extensions=list(extensions)),
        }
    )


def test_every_unit_above_a_waiting_entry_is_reminded_with_its_subtrees_count() -> None:
    due = {r.unit: r for r in reminders(campaign(), [YANJI, YANJI_2, TUMEN], date(2026, 12, 18), 2)}
    assert due["2224"] == Reminder("yanbian-2024", "2224", "延边州", ENDS, 3)
    assert due["222401"].waiting == 2 and due["222401"].unit_name == "延吉市"
    assert due["222402001"].waiting == 1
    assert due["222401"].key == "approval_due:yanbian-2024:222401:2026-12-20"


def test_nobody_is_reminded_before_the_days_or_after_the_deadline() -> None:
    for day in (date(2026, 12, 17), date(2026, 12, 21)):
        assert reminders(campaign(), [YANJI], day, 2) == []
    assert {r.unit for r in reminders(campaign(), [YANJI], ENDS, 0)} == set(YANJI.unit_path)


def test_a_county_with_a_later_deadline_is_reminded_against_its_own() -> None:
    later = UnitExtension(unit="222402", ends=date(2026, 12, 27), reason="网络故障")
    on_the_20th = reminders(campaign(later), [YANJI, TUMEN], date(2026, 12, 19), 2)
    assert {r.unit for r in on_the_20th} == set(YANJI.unit_path)  # Tumen's deadline is a week away
    on_the_26th = reminders(campaign(later), [YANJI, TUMEN], date(2026, 12, 26), 2)
    assert {(r.unit, r.deadline) for r in on_the_26th} == {(u, date(2026, 12, 27)) for u in TUMEN.unit_path}


def test_a_campaign_without_a_deadline_reminds_nobody() -> None:
    open_ended = campaign().model_copy(update={"upload_window": None})
    assert reminders(open_ended, [YANJI], date(2026, 12, 19), 2) == []


def test_reviewers_with_entries_to_score_are_reminded_from_the_days_before_their_window_closes() -> None:
    def share(reviewer: str, entries: int, ends: date | None, scored: int = 0) -> Share:
        return Share("c", "c:county", reviewer, "county", "县区评审", entries, ends, scored)

    shares = [
        share("R1", 3, ENDS, scored=2),
        share("R2", 0, ENDS),
        share("R3", 2, None),
        share("R4", 1, date(2026, 12, 30)),
        share("R5", 2, ENDS, scored=2),  # finished: not reminded
    ]
    assert [s.reviewer_id for s in shares_due(shares, date(2026, 12, 19), 1)] == ["R1"]
    assert shares[0].to_score == 1
    assert shares_due(shares, date(2026, 12, 18), 1) == [] and shares_due(shares, date(2026, 12, 21), 1) == []
    assert shares[0].key == "review_due:c:county:R1:2026-12-20"
