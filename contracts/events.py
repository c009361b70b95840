"""The five submission events and their envelope.

Every event names one submission and carries the public facts of its entry
forward (``EntryInfo``), so that each service can work from the events it
consumes and never reads another service's database. Personal data (phones,
ID numbers, personal form fields) never appears here: it stays in intake. The
author's name does (``Attribution.author``), and is published only where the
campaign allows it.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from contracts.blobs import BlobRef
from contracts.campaign import Campaign
from contracts.topics import key_field


def _now() -> datetime:
    return datetime.now(UTC)


class BaseEvent(BaseModel):
    """Fields every event has. ``event_id`` is what consumers deduplicate on."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID = Field(default_factory=uuid4)
    event_type: str
    schema_version: int = 1
    occurred_at: AwareDatetime = Field(default_factory=_now)
    campaign_id: str
    producer: str = Field(description="Service that emitted the event, e.g. validator")

    def partition_key(self) -> str:
        """The message's Kafka key, by the one rule in ``contracts.topics.key_field``."""
        return str(getattr(self, key_field(self.event_type)))


class CampaignDefined(BaseEvent):
    """A campaign was created or changed; every service keeps its own copy of the spec."""

    event_type: Literal["campaign.defined"] = "campaign.defined"
    spec: Campaign


class Envelope(BaseEvent):
    """The envelope of a submission's events: keyed (and ordered) by submission."""

    submission_id: str
    correlation_id: str = Field(description="The same for every event of one submission version")
    causation_id: UUID | None = Field(default=None, description="event_id of the event that caused this one")

    @classmethod
    def follow_on(cls, event: "SubmissionEvent", producer: str, **fields: Any) -> Self:
        """The next event of ``event``'s submission version, caused by it: the same submission,
        campaign and correlation, and the entry and attribution carried forward unchanged."""
        return cls(
            submission_id=event.submission_id,
            campaign_id=event.campaign_id,
            correlation_id=event.correlation_id,
            causation_id=event.event_id,
            producer=producer,
            entry=event.entry,
            attribution=event.attribution,
            **fields,
        )


class EntryInfo(BaseModel):
    """Public facts of an entry: safe for reviewers (no author, no unit) and platforms."""

    model_config = ConfigDict(frozen=True)

    title: str
    group: str | None = None
    category: str | None = None
    subcolumn: str | None = None
    series: str | None = Field(default=None, description="Collection series key (Shanxi's 十个系列)")
    work: str | None = Field(
        default=None,
        description="Material key of the work when it is not the primary material: a series that asks "
        "for at least one of several (Shanxi's 百灵: a video or an audio work)",
    )
    summary: str | None = None
    version: int = Field(default=1, ge=1, description="1 for the first upload, +1 per resubmission")
    questions: int | None = Field(
        default=None, ge=0, description="A quiz set's number of questions, as the validator counted them"
    )
    details: dict[str, str] = Field(
        default_factory=dict,
        description="The entry form's other public fields by key, as typed (Hunan's 资源制作方 producer, "
        "资源版权方 copyright_holder, 资源格式 format, 备注 remarks, 填表单位 unit); never a personal field. "
        "Reviewers never see them (blind review); a platform gets those its target's fields name",
    )


class Attribution(BaseModel):
    """Who made the work.

    Reviewers never see this (blind review), and a name typed into the title or summary is masked
    for them; the chair's lists name the author. Publication shows ``author`` only where the
    campaign makes authors public (``authors_public``, not for minors), and masks it in free text
    otherwise: the author travels so that both can be done (decision 0028)."""

    model_config = ConfigDict(frozen=True)

    unit_code: str
    unit_name: str
    unit_path: list[str] = Field(default_factory=list, description="Unit codes from the root down")
    unit_path_names: list[str] = Field(default_factory=list, description="Their names, in the same order")
    unit_path_levels: list[str] = Field(
        default_factory=list,
        description="Their levels (province, city, county, school), in the same order: a 省直 unit's "
        "path skips levels (empty for entries registered before levels were carried)",
    )
    author: str | None = None


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class TimeRange(BaseModel):
    model_config = ConfigDict(frozen=True)

    start_s: float
    end_s: float


class Finding(BaseModel):
    """One rule's verdict on one submission, in words a teacher can act on."""

    model_config = ConfigDict(frozen=True)

    rule_id: str = Field(description="Stable id, e.g. video.frame_rate")
    severity: Severity
    expected: str
    measured: str
    message_zh: str
    message_en: str
    time_range: TimeRange | None = None
    confidence: float | None = Field(default=None, ge=0, le=1, description="Heuristic checks only")


class SubmissionSubmitted(Envelope):
    event_type: Literal["submission.submitted"] = "submission.submitted"
    entry: EntryInfo
    attribution: Attribution
    entrant_id: str | None = Field(
        default=None,
        description="The entrant's account id (opaque, no personal data): whom the notifier tells",
    )
    media: BlobRef
    materials: dict[str, BlobRef] = Field(default_factory=dict)
    on_screen: dict[str, str] = Field(
        default_factory=dict,
        description="Form values the notice has shown on the slate (ScreenTextSpec.slate_fields), for "
        "the validator's on-screen text check; nothing else of the form",
    )


class SubmissionValidated(Envelope):
    event_type: Literal["submission.validated"] = "submission.validated"
    entry: EntryInfo
    attribution: Attribution
    media: BlobRef
    passed: bool
    findings: list[Finding]
    duration_s: float | None = None


class Rendition(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="e.g. master, hls, poster, sprite, thumbnails")
    blob: BlobRef
    width: int | None = None
    height: int | None = None
    bit_rate_kbps: int | None = None
    kind: str | None = Field(
        default=None,
        description="What the rendition is: master (delivery file), hls (streaming ladder), poster, "
        "sprite (scrubbing thumbnails), thumbnails (WebVTT index into the sprite)",
    )
    codec: str | None = Field(default=None, description="Video codec (ffprobe name), e.g. h264")
    frame_rate: float | None = None
    remuxed: bool | None = Field(
        default=None, description="Master only: true when the upload's streams were copied, not re-encoded"
    )
    package_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="Multi-file renditions (HLS, sprite + WebVTT): the sha256 naming the package "
        "directory, computed over its file list; blob is the entry file (e.g. master.m3u8) in it",
    )


class SubmissionTranscoded(Envelope):
    event_type: Literal["submission.transcoded"] = "submission.transcoded"
    entry: EntryInfo
    attribution: Attribution
    succeeded: bool
    reason: str | None = Field(default=None, description="Why the job failed, when it did")
    renditions: list[Rendition] = Field(default_factory=list)
    duration_s: float | None = None


class SubmissionApproved(Envelope):
    """The entrant's unit approved (推荐单位审核) this version: with ``transcoded``, it may go to review."""

    event_type: Literal["submission.approved"] = "submission.approved"
    entry: EntryInfo
    attribution: Attribution
    approver_unit: str | None = Field(
        default=None, description="Code of the unit whose admin approved; None when a campaign admin did"
    )
    materials: dict[str, BlobRef] = Field(
        default_factory=dict,
        description="The entry's other files that reviewers judge (courseware, photos, 简介), by material "
        "key, or key.N for a set, as approved: the entry is whole now. Never a registration form "
        "(推荐表: signatures, phones, ID numbers stay in intake)",
    )


# A return reason travels in an SMS and an e-mail subject line's neighbourhood: a few sentences.
RETURN_REASON_MAX = 500


class SubmissionReturned(Envelope):
    """The entrant's unit returned (退回) this version instead of approving it, with its reason: the
    entrant changes the entry and submits again. Only the notifier acts on it (it tells the
    entrant); intake recorded the return when it happened."""

    event_type: Literal["submission.returned"] = "submission.returned"
    entry: EntryInfo
    attribution: Attribution
    reason: str = Field(
        min_length=1, max_length=RETURN_REASON_MAX, description="退回原因, as the unit admin wrote it"
    )
    returned_by_unit: str | None = Field(
        default=None, description="Code of the unit whose admin returned it; None when a campaign admin did"
    )


ReviewOutcome = Literal["recommended", "not_recommended", "awarded"]


class SubmissionReviewed(Envelope):
    event_type: Literal["submission.reviewed"] = "submission.reviewed"
    entry: EntryInfo
    attribution: Attribution
    level: str = Field(description="Review level key, e.g. county, city, province")
    outcome: ReviewOutcome
    award_tier: str | None = None
    rank: int | None = Field(default=None, ge=1)
    score: float | None = None
    renditions: list[Rendition] = Field(default_factory=list)


class SubmissionPublished(Envelope):
    event_type: Literal["submission.published"] = "submission.published"
    entry: EntryInfo
    attribution: Attribution
    target: str = Field(description="Publication target key of the campaign")
    status: Literal["published", "retracted", "failed"]
    remote_id: str | None = None
    url: str | None = None
    award_tier: str | None = None
    reason: str | None = None
    target_name: str | None = Field(
        default=None, description="The platform's name, e.g. 延边教育资源公共服务平台"
    )
    attempts: int | None = Field(default=None, ge=0, description="Requests it took (published, failed)")


class ReviewerAssigned(BaseEvent):
    """A reviewer's share of a round once it is staffed (or changed by the chair): the notifier
    tells the reviewer, who gave it their contact details themselves on the reviewer pages. The
    reviewer is an id here, never a name, phone or e-mail address; their token never travels.

    Sent again, with ``change: progress``, when the reviewer's scored count changes or the window
    does (a chair's late-scoring permission): nobody is told, but the notifier's reminder before
    the window closes then goes only to reviewers with entries still to score."""

    event_type: Literal["review.assigned"] = "review.assigned"
    reviewer_id: str
    round_id: str
    level: str = Field(description="Review level key, e.g. county")
    level_name: str = Field(description="The level's name in the notice, e.g. 县级评审")
    entries: int = Field(ge=0, description="Entries the reviewer now scores in this round")
    window_ends: date | None = Field(
        default=None, description="Last day of the round's scoring window (none once late scoring is allowed)"
    )
    scored: int | None = Field(
        default=None, ge=0, description="Of those entries, how many the reviewer has scored (complete sheets)"
    )
    change: Literal["staffing", "progress"] = Field(
        default="staffing",
        description="staffing: the share was made or changed (the reviewer is told); progress: only the "
        "scored count or the window changed (nobody is told)",
    )


class RoundNoticed(BaseEvent):
    """Something a round's chairs act on: every score of the round is in (``scored``: the proposal
    can be made), or an appeal was filed during its 公示 (``appealed``: to be resolved before the
    round is finalised). For the notifier, which tells the chairs: the level's 组长 by reviewer id
    (those who may chair this round), and the admins of the round's unit and the units above it
    (decision 0031), or the campaign admins for a campaign-wide round. The appellant's name and
    contact details stay in review."""

    event_type: Literal["round.noticed"] = "round.noticed"
    round_id: str
    kind: Literal["scored", "appealed"]
    level: str = Field(description="Review level key, e.g. county")
    level_name: str = Field(description="The level's name in the notice, e.g. 县级评审")
    unit_path: list[str] = Field(
        default_factory=list,
        description="A unit's round: its unit's path from the root; empty when campaign-wide",
    )
    chairs: list[str] = Field(
        default_factory=list, description="Reviewer ids of the 组长 who chair this round"
    )
    entries: int = Field(default=0, ge=0, description="Entries in the round")
    appeal_id: str | None = Field(default=None, description="appealed: the appeal")
    title: str | None = Field(default=None, description="appealed: the entry's title, as the 公示 shows it")


SubmissionEvent = (
    SubmissionSubmitted
    | SubmissionValidated
    | SubmissionTranscoded
    | SubmissionApproved
    | SubmissionReturned
    | SubmissionReviewed
    | SubmissionPublished
)
AnyEvent = Annotated[SubmissionEvent, Field(discriminator="event_type")]
EVENT_MODELS: dict[str, type[BaseEvent]] = {
    "campaign.defined": CampaignDefined,
    "submission.submitted": SubmissionSubmitted,
    "submission.validated": SubmissionValidated,
    "submission.transcoded": SubmissionTranscoded,
    "submission.approved": SubmissionApproved,
    "submission.returned": SubmissionReturned,
    "submission.reviewed": SubmissionReviewed,
    "submission.published": SubmissionPublished,
    "review.assigned": ReviewerAssigned,
    "round.noticed": RoundNoticed,
}
# mypy reports this union argument in some runs and not others (it depends on its cache).
_any_event: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)  # type: ignore[arg-type, unused-ignore]


def parse_event(raw: bytes | str) -> AnyEvent:
    """Parse any submission event from JSON (not campaign.defined); raises pydantic.ValidationError."""
    return _any_event.validate_json(raw)
