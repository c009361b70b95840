"""What review's API answers, as pydantic models: the ``response_model`` of each route, so the
OpenAPI document says what a client gets. Reviewer answers (``BlindEntry`` and what holds it)
carry no attribution; the chair's and the admin's do."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from contracts.campaign import ReviewLevel, ReviewSettings


class Message(BaseModel):
    message_zh: str
    message_en: str


class CriterionView(BaseModel):
    key: str
    name: str
    weight: float
    share: float  # percent of the total weight
    min: float
    max: float


class LevelPlan(ReviewLevel):
    experts: int
    round_id: str | None  # the campaign-wide round
    round_state: str | None
    unit_rounds: int = 0  # units' rounds of the level (decision 0031): GET .../levels/{level}/rounds
    chair_may_add: bool


class Plan(BaseModel):
    campaign_id: str
    rubric: list[CriterionView]
    settings: ReviewSettings
    levels: list[LevelPlan]


class ImportedExpert(BaseModel):
    reviewer_id: str
    name: str
    role: str
    token: str | None  # shown once, to new experts only


class ExpertsImported(BaseModel):
    campaign_id: str
    level: str
    added: int
    updated: int
    experts: list[ImportedExpert]


class Expert(BaseModel):
    reviewer_id: str
    name: str
    unit_code: str
    unit_name: str = ""
    title: str = ""
    specialties: list[str] = []
    role: str = "reviewer"


class Token(BaseModel):
    reviewer_id: str
    token: str


class PoolShortfall(BaseModel):
    pool: str
    pool_label: str
    entries_short: int
    reviews_missing: int


class EntryShortfall(BaseModel):
    submission_id: str
    missing: int


class AssignmentReport(Message):
    complete: bool
    reviews_per_entry: int
    shortfalls: list[PoolShortfall]
    entries_short: list[EntryShortfall]
    loads: dict[str, int]


class RoundOpened(BaseModel):
    round_id: str
    level: str
    unit: str | None = None  # a unit's round (decision 0031); None: the campaign's
    unit_name: str = ""
    entries: int
    pools: dict[str, int]
    warnings: list[Message]
    assignment: AssignmentReport | None = None  # when the level's experts are imported


class ReadyEntry(BaseModel):
    """An entry ready for review, as review stored it (attribution and levels left out)."""

    model_config = ConfigDict(extra="allow")
    submission_id: str
    campaign_id: str
    ready: bool


class NoticeWindow(BaseModel):
    starts_at: datetime
    ends_at: datetime


class RoundView(BaseModel):
    """A round as stored, without its assignments, frozen result and the chair's choices."""

    model_config = ConfigDict(extra="allow")
    round_id: str
    campaign_id: str
    level: str
    state: str
    submission_ids: list[str]
    pools: dict[str, str]
    opened_at: datetime
    notice: NoticeWindow | None = None


class Me(BaseModel):
    reviewer_id: str
    name: str
    role: str
    level: str


class MaterialView(BaseModel):
    """One of the entry's other files: opened by ``url`` (a copy without identifying metadata)."""

    name: str  # material key, or key.N in a set
    label: str
    kind: str | None
    file_name: str
    size: int
    url: str


class DetailView(BaseModel):
    label: str
    value: str


class BlindEntry(BaseModel):
    submission_id: str
    title: str | None
    group: str | None
    category: str | None
    subcolumn: str | None
    summary: str | None
    duration_s: float | None
    preview_url: str | None
    poster_url: str | None
    materials: list[MaterialView] = []
    details: list[DetailView] = []


class SheetView(BaseModel):
    status: str  # empty | draft | complete
    values: dict[str, str]
    total: str | None
    comment: str
    saved_at: datetime | None = None


class Assignment(BaseModel):
    round_id: str
    state: str
    entry: BlindEntry
    sheet: SheetView


class EntryView(Assignment):
    level: str
    rubric: list[CriterionView]
