"""Kafka topic names. The key of every message is the submission_id, so one
submission's events stay in order on one partition."""

from typing import Final

STAGES: Final = ("submitted", "validated", "transcoded", "approved", "reviewed", "published")
TOPICS: Final[dict[str, str]] = {stage: f"zhengji.submission.{stage}.v1" for stage in STAGES}
CAMPAIGN_TOPIC: Final = "zhengji.campaign.defined.v1"
DLQ_SUFFIX: Final = ".dlq"


def topic_for(event_type: str) -> str:
    """``submission.validated`` -> ``zhengji.submission.validated.v1``."""
    return f"zhengji.{event_type}.v1"


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX
