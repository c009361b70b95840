"""The bodies intake's JSON API accepts and answers with, as its OpenAPI document shows them.

Answers that carry a stored document's own fields (a submission's form, its timeline) keep
them open (``extra="allow"``, ``dict[str, Any]``): the campaign, not this module, decides them."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.campaign import Window
from contracts.events import RETURN_REASON_MAX
from services.intake.accounts import Role, User


class UploadWindow(BaseModel):
    """The upload window a request asks for. That it ends after it starts is checked with the
    rest of the campaign (JSON Schema cannot say it), and refused with a message."""

    starts: date
    ends: date | None = Field(default=None, description="None: open-ended")


class CreateCampaign(BaseModel):
    preset: str | None = Field(default=None, description="Preset id, e.g. yanbian-2024")
    definition_yaml: str | None = Field(default=None, description="A whole campaign definition in YAML")
    id: str | None = Field(
        default=None, pattern=r"^[a-z0-9][a-z0-9-]*$", description="Campaign id; defaults to the preset's"
    )
    upload_window: UploadWindow | None = None
    publication_urls: dict[str, str] = Field(default_factory=dict, description="Target key -> platform URL")


class CampaignRef(BaseModel):
    id: str
    title: str


class CampaignSummary(CampaignRef):
    issuer: str
    upload_window: Window | None = None
    groups: list[str] = Field(default_factory=list)


class MediaStored(BaseModel):
    submission_id: str
    version: int
    sha256: str
    size: int


class Login(BaseModel):
    username: str
    password: str


class Signup(BaseModel):
    username: str
    password: str
    display_name: str
    unit_code: str


class NewUser(Signup):
    role: Role


class LoggedIn(BaseModel):
    token: str
    expires_at: datetime
    user: User


class UnitView(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None = None
    path: list[str] = Field(default_factory=list)


class UnitRef(BaseModel):
    """The unit as older clients sent it; only the code is used (the tree has the rest)."""

    code: str
    name: str = ""
    path: list[str] = Field(default_factory=list)


class RegisterEntry(BaseModel):
    form: dict[str, Any]
    group: str | None = None
    unit_code: str | None = None
    unit: UnitRef | None = None


class EntryRegistered(BaseModel):
    submission_id: str
    file_name: str | None = Field(
        description="The name the work's file must have, when the campaign has a rule"
    )


class Approve(BaseModel):
    note: str | None = None


class Return(BaseModel):
    reason: str = Field(default="", max_length=RETURN_REASON_MAX, description="退回原因, sent to the entrant")


class SubmissionRow(BaseModel):
    submission_id: str
    title: str | None = None
    stage: str
    stage_label_zh: str
    stage_label_en: str
    group: str | None = None
    category: str | None = None
    series: str | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    version: int
    approval: str
    created_at: datetime | None = None


class UploadAllowance(BaseModel):
    allowed: bool
    message_zh: str
    message_en: str
    window: dict[str, str | None] | None = None


class RequiredMaterial(BaseModel):
    key: str
    label: str
    kind: str
    primary: bool
    required: bool
    one_of: bool
    uploaded: bool


class SubmissionView(BaseModel):
    """An entry as its owner and its admins see it; the stored entry's other fields come too."""

    model_config = ConfigDict(extra="allow")
    submission_id: str
    campaign_id: str
    stage: str
    stage_label_zh: str
    stage_label_en: str
    version: int = 0
    form: dict[str, Any]
    versions: list[dict[str, Any]]
    materials: dict[str, Any]
    required_materials: list[RequiredMaterial]
    file_name: dict[str, Any] | None = None
    upload: UploadAllowance
    approval: dict[str, Any]
    approvals: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    transcoding: dict[str, Any] | None = None


class UnfinishedUpload(BaseModel):
    upload_id: str
    upload_url: str
    material: str
    filename: str
    original_filename: str | None = None
    offset: int
    length: int
    expires_at: datetime


class QuotaUse(BaseModel):
    series: str | None = None
    level: str
    limit: int
    kind: Literal["max", "min_per_category"]
    used: int | dict[str, int] = Field(description="Entries sent (max), or approved entries per category")


class UnitCounts(BaseModel):
    unit_code: str
    unit_name: str | None = None
    level: str | None = None
    total: int
    approved: int
    awaiting: int
    by_stage: dict[str, int]
    quota: list[QuotaUse]


class Summary(BaseModel):
    total: int
    by_stage: dict[str, int]
    by_approval: dict[str, int]
    by_group: dict[str, int]
    by_category: dict[str, int]
    by_unit: list[UnitCounts]


class TusCreated(BaseModel):
    upload_id: str
    filename: str
    expires_at: datetime
