"""The approval in the entrant's status: transcoded waits for the unit, approved is in review."""

from datetime import UTC, datetime, timedelta

from contracts import Attribution, EntryInfo, SubmissionApproved, SubmissionTranscoded
from services.intake.status import STAGE_LABELS, progress_key, shown_stage, stage_of, timeline_entry

T0 = datetime(2024, 11, 1, 8, tzinfo=UTC)
COMMON = {
    "submission_id": "S1",
    "campaign_id": "yanbian-2024",
    "correlation_id": "S1:v1",
    "entry": EntryInfo(title="红色故事"),
    "attribution": Attribution(unit_code="222401001", unit_name="延吉市第一小学"),
}


def test_a_transcoded_entry_awaits_its_units_approval() -> None:
    transcoded = SubmissionTranscoded(**COMMON, producer="transcoder", succeeded=True, occurred_at=T0)
    assert shown_stage(stage_of(transcoded), approved=False) == "awaiting_approval"
    assert shown_stage(stage_of(transcoded), approved=True) == "in_review"
    assert shown_stage("transcode_failed", approved=False) == "transcode_failed"


def test_the_approval_comes_after_transcoded_and_before_review() -> None:
    transcoded = SubmissionTranscoded(**COMMON, producer="transcoder", succeeded=True, occurred_at=T0)
    approved = SubmissionApproved(
        **COMMON, producer="intake", approver_unit="222401", occurred_at=T0 + timedelta(minutes=5)
    )
    assert stage_of(approved) == "in_review"
    assert progress_key(approved) > progress_key(transcoded)
    entry = timeline_entry(approved)
    assert (entry["label_zh"], entry["approver_unit"]) == ("待评审", "222401")
    assert STAGE_LABELS["awaiting_approval"][0] == "检测通过，待推荐单位审核"
    assert STAGE_LABELS["returned"][0].startswith("推荐单位退回")
