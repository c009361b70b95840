"""The entrant-facing status of a submission, folded from every event.

Events of one submission arrive in order per topic, but not across topics, so
the stage only moves forward: an event counts for the stage when its
(version, rank, time) is later than what the status already shows. Every
event is kept in the timeline either way."""

from datetime import datetime
from typing import Any

from contracts import (
    AnyEvent,
    SubmissionApproved,
    SubmissionPublished,
    SubmissionReturned,
    SubmissionReviewed,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
)

# approved ranks with transcoded (intake approves only after it saw transcoded, so time orders them).
RANK = {
    "registered": 0,
    "submitted": 1,
    "validated": 2,
    "transcoded": 3,
    "approved": 3,
    "returned": 3,  # intake records a return when it happens; the event only tells the notifier
    "reviewed": 4,
    "published": 5,
}

# A table of bilingual labels: like validator's RULE_LABELS in shape only.
STAGE_LABELS: dict[str, tuple[str, str]] = {
    "registered": ("已报名，待上传", "registered, awaiting upload"),
    "validating": ("已上传，检测中", "uploaded, being checked"),
    "failed_validation": ("技术检测未通过", "failed the technical check"),
    "transcoding": ("检测通过，转码中", "passed the check, transcoding"),
    "transcode_failed": ("转码失败", "transcoding failed"),
    "awaiting_approval": ("检测通过，待推荐单位审核", "passed the checks, awaiting the unit's approval"),
    "returned": ("推荐单位退回，请修改后重新提交", "returned by the unit: change it and submit again"),
    "in_review": ("待评审", "awaiting review"),
    "recommended": ("已推荐至上一级", "recommended to the next level"),
    "not_recommended": ("未获推荐", "not recommended"),
    "awarded": ("获奖", "awarded"),
    "published": ("已发布展示", "published"),
    "publish_failed": ("发布失败", "publication failed"),
    "retracted": ("已撤回", "retracted"),
}


def stage_of(event: AnyEvent) -> str:
    match event:
        case SubmissionSubmitted():
            return "validating"
        case SubmissionValidated(passed=passed):
            return "transcoding" if passed else "failed_validation"
        case SubmissionTranscoded(succeeded=ok):
            return "in_review" if ok else "transcode_failed"
        case SubmissionApproved():
            return "in_review"
        case SubmissionReturned():
            return "returned"
        case SubmissionReviewed(outcome=outcome):
            return outcome
        case SubmissionPublished(status=status):
            return {"published": "published", "retracted": "retracted"}.get(status, "publish_failed")
    raise ValueError(event.event_type)  # pragma: no cover - the union is exhaustive


def shown_stage(stage: str, approved: bool) -> str:
    """A transcoded entry waits for its unit's approval before it counts as in review."""
    return "awaiting_approval" if stage == "in_review" and not approved else stage


def progress_key(event: AnyEvent) -> tuple[int, int, datetime]:
    """How far ``event`` takes its submission, comparable with the key stored from an earlier one.

    The store keeps times to the millisecond, so the event's is cut to it too: otherwise the
    event intake stored on upload looks newer than itself when intake reads it back from the
    bus, and "moves" the submission again (its stage's clock restarted, a leave recorded)."""
    at = event.occurred_at
    return (
        event.entry.version,
        RANK[event.event_type.split(".")[1]],
        at.replace(microsecond=at.microsecond // 1000 * 1000),
    )


def summary_of(event: AnyEvent) -> dict[str, Any]:
    """What the timeline shows of an event, without the envelope noise."""
    match event:
        case SubmissionValidated():
            return {"passed": event.passed, "findings": [f.model_dump(mode="json") for f in event.findings]}
        case SubmissionTranscoded():
            return {
                "succeeded": event.succeeded,
                "reason": event.reason,
                "renditions": [r.model_dump(mode="json") for r in event.renditions],
            }
        case SubmissionReviewed():
            return {
                "level": event.level,
                "outcome": event.outcome,
                "award_tier": event.award_tier,
                "rank": event.rank,
                "score": event.score,
            }
        case SubmissionPublished():
            return {"target": event.target, "status": event.status, "url": event.url, "reason": event.reason}
        case SubmissionApproved():
            return {"approver_unit": event.approver_unit}
        case SubmissionReturned():
            return {"reason": event.reason}
        case _:
            return {"media": event.media.model_dump(mode="json")}


def timeline_entry(event: AnyEvent) -> dict[str, Any]:
    stage = stage_of(event)
    zh, en = STAGE_LABELS[stage]
    return {
        "event_id": str(event.event_id),
        "event_type": event.event_type,
        "version": event.entry.version,
        "at": event.occurred_at,
        "stage": stage,
        "label_zh": zh,
        "label_en": en,
        **summary_of(event),
    }
