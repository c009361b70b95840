"""Kafka topic names and message keys.

A submission's events (``zhengji.submission.<stage>.v1``) are keyed by ``submission_id``, so one
submission's events stay in order on one partition. Campaign messages (``CAMPAIGN_TOPIC``) are
keyed by ``campaign_id``, so a campaign's successive definitions stay in order. ``key_field`` is
the one statement of this rule: the events' ``partition_key`` and the AsyncAPI document follow it.
"""

from typing import Final

STAGES: Final = ("submitted", "validated", "transcoded", "approved", "returned", "reviewed", "published")
TOPICS: Final[dict[str, str]] = {stage: f"zhengji.submission.{stage}.v1" for stage in STAGES}
CAMPAIGN_TOPIC: Final = "zhengji.campaign.defined.v1"
# The review's messages to reviewers (``review.assigned``): keyed by reviewer, for the notifier.
REVIEWER_TOPIC: Final = "zhengji.review.assigned.v1"
# What a round's chairs act on (``round.noticed``): keyed by round, for the notifier.
ROUND_TOPIC: Final = "zhengji.round.noticed.v1"
# Every topic of events, each with its dead-letter topic beside it (``dlq_topic``).
EVENT_TOPICS: Final = (*TOPICS.values(), CAMPAIGN_TOPIC, REVIEWER_TOPIC, ROUND_TOPIC)
DLQ_SUFFIX: Final = ".dlq"


def topic_for(event_type: str) -> str:
    """``submission.validated`` -> ``zhengji.submission.validated.v1``."""
    return f"zhengji.{event_type}.v1"


def key_field(event_type: str) -> str:
    """The event field whose value is the message's Kafka key."""
    if event_type.startswith("review."):
        return "reviewer_id"
    if event_type.startswith("round."):
        return "round_id"
    return "campaign_id" if event_type.startswith("campaign.") else "submission_id"


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX
