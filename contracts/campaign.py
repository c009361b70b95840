"""The campaign spec: everything a notice (通知) fixes about a call for submissions.

A preset in ``campaigns/*.yaml`` is one of these. Every media rule is optional:
a rule the notice does not state is not applied (``None`` means "not stated").
"""

import string
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.calendar import DEFAULT_TIME_ZONE, zone_named
from contracts.naming import placeholders


class Spec(BaseModel):
    """A part of a campaign definition.

    Readers tolerate fields they do not know (``extra="allow"``): during a rolling upgrade an
    older service receives definitions a newer intake wrote, and must not dead-letter them.
    Authors do not get that tolerance: intake refuses a definition with a field no model
    declares (``unknown_fields``, a typo caught where it is typed), and the published JSON
    schema says ``additionalProperties: false`` for the same reason."""

    model_config = ConfigDict(extra="allow", frozen=True, json_schema_extra={"additionalProperties": False})


def unpublishable_fields(campaign: "Campaign") -> list[str]:
    """Where a target asks for a field that is neither public metadata nor a public form field: the
    payload never sends it (Hunan's platform lost 制作方, 版权方, 格式 and 备注 so, without a word).
    Authors are refused it, like ``unknown_fields``; a stored definition still loads."""
    public = campaign.publishable_fields()
    return [
        f"publication_targets[{i}].fields: “{k}”不是公开字段（个人信息不对外发送） / not a public field"
        for i, t in enumerate(campaign.publication_targets)
        for k in t.fields
        if k not in public
    ]


def notification_problems(campaign: "Campaign") -> list[str]:
    """Message kinds the notifier does not have and templates it could not fill safely.

    Checked for authors, like ``unknown_fields``, and not by the models: a newer release may
    add a kind or a placeholder, and an older reader must still load the campaign (the notifier
    sends its default wording for a template it cannot use)."""
    rules, found = campaign.notifications, []
    for where in ("sms_templates", "wechat_templates", "templates"):
        if unknown := sorted(set(getattr(rules, where)) - set(NOTIFICATION_KINDS)):
            known = list(NOTIFICATION_KINDS)
            found.append(f"notifications.{where}: 未知消息类型 {unknown}，可选 {known} / unknown kinds")
    for kind, template in rules.templates.items():
        found += [f"notifications.templates.{kind}: {problem}" for problem in template.problems()]
    return found


def unknown_fields(value: object, path: str = "") -> list[str]:
    """Where a validated definition carries fields no model declares, as dotted paths."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        found += [f"{path}{key}" for key in value.model_extra or {}]
        for name in type(value).model_fields:
            found += unknown_fields(getattr(value, name), f"{path}{name}.")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += unknown_fields(item, f"{path.rstrip('.')}[{i}].")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += unknown_fields(item, f"{path}{key}.")
    return found


class WorkKind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    IMAGES = "images"
    TEXT = "text"
    QUIZ = "quiz"
    COURSEWARE = "courseware"
    REGISTRATION_FORM = "registration_form"


# The kinds a work itself can be (a quiz set is always its series' primary work).
WORK_KINDS = frozenset({WorkKind.VIDEO, WorkKind.AUDIO, WorkKind.IMAGES, WorkKind.TEXT})


class Window(Spec):
    """An inclusive date range in the campaign's own calendar (``Campaign.time_zone``)."""

    starts: date
    ends: date | None = Field(default=None, description="None: open-ended (a showcase from a date on)")

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.ends is not None and self.ends < self.starts:
            raise ValueError(f"窗口结束日期 {self.ends} 早于开始日期 {self.starts}")
        return self


class DurationRange(Spec):
    min_s: float | None = None
    max_s: float | None = None


class ScreenTextSpec(Spec):
    """What the picture may and must say, read by OCR (docs/decisions/0022-on-screen-text.md).

    Off unless a notice asks: Yanbian's and Liaoning's slate (片头) must show named form fields,
    Hunan forbids contact details (联系方式) on screen. Findings are guesses with a confidence."""

    slate_fields: list[str] = Field(
        default_factory=list,
        description="Form field keys the opening slate must show, e.g. [title, name, school]",
    )
    slate_window_s: float = Field(
        default=15, gt=0, le=60, description="How far into the video the slate is sought"
    )
    slate_severity: Literal["warning", "error"] = "warning"
    no_contact_details: bool = Field(
        default=False, description="No phone number, URL, e-mail, WeChat or QQ id written on screen"
    )
    contact_severity: Literal["warning", "error"] = "warning"
    allow: list[str] = Field(
        default_factory=list, description="Text that may appear (the platform's logo, the organiser's name)"
    )
    frames_per_minute: int = Field(
        default=6, ge=1, le=120, description="Cap on frames read outside the slate, per minute of video"
    )

    @staticmethod
    def values_for(campaign: "Campaign", form: dict[str, Any]) -> dict[str, str]:
        """The form values any slate of the campaign must show, for the validator's OCR match. Personal
        ones too (Yanbian's 姓名): the notice has them shown in the video itself."""
        materials = [*campaign.materials, *(m for s in campaign.series for m in s.materials)]
        rules = [m.video.screen_text for m in materials if m.video is not None and m.video.screen_text]
        return {k: str(form[k]) for r in rules for k in r.slate_fields if form.get(k) not in (None, "")}


class VideoSpec(Spec):
    containers: list[str] | None = Field(
        default=None, description="e.g. [mp4]; MP4 means MP4, not MOV renamed"
    )
    video_codecs: list[str] | None = Field(default=None, description="ffprobe codec names, e.g. [h264]")
    profiles: list[str] | None = None
    width: int | None = None
    height: int | None = None
    aspect_ratio: str | None = Field(default=None, pattern=r"^\d+:\d+$")
    orientation: Literal["landscape", "portrait"] | None = None
    frame_rate: float | None = None
    constant_frame_rate: bool | None = None
    bit_rate_kbps: int | None = None
    bit_rate_tolerance: float = Field(default=0.25, ge=0, le=1, description="Allowed relative deviation")
    duration: DurationRange | None = Field(default=None, description="Hard limits: errors")
    preferred_duration: DurationRange | None = Field(default=None, description="Soft range: warnings")
    max_size_bytes: int | None = None
    audio_required: bool | None = None
    audio_codecs: list[str] | None = None
    audio_sample_rates: list[int] | None = None
    audio_channels: list[int] | None = None
    pixel_formats: list[str] | None = None
    progressive: bool | None = None
    faststart: bool | None = None
    intro_slate_max_s: float | None = None
    av_sync: bool | None = Field(default=None, description="Audio and video of equal length, in sync")
    no_dropped_frames: bool | None = None
    no_flashes: bool | None = None
    no_qr_codes: bool | None = None
    loudness_lufs: float | None = Field(default=None, description="Target integrated loudness")
    loudness_tolerance_lu: float = 2.0
    true_peak_max_dbtp: float | None = Field(default=None, description="Highest true peak, e.g. -1 dBTP")
    heuristic_severity: Literal["warning", "error"] = Field(
        default="warning", description="Severity of heuristic findings (flashes, intro slate, silent track)"
    )
    screen_text: ScreenTextSpec | None = Field(default=None, description="On-screen text (OCR) rules")


class AudioSpec(Spec):
    containers: list[str] | None = None
    audio_codecs: list[str] | None = None
    duration: DurationRange | None = None
    max_size_bytes: int | None = None
    loudness_lufs: float | None = None
    loudness_tolerance_lu: float = 2.0
    true_peak_max_dbtp: float | None = None


# The specs and Material are declarations of optional fields (None: the notice does not say), so
# runs of ``x: T | None = None`` look alike by shape: data, not repeated logic.
class ImageSpec(Spec):
    formats: list[str] | None = Field(default=None, description="e.g. [jpeg, png]")
    min_count: int | None = None
    max_count: int | None = None
    min_width: int | None = None
    min_height: int | None = None
    max_size_bytes: int | None = None


class TextSpec(Spec):
    max_chars: int | None = None
    min_chars: int | None = None


class DocumentSpec(Spec):
    formats: list[str] | None = Field(default=None, description="e.g. [pdf, ppt, pptx, jpeg, png]")
    max_pages: int | None = None
    max_size_bytes: int | None = None
    stamped: bool | None = Field(default=None, description="Must carry the unit's seal (盖章)")


class QuizSpec(Spec):
    fields: list[str] = Field(description="Column names, e.g. 题目, 题干, 选项, 标准答案, 出题单位, 推荐单位")
    min_questions: int | None = None
    max_questions: int | None = None


