"""The reconciler's judgement: a submission waiting its turn in a busy stage is not stuck."""

from datetime import UTC, datetime, timedelta

from services.intake.stage_movement import StageMovement

T0 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
DEADLINE = timedelta(minutes=5)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_submission_queued_behind_a_moving_backlog_waits_its_turn() -> None:
    seen = StageMovement(started=T0)
    # The validator works through uploads that came before this one, one a minute.
    for minute in range(10, 30):
        seen.left("validating", entered=at(minute - 10), now=at(minute))

    assert not seen.stuck("validating", entered=at(15), now=at(29), deadline=DEADLINE)


def test_a_submission_the_stage_has_moved_a_deadline_past_is_stuck() -> None:
    seen = StageMovement(started=T0)
    # Uploads that came six minutes after it have already been validated: its event went missing.
    seen.left("validating", entered=at(16), now=at(20))

    assert seen.stuck("validating", entered=at(10), now=at(20), deadline=DEADLINE)
    # Overtaken by less than a deadline is the ordinary disorder of partitions and parallel jobs.
    assert not seen.stuck("validating", entered=at(13), now=at(20), deadline=DEADLINE)


def test_a_stage_that_has_stopped_moving_is_judged_by_the_deadline_alone() -> None:
    seen = StageMovement(started=T0)
    seen.left("transcoding", entered=at(1), now=at(2))

    assert seen.stuck("transcoding", entered=at(3), now=at(8), deadline=DEADLINE)


def test_a_process_that_has_just_started_watches_for_one_deadline_first() -> None:
    seen = StageMovement(started=T0)

    assert not seen.stuck("validating", entered=T0 - timedelta(hours=1), now=at(4), deadline=DEADLINE)
    assert seen.stuck("validating", entered=T0 - timedelta(hours=1), now=at(6), deadline=DEADLINE)


def test_stages_are_judged_apart() -> None:
    seen = StageMovement(started=T0)
    seen.left("validating", entered=at(20), now=at(21))

    assert seen.stuck("transcoding", entered=at(10), now=at(21), deadline=DEADLINE)
    assert seen.stuck("validating", entered=at(10), now=at(21), deadline=DEADLINE)
