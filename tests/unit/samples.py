"""What the unit tests build their cases from: one submission's events at each step (as the
services publish them, a minute apart) and a valid Yanbian registration form."""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from contracts import (
    Attribution,
    BlobRef,
    EntryInfo,
    Finding,
    Severity,
    SubmissionPublished,
    SubmissionReviewed,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
)

Outcome = Literal["recommended", "not_recommended", "awarded"]
Status = Literal["published", "retracted", "failed"]
T0 = datetime(2024, 11, 1, 8, 0, tzinfo=UTC)
MEDIA = BlobRef(uri="blob://sha256/" + "a" * 64, sha256="a" * 64, size=10_000_000, media_type="video/mp4")
ATTRIBUTION = Attribution(
    unit_code="222401001", unit_name="延吉市第一小学", unit_path=["22", "2224", "222401"]
)


def common(version: int, minute: int) -> dict[str, Any]:
    return {
        "submission_id": "S1",
        "campaign_id": "yanbian-2024",
        "correlation_id": f"S1:v{version}",
        "occurred_at": T0 + timedelta(minutes=minute),
        "entry": EntryInfo(title="红色故事", group="小学组", version=version),
        "attribution": ATTRIBUTION,
    }


def submitted(version: int = 1, minute: int = 0) -> SubmissionSubmitted:
    return SubmissionSubmitted(**common(version, minute), producer="intake", media=MEDIA)


def validated(passed: bool = True, version: int = 1, minute: int = 1) -> SubmissionValidated:
    findings = [
        Finding(
            rule_id="video.frame_rate",
            severity=Severity.ERROR,
            expected="25",
            measured="30",
            message_zh="帧率应为25帧/秒",
            message_en="frame rate must be 25 fps",
        )
    ]
    return SubmissionValidated(
        **common(version, minute),
        producer="validator",
        media=MEDIA,
        passed=passed,
        findings=[] if passed else findings,
    )


def transcoded(succeeded: bool = True, version: int = 1, minute: int = 2) -> SubmissionTranscoded:
    return SubmissionTranscoded(
        **common(version, minute),
        producer="transcoder",
        succeeded=succeeded,
        reason=None if succeeded else "ffmpeg exited with 1",
    )


def reviewed(outcome: Outcome = "recommended", level: str = "county", minute: int = 3) -> SubmissionReviewed:
    return SubmissionReviewed(
        **common(1, minute),
        producer="review",
        level=level,
        outcome=outcome,
        award_tier="优秀资源奖" if outcome == "awarded" else None,
        rank=1,
        score=90.0,
    )


def published(status: Status = "published", minute: int = 4) -> SubmissionPublished:
    return SubmissionPublished(
        **common(1, minute),
        producer="publisher",
        target="yanbian_platform",
        status=status,
    )
