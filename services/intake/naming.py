"""File names: what an uploaded name may contain, and the campaign's naming rule (pure).

A composite rule (Yanbian ``{title}—{school}{name}``) is *derived*: intake names the stored file
itself, so nobody mistypes it. A rule that is the bare title (Hunan: 资源标题应与资源文件命名一致)
is *checked*: the entrant already names the file after its title, and a different name is refused
before any byte is sent."""

import unicodedata
from pathlib import PurePosixPath
from typing import Any, Literal

from contracts.campaign import Campaign, Material, WorkKind
from contracts.naming import RESERVED, SEPARATORS, fill, follows
from services.common.errors import ServiceError

MAX_NAME = 200
# Bidirectional overrides make "exe.mp4" look like "4pm.exe": refused with the other controls.
BIDI = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]}
CHECKED_KINDS = {WorkKind.VIDEO, WorkKind.AUDIO, WorkKind.TEXT}

Mode = Literal["derive", "check"]


def filename_problem(name: str) -> ServiceError | None:
    """Why ``name`` cannot be a file name (400), or None."""
    refusals = [
        # "", ".", "..", ".mp4": no name before the extension
        (not name.rsplit(".", 1)[0].strip(". "), "文件名不能为空", "the file name is empty"),
        (
            any(ch in SEPARATORS for ch in name),
            "文件名不能包含路径分隔符（/ 或 \\）",
            "the file name must not contain / or \\",
        ),
        (
            any(unicodedata.category(ch) == "Cc" or ch in BIDI for ch in name),
            "文件名不能包含控制字符",
            "the file name must not contain control characters",
        ),
        (
            any(ch in RESERVED for ch in name),
            '文件名不能包含以下字符：: * ? " < > |',
            'the file name must not contain : * ? " < > |',
        ),
        (
            len(name) > MAX_NAME,
            f"文件名不能超过{MAX_NAME}个字符",
            f"the file name exceeds {MAX_NAME} characters",
        ),
    ]
    refused = next(((zh, en) for broken, zh, en in refusals if broken), None)
    return ServiceError(400, *refused, field="filename") if refused else None


def extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def mode(campaign: Campaign) -> Mode | None:
    rule = (campaign.naming_rule or "").strip()
    if not rule:
        return None
    return "check" if rule == "{title}" else "derive"


def expected_stem(campaign: Campaign, form: dict[str, Any]) -> str | None:
    """The rule filled in from the form (``红色故事—延吉市第一小学教师1``), or None without a rule."""
    return fill(campaign.naming_rule, form) if campaign.naming_rule else None


def stored_name(campaign: Campaign, form: dict[str, Any], material: Material, uploaded: str) -> str:
    """The name the file is kept under: derived where the rule says so, else as uploaded."""
    stem = expected_stem(campaign, form)
    if mode(campaign) != "derive" or not stem:
        return uploaded
    ext = PurePosixPath(uploaded).suffix.lower()
    label = "" if material.primary else f"（{material.label}）"
    return f"{stem}{label}{ext}"[: MAX_NAME + len(ext)]


def name_problem(
    campaign: Campaign, form: dict[str, Any], material: Material, uploaded: str
) -> ServiceError | None:
    """Where the name is checked (Hunan), why ``uploaded`` does not follow the rule (422)."""
    if mode(campaign) != "check" or material.kind not in CHECKED_KINDS:
        return None
    stem = expected_stem(campaign, form) or ""
    if follows(PurePosixPath(uploaded).stem, stem):
        return None
    ext = PurePosixPath(uploaded).suffix
    return ServiceError(
        422,
        f"文件名须与资源标题一致：应为“{stem}{ext}”，收到“{uploaded}”。请将文件重命名后再上传",
        f"the file name must equal the title: expected {stem + ext!r}, got {uploaded!r}",
        field="filename",
        expected=stem + ext,
    )


def describe(campaign: Campaign, form: dict[str, Any]) -> dict[str, Any] | None:
    """What a page shows about the rule before the upload."""
    m, stem = mode(campaign), expected_stem(campaign, form)
    if m is None or stem is None:
        return None
    if m == "derive":
        return {
            "mode": m,
            "expected": stem,
            "message_zh": f"文件将按本活动要求自动命名为“{stem}”，无需自行改名",
            "message_en": f"the file will be named {stem!r} as the campaign requires; no need to rename it",
        }
    return {
        "mode": m,
        "expected": stem,
        "message_zh": f"文件名须与资源标题一致，请将文件命名为“{stem}”（保留扩展名）后上传",
        "message_en": f"name the file {stem!r} (keeping its extension) before uploading",
    }