class Material(Spec):
    """One file (or set) an entry must or may include."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: WorkKind
    required: bool = True
    primary: bool = Field(default=False, description="The work itself; validated and transcoded")
    video: VideoSpec | None = None
    audio: AudioSpec | None = None
    images: ImageSpec | None = None
    text: TextSpec | None = None
    document: DocumentSpec | None = None
    quiz: QuizSpec | None = None


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    PHONE = "phone"
    CHOICE = "choice"
    EMAIL = "email"
    NUMBER = "number"
    ID_NUMBER = "id_number"


class FormField(Spec):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    choices: list[str] | None = None
    max_length: int | None = None
    personal: bool = Field(default=False, description="Personal data: never leaves intake")


class Category(Spec):
    name: str
    subcolumns: list[str] = Field(default_factory=list)


class Series(Spec):
    """A collection series with its own kind of work and limits (Shanxi has ten)."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    materials: list[Material]
    quotas: dict[str, int] = Field(
        default_factory=dict, description="Level key -> entries each unit may send"
    )
    notes: str | None = None
    # Issue 14 (notices): what a series' own text states beyond its materials.
    required_fields: list[str] = Field(
        default_factory=list,
        description="Form keys this series requires though the form leaves them optional "
        "(Shanxi 八: 工作单位、公开发布的时间和发布媒体)",
    )
    quota_unit: Literal["entries", "questions"] = Field(
        default="entries", description="What quotas count: entries, or quiz questions (强国问答 1000题)"
    )
    tiers: dict[str, list["AwardTier"]] = Field(
        default_factory=dict,
        description="Level key -> this series' own award tiers there, in place of the level's",
    )


class AwardTier(Spec):
    key: str
    name: str
    ratio: int | None = Field(default=None, ge=0, description="Share in a ratio scheme, e.g. 3 of 3:3:4")
    count: int | None = Field(default=None, ge=0, description="Fixed number of awards")
    min_score: float | None = Field(
        default=None,
        ge=0,
        description="Awarded to every entry of the pool scoring at least this. A tier with no ratio, "
        "count or min_score is chosen by the panel chair (e.g. Ganzhou 优秀等次)",
    )


PoolKey = Literal["unit", "group", "category", "subcolumn", "series"]


def _unit_and_group() -> list[PoolKey]:
    return ["unit", "group"]


class Outcome(Spec):
    """What finalising a level decides, as the notice states it."""

    recommend_top: int | None = Field(default=None, description="Top N of each pool go up a level")
    recommend_total: int | None = Field(
        default=None, description="Top N overall go up, e.g. 60 to the province"
    )
    min_per_group: int | None = Field(default=None, description="At least this many per section or group")
    unit_quotas: dict[str, int] = Field(
        default_factory=dict, description="Unit name or code -> how many go up"
    )
    tiers: list[AwardTier] = Field(default_factory=list)
    award_cap: float | None = Field(
        default=None, gt=0, le=1, description="At most this share of entries awarded"
    )
    pool_by: list[PoolKey] = Field(default_factory=_unit_and_group)
    quota_kind: Literal["maximum", "minimum"] = Field(
        default="maximum",
        description="recommend_top / unit_quotas are ceilings (the top N go up) or floors (at least N "
        "go up; the chair may add more), e.g. Hunan 每类资源不少于",
    )
    unit_codes: dict[str, str] = Field(
        default_factory=dict,
        description="Unit name -> unit code, for a quota table keyed by names: a quota applies to every "
        "pool of the unit at this level (unit x the other pool_by keys)",
    )
    quota_from_series: bool = Field(
        default=False, description="Top N per pool from the entry's series' quotas[level key] (Shanxi)"
    )


class ReviewLevel(Spec):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    unit_level: Literal["school", "county", "city", "province", "national"]
    window: Window | None = None
    reviewers_per_entry: int = Field(default=3, ge=1)
    outcome: Outcome
    public_notice_days: int | None = Field(
        default=None, ge=0, description="公示: days of public notice with appeals before the final freeze"
    )


class Criterion(Spec):
    key: str
    name: str
    weight: float = Field(gt=0)
    max_score: float = 100
    min_score: float = 0


class ReviewSettings(Spec):
    """How a campaign's review is run (not stated by notices: the organisers' choices)."""

    aggregation: Literal["mean", "trimmed_mean", "standardised"] = "mean"
    exclude_same_county: bool = Field(
        default=False, description="Above county level, reviewers never see entries of their own county"
    )
    outlier_points: float | None = Field(
        default=15, gt=0, description="Flag a score this far from the entry's median"
    )
    outlier_mads: float | None = Field(default=None, gt=0, description="... or this many MADs from it")
    pay_per_minute_yuan: float | None = Field(
        default=None, ge=0, description="Remuneration per minute of awarded courseware (Ganzhou 100)"
    )


