"""The self-check of one file against one campaign: ``zhengji validate`` and the validator service.

A teacher runs it before uploading and the service runs it on every upload,
so both see the same findings. Two stages:

1. Headers (``check_headers``): ffprobe and the header rules, or, for works
   that are not audio or video (quiz sets, courseware, forms), the checks of
   their kind, in a child process with hard limits (``bounded_check``).
   Cheap; the service runs it in its Kafka handler.
2. Quality (``check_quality_stage``): one decode pass, only for a media file
   that passed stage 1 without an error, and only when the notice states a
   rule that needs it. A file that already fails is not decoded: the teacher
   must export it again anyway, and a broken or absurd file costs nothing
   more. The service runs this stage as a job (``app.py``).

``finish`` combines them the same way in both places. A file that is not
media gives a ``file.readable`` finding (the teacher's problem, exit code 1);
an ffprobe or ffmpeg that cannot be started is a tool error (the operator's
problem, exit code 2).
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from contracts.campaign import AudioSpec, Campaign, Material, VideoSpec, WorkKind
from contracts.events import Finding, Severity
from services.media.header_rules import header_findings, media_spec, unreadable
from services.media.probe import Probe, ProbeFailed, ProbeUnavailable, probe
from services.validator.material_choice import NoSuchMaterial, choose_material
from services.validator.naming import check_name
from services.validator.qc_graph import CHEAP, DecodeSettings
from services.validator.quality import (
    QualityResult,
    QualitySummary,
    QualityUnavailable,
    check_quality,
    plan_for,
)
from services.validator.report import verdict
from services.validator.screen_text_rules import ShownField, shown_fields

__all__ = [
    "NoSuchMaterial",
    "ProbeSummary",
    "SelfCheckResult",
    "check_name",
    "choose_material",
    "exit_code",
    "self_check",
]

_MEDIA = (WorkKind.VIDEO, WorkKind.AUDIO)


class ProbeSummary(BaseModel):
    """What the file is, for the CLI's --json output and the validation report."""

    model_config = ConfigDict(frozen=True)

    container: str
    size: int
    duration_s: float | None = None
    bit_rate: int | None = None
    video_codec: str | None = None
    width: int | None = None  # as displayed, after rotation
    height: int | None = None
    frame_rate: float | None = None
    pix_fmt: str | None = None
    rotation: int = 0
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    faststart: bool | None = None

    @classmethod
    def of(cls, p: Probe) -> "ProbeSummary":
        v, a = p.video, p.audio
        size = v.display_size if v else None
        return cls(
            container=p.container,
            size=p.size,
            duration_s=p.duration_s,
            bit_rate=p.bit_rate,
            video_codec=v.codec_name if v else None,
            width=size[0] if size else None,
            height=size[1] if size else None,
            frame_rate=v.frame_rate if v else None,
            pix_fmt=v.pix_fmt if v else None,
            rotation=v.rotation if v else 0,
            audio_codec=a.codec_name if a else None,
            sample_rate=a.sample_rate if a else None,
            channels=a.channels if a else None,
            faststart=p.faststart,
        )


class SelfCheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    campaign_id: str
    passed: bool
    findings: list[Finding]
    probe: ProbeSummary | None = None
    quality: QualitySummary | None = None
    duration_s: float | None = None
    tool_error: str | None = None  # set when the check itself could not run (e.g. ffprobe missing)


class HeaderStage(BaseModel):
    """Stage 1's outcome; the service stores it in the quality job, so the job needs no second probe."""

    model_config = ConfigDict(frozen=True)

    path: str
    campaign_id: str
    findings: list[Finding]  # header (or kind) findings, the naming finding last
    probe: Probe | None = None
    # Two fields, not one union: an AudioSpec's JSON would also validate as a VideoSpec.
    video_spec: VideoSpec | None = None
    audio_spec: AudioSpec | None = None
    tool_error: str | None = None
    shown: list[ShownField] = []  # form values the slate must show (on-screen text pass)

    @property
    def spec(self) -> VideoSpec | AudioSpec | None:
        return self.video_spec if self.video_spec is not None else self.audio_spec

    @property
    def wants_quality(self) -> bool:
        """Readable media, no error so far (a naming error alone does not count), and a spec that
        states a rule only the decode pass can answer."""
        errors = [f for f in self.findings if f.severity is Severity.ERROR and f.rule_id != "file.name"]
        if self.probe is None or self.spec is None or errors or self.tool_error is not None:
            return False
        return plan_for(self.probe, self.spec) is not None


