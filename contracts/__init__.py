"""zhengji contracts: the events, the campaign spec and the topic names.

Pure pydantic, no I/O. This is the one package a downstream platform installs
to validate the events it consumes; the JSON Schemas in ``contracts/schemas/``
are generated from these models (``python -m contracts.schemas``).
"""

from contracts.blobs import BlobRef
from contracts.events import (
    EVENT_MODELS,
    AnyEvent,
    Attribution,
    BaseEvent,
    CampaignDefined,
    EntryInfo,
    Envelope,
    Finding,
    Rendition,
    ReviewerAssigned,
    RoundNoticed,
    Severity,
    SubmissionApproved,
    SubmissionPublished,
    SubmissionReturned,
    SubmissionReviewed,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
    TimeRange,
    parse_event,
)
from contracts.topics import (
    CAMPAIGN_TOPIC,
    DLQ_SUFFIX,
    EVENT_TOPICS,
    REVIEWER_TOPIC,
    ROUND_TOPIC,
    TOPICS,
    dlq_topic,
    topic_for,
)

__all__ = [
    "CAMPAIGN_TOPIC",
    "DLQ_SUFFIX",
    "EVENT_MODELS",
    "EVENT_TOPICS",
    "REVIEWER_TOPIC",
    "ROUND_TOPIC",
    "TOPICS",
    "AnyEvent",
    "Attribution",
    "BaseEvent",
    "BlobRef",
    "CampaignDefined",
    "EntryInfo",
    "Envelope",
    "Finding",
    "Rendition",
    "ReviewerAssigned",
    "RoundNoticed",
    "Severity",
    "SubmissionApproved",
    "SubmissionPublished",
    "SubmissionReturned",
    "SubmissionReviewed",
    "SubmissionSubmitted",
    "SubmissionTranscoded",
    "SubmissionValidated",
    "TimeRange",
    "dlq_topic",
    "parse_event",
    "topic_for",
]
