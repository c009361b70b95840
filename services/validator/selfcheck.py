"""The header self-check of one file against one campaign: ``zhengji validate`` and the validator service.

A teacher runs it before uploading and the service runs it on every upload,
so both see the same findings. A file that is not media gives a
``file.readable`` finding (the teacher's problem, exit code 1); an ffprobe
that cannot be started is a tool error (the operator's problem, exit code 2).
"""

import re
import string
import unicodedata
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from contracts.campaign import Campaign, Material
from contracts.events import Finding, Severity
from services.validator.probe import Probe, ProbeFailed, ProbeUnavailable, probe
from services.validator.report import verdict
from services.validator.rules import check_audio, check_integrity, check_video

# Everything a teacher may type for the dash of "{title}—{school}{name}": ASCII hyphens, the
# en dash, the full-width hyphen and the IME's double em dash "——".
_DASHES = re.compile(r"[-‐‑–—―－]+")


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
    duration_s: float | None = None
    tool_error: str | None = None  # set when the check itself could not run (e.g. ffprobe missing)


class _Keep(dict[str, str]):
    """Leaves a placeholder the caller did not supply visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def check_name(
    path: Path, naming_rule: str, naming: tuple[str, str, str], labels: dict[str, str]
) -> Finding | None:
    """The file's stem must equal the campaign's naming rule filled in with (title, school, name)."""
    title, school, name = (unicodedata.normalize("NFC", part.strip()) for part in naming)
    try:
        expected = naming_rule.format_map(_Keep(title=title, school=school, name=name))
    except (ValueError, IndexError):
        return None  # a malformed rule is the preset's fault, caught when presets are validated
    stem = unicodedata.normalize("NFC", path.stem.strip())
    if stem == expected:
        return None
    # The rule in the words of the form ("作品名称—学校姓名"), as the notice phrases it.
    fields = {f: labels.get(f, f) for _, f, _, _ in string.Formatter().parse(naming_rule) if f}
    pattern = naming_rule.format_map(_Keep(fields))
    wanted = f"{expected}{path.suffix}"
    dash = _DASHES.search(naming_rule)
    if dash and _DASHES.sub("—", stem) == _DASHES.sub("—", expected):
        zh = f"文件名中的连接符不对：应为“{dash.group()}”，请将文件重命名为“{wanted}”"
        en = f"The dash in the file name is wrong: use '{dash.group()}'; rename the file '{wanted}'"
    else:
        zh = f"文件名为“{path.name}”，应按“{pattern}”命名：请将文件重命名为“{wanted}”"
        en = f"The file is named '{path.name}' but must follow '{pattern}': rename it '{wanted}'"
    return Finding(
        rule_id="file.name",
        severity=Severity.ERROR,
        expected=wanted,
        measured=path.name,
        message_zh=zh,
        message_en=en,
    )


def _unreadable(failure: ProbeFailed) -> Finding:
    return Finding(
        rule_id="file.readable",
        severity=Severity.ERROR,
        expected="可读取的音视频文件",
        measured="无法读取",
        message_zh=failure.reason_zh,
        message_en=failure.reason_en,
    )


def _spec_findings(p: Probe, material: Material | None) -> list[Finding]:
    if material is not None and material.video is not None:
        return check_video(p, material.video)
    if material is not None and material.audio is not None:
        return check_audio(p, material.audio)
    return []  # the notice states no media rules for this work: only readability is checked


async def self_check(
    path: Path,
    campaign: Campaign,
    naming: tuple[str, str, str] | None,
    *,
    material: Material | None = None,
    timeout_s: float = 30,
    ffprobe_bin: str = "ffprobe",
) -> SelfCheckResult:
    """Check ``path`` against the campaign's primary work (or ``material``, e.g. one series' work)."""
    material = material or campaign.primary_material()
    findings: list[Finding] = []
    if naming is not None and campaign.naming_rule:
        labels = {f.key: f.label for f in campaign.form}
        name_finding = check_name(path, campaign.naming_rule, naming, labels)
        findings.extend([name_finding] if name_finding else [])
    base = {"path": str(path), "campaign_id": campaign.id}
    try:
        p = await probe(path, timeout_s=timeout_s, ffprobe_bin=ffprobe_bin)
    except ProbeUnavailable as exc:
        return SelfCheckResult(**base, passed=False, findings=findings, tool_error=str(exc))
    except ProbeFailed as failure:
        findings.insert(0, _unreadable(failure))
        return SelfCheckResult(**base, passed=False, findings=findings)
    findings[:0] = check_integrity(p) + _spec_findings(p, material)
    return SelfCheckResult(
        **base, passed=verdict(findings), findings=findings, probe=ProbeSummary.of(p), duration_s=p.duration_s
    )


def exit_code(result: SelfCheckResult) -> int:
    """0 passed, 1 the file fails the spec, 2 the check could not run."""
    if result.tool_error is not None:
        return 2
    return 0 if result.passed else 1