# What a publication target may receive; nothing personal is among them. The work's own metadata
# (the standard body's ``metadata``, chosen by ``fields``) ...
PUBLIC_METADATA = (
    "title",
    "summary",
    "group",
    "category",
    "subcolumn",
    "unit_name",
    "author",
    "award_tier",
    "level",
)
# ... and with the identifiers and links, everything a ``field_map`` may name.
PUBLIC_FIELDS = (
    *PUBLIC_METADATA,
    "submission_id",
    "campaign_id",
    "campaign_title",
    "media_url",
    "poster_url",
    "media_sha256",
)


class PublicationTarget(Spec):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    adapter: Literal["http", "webhook"] = "http"
    url: str | None = Field(
        default=None, description="Set when the campaign is created; presets leave it empty"
    )
    qualifies: list[str] = Field(
        default_factory=lambda: ["awarded"], description="Outcomes that qualify: awarded, recommended"
    )
    level: str | None = Field(
        default=None, description="Review level whose outcome qualifies; None = the last"
    )
    publish_at: date | None = None
    fields: list[str] = Field(
        default_factory=lambda: ["title", "unit_name", "group", "category", "award_tier"]
    )
    rendition: str = Field(
        default="master", description="The rendition the platform receives, by URL or upload"
    )
    media: Literal["url", "multipart"] = Field(
        default="url", description="url: links in the JSON; multipart: the rendition's bytes uploaded"
    )
    field_map: dict[str, str] = Field(
        default_factory=dict,
        description="zhengji field -> the platform's field (dotted for nesting); empty: the standard body",
    )
    auth: Literal["bearer", "hmac"] | None = None
    secret_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Name of the environment variable holding the token or HMAC secret (never the secret)",
    )
    poll_url_field: str | None = Field(
        default=None, description="Asynchronous platforms: the answer's field with the status URL to poll"
    )
    remote_id_field: str = Field(default="id", description="The answer's field with the platform's id")
    timeout_s: float = Field(default=30.0, gt=0, description="Per request")
    max_attempts: int = Field(default=8, ge=1, description="Tries before the delivery is parked")

    @model_validator(mode="after")
    def _reachable(self) -> "PublicationTarget":
        unknown = set(self.field_map) - set(PUBLIC_FIELDS)
        if unknown:
            raise ValueError(
                f"字段映射含未知字段 {sorted(unknown)}，可用：{list(PUBLIC_FIELDS)}"
                " / unknown fields in field_map"
            )
        if (self.auth is not None or self.adapter == "webhook") and not self.secret_env:
            raise ValueError(
                "签名或鉴权须指定存放密钥的环境变量 secret_env / auth and webhook targets need secret_env"
            )
        return self


class UnitExtension(Spec):
    """A later upload deadline for one unit's subtree (a county whose network failed): entries of
    that unit and every unit under it may upload until ``ends``, in the campaign's calendar."""

    unit: str = Field(min_length=1, description="Unit code, e.g. 222402: the unit and its subtree")
    ends: date
    reason: str | None = None


class LiveChanges(Spec):
    """What changes a campaign while it runs (issue 14, decision 0027): its version and the unit
    extensions of its upload window. Kept in one class so presets need none of it."""

    revision: int = Field(default=1, ge=1, description="Version of the definition: each live change adds one")
    unit_extensions: list[UnitExtension] = Field(default_factory=list)


NOTIFICATION_KINDS = (
    "received",
    "check_failed",
    "processing_failed",
    "awaiting_approval",
    "returned",
    "in_review",
    "result",
    "certificate_ready",
    "published",
    "publish_failed",
    "approval_due",
    "review_assigned",
    "review_due",
    "round_scored",
    "appeal_filed",
    "dead_letters",
)
NOTIFICATION_PLACEHOLDERS = ("campaign", "title", "version", "detail", "link", "unit")