async def check_headers(
    path: Path,
    campaign: Campaign,
    naming: tuple[str, str, str] | None,
    *,
    material: Material | None = None,
    timeout_s: float = 30,
    ffprobe_bin: str = "ffprobe",
) -> HeaderStage:
    """Stage 1 for ``path`` as the campaign's primary work (or ``material``, e.g. a series' work)."""
    material = material or campaign.primary_material()
    named: list[Finding] = []
    if naming is not None and campaign.naming_rule:
        labels = {f.key: f.label for f in campaign.form}
        name_finding = check_name(path, campaign.naming_rule, naming, labels)
        named = [name_finding] if name_finding else []
    base = {"path": str(path), "campaign_id": campaign.id}
    if material is not None and material.kind not in _MEDIA:
        # Documents, quiz sets, images, text: parsed in Python, in a child with hard limits.
        # Imported here: a media check (the common case, and ``zhengji validate``) never needs it.
        from services.validator.bounded_check import CheckUnavailable, check_material_bounded

        try:
            found = await check_material_bounded([path], material, timeout_s)
        except CheckUnavailable as exc:
            return HeaderStage(**base, findings=named, tool_error=str(exc))
        return HeaderStage(**base, findings=[*found, *named])
    spec = media_spec(material)
    try:
        p = await probe(path, timeout_s=timeout_s, ffprobe_bin=ffprobe_bin)
    except ProbeUnavailable as exc:
        return HeaderStage(**base, findings=named, tool_error=str(exc))
    except ProbeFailed as failure:
        return HeaderStage(**base, findings=[unreadable(failure), *named])
    return HeaderStage(
        **base,
        findings=[*header_findings(p, spec), *named],
        probe=p,
        video_spec=spec if isinstance(spec, VideoSpec) else None,
        audio_spec=spec if isinstance(spec, AudioSpec) else None,
    )


async def check_quality_stage(
    stage: HeaderStage,
    *,
    base_timeout_s: float = 60,
    timeout_s: float | None = None,
    settings: DecodeSettings = CHEAP,
    ffmpeg_bin: str = "ffmpeg",
    ffprobe_bin: str = "ffprobe",
) -> QualityResult | str | None:
    """Stage 2: the quality findings, None when nothing is asked, or a tool error (a string)."""
    if not stage.wants_quality or stage.probe is None or stage.spec is None:
        return None
    try:
        return await check_quality(
            Path(stage.path),
            stage.probe,
            stage.spec,
            base_timeout_s=base_timeout_s,
            timeout_s=timeout_s,
            settings=settings,
            ffmpeg_bin=ffmpeg_bin,
            ffprobe_bin=ffprobe_bin,
            shown=stage.shown,
        )
    except QualityUnavailable as exc:
        return str(exc)


def finish(stage: HeaderStage, quality: QualityResult | str | None) -> SelfCheckResult:
    """The result both the CLI and the service report: header findings, then quality, then the name."""
    tool_error = quality if isinstance(quality, str) else stage.tool_error
    result = quality if isinstance(quality, QualityResult) else None
    header = [f for f in stage.findings if f.rule_id != "file.name"]
    named = [f for f in stage.findings if f.rule_id == "file.name"]
    measured = result is not None and result.summary.variable_frame_rate is not None
    if measured:
        # The packet timestamps measured what the headers could only hint at: the measurement decides.
        header = [f for f in header if f.rule_id != "video.constant_frame_rate"]
    findings = [*header, *(result.findings if result else []), *named]
    p = stage.probe
    return SelfCheckResult(
        path=stage.path,
        campaign_id=stage.campaign_id,
        passed=tool_error is None and verdict(findings),
        findings=findings,
        probe=ProbeSummary.of(p) if p is not None else None,
        quality=result.summary if result else None,
        duration_s=p.duration_s if p is not None else None,
        tool_error=tool_error,
    )


# Takes check_headers' parameters (it runs that stage first) and ffmpeg's: a signature, not logic.
async def self_check(
    path: Path,
    campaign: Campaign,
    naming: tuple[str, str, str] | None,
    *,
    material: Material | None = None,
    timeout_s: float = 30,
    ffprobe_bin: str = "ffprobe",
    ffmpeg_bin: str = "ffmpeg",
    quality: bool = True,
    quality_timeout_s: float | None = None,
    settings: DecodeSettings = CHEAP,
    on_screen: dict[str, str] | None = None,
) -> SelfCheckResult:
    """Both stages, as the service runs them; ``quality=False`` stops after the headers."""
    stage = await check_headers(
        path, campaign, naming, material=material, timeout_s=timeout_s, ffprobe_bin=ffprobe_bin
    )
    stage = stage.model_copy(update={"shown": shown_fields(campaign, stage.video_spec, on_screen or {})})
    outcome = (
        await check_quality_stage(
            stage,
            base_timeout_s=timeout_s,
            timeout_s=quality_timeout_s,
            settings=settings,
            ffmpeg_bin=ffmpeg_bin,
            ffprobe_bin=ffprobe_bin,
        )
        if quality
        else None
    )
    return finish(stage, outcome)


def exit_code(result: SelfCheckResult) -> int:
    """0 passed, 1 the file fails the spec, 2 the check could not run."""
    if result.tool_error is not None:
        return 2
    return 0 if result.passed else 1
