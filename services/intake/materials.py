"""The files an entry is made of, and what each may be: kind, formats, size (pure).

A campaign lists its materials once, or per series (Shanxi: the series is chosen in the form)."""

import mimetypes
from typing import Any

from contracts import BlobRef
from contracts.campaign import Campaign, Material, Series, WorkKind
from services.common.errors import ServiceError
from services.intake.naming import extension

# What each kind of work may arrive as: media types (prefix "video/" means any video) and
# extensions. Browsers often send application/octet-stream or nothing: the extension decides then.
KIND_TYPES: dict[WorkKind, tuple[set[str], set[str]]] = {
    WorkKind.VIDEO: (
        {"video/"},
        {"mp4", "mov", "m4v", "avi", "mkv", "flv", "wmv", "mpg", "mpeg", "ts", "mts", "webm", "3gp"},
    ),
    WorkKind.AUDIO: ({"audio/"}, {"mp3", "wav", "m4a", "aac", "flac", "ogg", "wma", "amr"}),
    WorkKind.IMAGES: ({"image/"}, {"jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heic"}),
    WorkKind.TEXT: (
        {
            "text/plain",
            "application/pdf",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        },
        {"txt", "pdf", "doc", "docx"},
    ),
    WorkKind.QUIZ: (
        {
            "text/csv",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
        {"csv", "xls", "xlsx"},
    ),
    WorkKind.COURSEWARE: (
        {
            "application/pdf",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        },
        {"ppt", "pptx", "pdf"},
    ),
    WorkKind.REGISTRATION_FORM: ({"application/pdf", "image/"}, {"pdf", "jpg", "jpeg", "png"}),
}
FORMAT_TYPES = {
    "pdf": "application/pdf",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "png": "image/png",
}
UNTYPED = {"", "application/octet-stream", "binary/octet-stream"}
KIND_NAMES_ZH = {
    WorkKind.VIDEO: "视频",
    WorkKind.AUDIO: "音频",
    WorkKind.IMAGES: "图片",
    WorkKind.TEXT: "文字稿",
    WorkKind.QUIZ: "题目表",
    WorkKind.COURSEWARE: "课件",
    WorkKind.REGISTRATION_FORM: "报名表",
}


def series_of(campaign: Campaign, form: dict[str, Any]) -> Series | None:
    chosen = form.get("series")
    return next((s for s in campaign.series if chosen in (s.name, s.key)), None)


def materials_of(campaign: Campaign, form: dict[str, Any]) -> list[Material]:
    series = series_of(campaign, form)
    return list(series.materials) if series else list(campaign.materials)


def find_material(campaign: Campaign, form: dict[str, Any], key: str | None) -> Material:
    materials = materials_of(campaign, form)
    found = next((m for m in materials if (m.key == key if key else m.primary)), None)
    if found is None:
        names = "、".join(f"{m.key}（{m.label}）" for m in materials) or "（无）"
        raise ServiceError(
            422,
            f"本作品没有材料“{key}”，可上传：{names}",
            f"no material {key!r} for this entry; choose one of {[m.key for m in materials]}",
            field="material",
        )
    return found


def size_limit(material: Material) -> int | None:
    for spec in (material.video, material.audio, material.images, material.document):
        if spec is not None and spec.max_size_bytes is not None:
            return spec.max_size_bytes
    return None


def _allowed(material: Material) -> tuple[set[str], set[str]]:
    types, exts = KIND_TYPES[material.kind]
    formats = material.document.formats if material.document else None
    if material.images and material.images.formats:
        formats = material.images.formats
    if formats:
        exts = {f.lower() for f in formats} | ({"jpg"} if "jpeg" in formats else set())
        types = {FORMAT_TYPES.get(e, "") for e in exts} - {""} or types
    return types, exts


def type_problem(material: Material, filename: str | None, media_type: str) -> ServiceError | None:
    """Why a file of this name and declared type cannot be this material (415), or None.

    Without a name (a plain PUT) only the declared type is checked."""
    types, exts = _allowed(material)
    media_type = media_type.split(";")[0].strip().lower()
    typed_ok = media_type in UNTYPED or any(
        media_type == t or (t.endswith("/") and media_type.startswith(t)) for t in types
    )
    if typed_ok and (filename is None or extension(filename) in exts):
        return None
    wanted = "、".join(sorted(exts))
    kind = KIND_NAMES_ZH[material.kind]
    return ServiceError(
        415,
        f"“{material.label}”须为{kind}文件（{wanted}），收到“{filename or ''}”（{media_type or '未知类型'}）",
        f"{material.key} must be a {material.kind} file ({wanted}); "
        f"got {filename or ''!r} ({media_type or 'no type'})",
        field="filetype",
        accepted=sorted(exts),
    )


def media_type_for(material: Material, filename: str, declared: str) -> str:
    """The media type recorded with the blob: the declared one, else guessed from the extension."""
    declared = declared.split(";")[0].strip().lower()
    if declared not in UNTYPED:
        return declared
    ext = extension(filename)
    if ext in FORMAT_TYPES:
        return FORMAT_TYPES[ext]
    if material.kind == WorkKind.VIDEO and ext in {"mp4", "m4v"}:
        return "video/mp4"
    # The common audio, video and text extensions (.m4a, .mp3, .mov, .txt, .csv): the showcase
    # plays or links a work by its type.
    guessed, _ = mimetypes.guess_type(f"file.{ext}", strict=False) if ext else (None, None)
    return guessed or "application/octet-stream"


def material_refs(submission: dict[str, Any]) -> dict[str, BlobRef]:
    """The entry's other files, for the ``submitted`` event: ``key`` or ``key.N`` for sets."""
    refs: dict[str, BlobRef] = {}
    for key, held in (submission.get("materials") or {}).items():
        files = held.get("files", [])
        for n, item in enumerate(files, start=1):
            refs[key if len(files) == 1 else f"{key}.{n}"] = BlobRef.model_validate(item["blob"])
    return refs