def placeholder_problem(text: str) -> str | None:
    """Why ``text`` is not a safe message template (anything but a plain known placeholder)."""
    try:
        fields = [
            (name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        return f"模板格式错误 / malformed template: {exc}"
    for name, spec, conv in fields:
        if name not in NOTIFICATION_PLACEHOLDERS or spec or conv:
            known = "、".join(f"{{{p}}}" for p in NOTIFICATION_PLACEHOLDERS)
            return f"模板只能使用 {known} / unknown placeholder {{{name}}}"
    return None


class MessageTemplate(Spec):
    """A campaign's wording of one kind of message, with the default's placeholders only."""

    subject_zh: str | None = None
    body_zh: str
    subject_en: str | None = None
    body_en: str | None = None

    def problems(self) -> list[str]:
        """Why a text is unsafe to fill (anything but a plain known placeholder)."""
        texts = (self.subject_zh, self.body_zh, self.subject_en, self.body_en)
        return [problem for text in texts if text and (problem := placeholder_problem(text))]


class Notifications(Spec):
    """How the notifier reaches people for this campaign (docs/decisions/0026-notifications.md).

    Provider credentials are operator settings, never campaign data; the campaign names only
    its SMS signature, the providers' approved template ids and its own wording."""

    enabled: bool = True
    sms_provider: Literal["aliyun", "tencent"] | None = None
    sms_sign_name: str | None = Field(default=None, description="签名, e.g. 延边州电教馆")
    sms_app_id: str | None = Field(default=None, description="Tencent Cloud SMS SmsSdkAppId")
    sms_templates: dict[str, str] = Field(
        default_factory=dict, description="Message kind -> the provider's approved template id"
    )
    wechat_templates: dict[str, str] = Field(
        default_factory=dict, description="Message kind -> the official account's template id"
    )
    templates: dict[str, MessageTemplate] = Field(
        default_factory=dict, description="Message kind -> this campaign's wording (defaults otherwise)"
    )
    quiet_from_hour: int | None = Field(default=22, ge=0, le=23, description="No SMS/WeChat/e-mail from")
    quiet_until_hour: int | None = Field(default=7, ge=0, le=23, description="... until, in time_zone")
    max_per_hour: int = Field(default=6, ge=1, description="Messages per person per channel per hour")
    approval_reminder_days: int | None = Field(
        default=2,
        ge=0,
        le=30,
        description="Remind unit admins of entries awaiting their approval from this many days before "
        "the upload deadline (0: on the day); None: never",
    )
    review_reminder_days: int | None = Field(
        default=1,
        ge=0,
        le=30,
        description="Remind reviewers with entries in a round this many days before its scoring window "
        "closes (0: on the last day); None: never",
    )


class Campaign(Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    issuer: str
    notice_ref: str | None = Field(default=None, description="Document number, e.g. 延州电教馆函〔2024〕5号")
    participants: str | None = None
    groups: list[str] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    series: list[Series] = Field(default_factory=list)
    form: list[FormField]
    materials: list[Material] = Field(default_factory=list)
    per_person_limit: int | None = None
    naming_rule: str | None = Field(default=None, description="e.g. '{title}—{school}{name}' or '{title}'")
    time_zone: str = Field(
        default=DEFAULT_TIME_ZONE,
        description="IANA zone of the notice's dates (windows, publish_at, showcase_from); see calendar.py",
    )
    upload_window: Window | None = None
    showcase_from: date | None = None
    review_levels: list[ReviewLevel] = Field(default_factory=list)
    rubric: list[Criterion] = Field(default_factory=list)
    organising_awards: bool = False
    organising_unit_level: Literal["school", "county", "city"] | None = Field(
        default=None,
        description="The unit level the notice ranks as 优秀组织单位 (Yanbian: the county 电教馆 that "
        "organise it); None: the submitting units",
    )
    review_settings: ReviewSettings = Field(default_factory=ReviewSettings)
    publication_targets: list[PublicationTarget] = Field(default_factory=list)
    authors_public: bool = Field(
        default=True, description="False where entrants are minors: names stay private"
    )
    notes: list[str] = Field(default_factory=list)
    live: LiveChanges = Field(default_factory=LiveChanges)
    notifications: Notifications = Field(default_factory=Notifications)

    @field_validator("time_zone")
    @classmethod
    def _real_zone(cls, name: str) -> str:
        zone_named(name)
        return name

    @field_validator("naming_rule")
    @classmethod
    def _rule_of_fields(cls, rule: str | None) -> str | None:
        if rule is not None:
            placeholders(rule)
        return rule

    @model_validator(mode="after")
    def _one_primary_work(self) -> "Campaign":
        keys = [m.key for m in self.materials]
        if len(keys) != len(set(keys)):
            raise ValueError("材料 key 重复 / duplicate material keys")
        if self.materials and sum(m.primary for m in self.materials) != 1:
            raise ValueError("须恰有一项主作品材料 (primary) / exactly one material must be primary")
        return self

    @model_validator(mode="after")
    def _targets_reachable(self) -> "Campaign":
        """A target must name a level that exists and an outcome that level can give: otherwise
        nothing would ever be published there, and nobody would be told why."""
        levels = {lv.key: lv for lv in self.review_levels}
        for i, t in enumerate(self.publication_targets):
            where = f"publication_targets[{i}]（{t.name}）"
            if not self.review_levels:
                raise ValueError(f"{where}：活动没有评审级别，作品无法入选 / no review levels to qualify")
            level = levels.get(t.level) if t.level else self.review_levels[-1]
            if level is None:
                raise ValueError(
                    f"{where}：没有评审级别“{t.level}”，可选：{'、'.join(levels)}"
                    f" / no review level {t.level!r}"
                )
            gives = _outcomes_of(level.outcome, last=level is self.review_levels[-1])
            missing = [q for q in t.qualifies if q not in gives]
            if missing:
                said = {"awarded": "评奖", "recommended": "推荐"}
                raise ValueError(
                    f"{where}：{level.name}不{'、'.join(said.get(q, q) for q in missing)}，"
                    f"按 qualifies 永远不会有作品入选 / level {level.key!r} never gives {missing}"
                )
        return self

    @model_validator(mode="after")
    def _series_rules_known(self) -> "Campaign":
        """A series' required field or per-level tiers must name a form field and a level that exist:
        otherwise the rule would never apply, and nobody would be told."""
        fields, levels = {f.key for f in self.form}, {lv.key: lv for lv in self.review_levels}
        for s in self.series:
            if unknown := sorted(set(s.required_fields) - fields):
                raise ValueError(f"征集系列“{s.name}”要求的字段不在报名表中：{unknown} / unknown fields")
            if unknown := sorted(set(s.tiers) - set(levels)):
                raise ValueError(f"征集系列“{s.name}”的奖项指向不存在的评审级别：{unknown} / unknown levels")
            if unpooled := sorted(k for k in s.tiers if "series" not in levels[k].outcome.pool_by):
                raise ValueError(
                    f"征集系列“{s.name}”在{unpooled}有自己的奖项，但该级未按系列分组（pool_by 须含 series）"
                    " / series tiers need a level that pools by series"
                )
        return self

    def publishable_fields(self) -> set[str]:
        """What a target's ``fields`` may name: zhengji's public metadata and the public form fields."""
        return set(PUBLIC_METADATA) | {f.key for f in self.form if not f.personal}

    def series_named(self, series: str | None) -> Series | None:
        """The series an entry names, by key or name."""
        return next((s for s in self.series if series in (s.key, s.name)), None)

    def primary_material(self) -> Material | None:
        return next((m for m in self.materials if m.primary), None)

    def materials_of(self, series: str | None = None) -> list[Material]:
        """The materials an entry sends: its series' (by key or name), else the campaign's."""
        chosen = self.series_named(series)
        return list(chosen.materials if chosen else self.materials)

    def work_material(self, series: str | None = None, work: str | None = None) -> Material | None:
        """The entry's work: the material ``work`` names (an alternative, see ``alternatives``), else
        its series' primary material (Shanxi: a quiz set, a report, a video), else the campaign's.
        None when the campaign has series and the entry names none."""
        materials = self.materials_of(series)
        named = next((m for m in materials if work is not None and m.key == work), None)
        return named or next((m for m in materials if m.primary), None)

    def alternatives(self, series: str | None = None) -> list[Material]:
        """Materials that can stand as the work when the primary is optional: "至少提交其一"
        (Shanxi's 百灵: a video or an audio work; 脱贫攻坚: text and photos, or audio or video)."""
        materials = self.materials_of(series)
        primary = next((m for m in materials if m.primary), None)
        if primary is None or primary.required:
            return []
        # A required material (百灵's 内容简介) goes with the work; it is not one.
        return [m for m in materials if not m.primary and not m.required and m.kind in WORK_KINDS]

    def video_spec(self, series: str | None = None) -> VideoSpec | None:
        work = self.work_material(series)
        return work.video if work else None


def _outcomes_of(outcome: Outcome, last: bool) -> set[str]:
    """The outcomes a level can give: every level but the last sends entries up; the last
    recommends only by a rule of its own (Hunan's 60 to the province), or by the chair's choice
    when it has no tiers either; a level with tiers awards."""
    rule = (
        outcome.recommend_top or outcome.recommend_total or outcome.unit_quotas or outcome.quota_from_series
    )
    gives = {"not_recommended"}
    if not last or rule or not outcome.tiers:
        gives.add("recommended")
    if outcome.tiers:
        gives.add("awarded")
    return gives
