"""Checks for works that are not audio or video: which check a material's kind gets. Pure (file reads only).

Each check reads the file by its bytes, never its name (a renamed file is
what it is), returns findings worded for a teacher, and never raises on a
bad file: a file it cannot make sense of is a finding too.
- courseware and the registration form: ``documents`` (real format, readable, pages)
- image sets: ``images`` (count, format, pixel size, file size)
- text: ``text`` (character limits)
- quiz sets: ``quiz`` (the Shanxi columns, one correct answer, no duplicates)
The stamp on a registration form is not checked: finding a seal in a scan
needs image analysis this tool does not do; reviewers look at it.
"""

from pathlib import Path

from contracts.campaign import DocumentSpec, Material, WorkKind
from contracts.events import Finding, Severity
from services.validator.documents import inspect_document
from services.validator.images import check_images
from services.validator.kind_finding import Subject
from services.validator.quiz import check_quiz
from services.validator.text import check_text

_ALIASES = {"jpg": "jpeg", "tif": "tiff", "htm": "html"}
_NAMES = {"jpeg": "JPG", "ole": "Office（旧格式）", "zip": "ZIP"}
_PREFIX = {
    WorkKind.COURSEWARE: "document",
    WorkKind.REGISTRATION_FORM: "document",
    WorkKind.IMAGES: "images",
    WorkKind.TEXT: "text",
    WorkKind.QUIZ: "quiz",
}


def _name(fmt: str) -> str:
    return _NAMES.get(fmt, fmt.upper())


def check_document(path: Path, spec: DocumentSpec | None, who: Subject) -> list[Finding]:
    """Courseware or a form: the format the notice allows, readable, within its page and size limits."""
    spec = spec or DocumentSpec()
    size = path.stat().st_size
    if size == 0:
        return [who.empty()]
    info = inspect_document(path)
    allowed = [_ALIASES.get(f.lower(), f.lower()) for f in spec.formats or []]
    want = "/".join(_name(f) for f in allowed) or "PDF/PPT/PPTX/图片"
    if info.format is None:
        return [
            who.finding(
                "document.format",
                want,
                "无法识别",
                f"无法识别文件格式，要求{want}：请上传{want}文件（仅修改扩展名无效）",
                f"the format is not recognised; {want} is required (renaming a file does not convert it)",
            )
        ]
    if not info.readable:
        # A damaged file must be exported again whatever it is: its format is not worth a second finding.
        return [
            who.finding(
                "document.readable",
                "可以打开的文件",
                "无法读取",
                f"文件无法读取：{info.reason_zh}。请重新导出或重新上传",
                f"the file cannot be read: {info.reason_en}. Export or upload it again",
            )
        ]
    found: list[Finding] = []
    if allowed and info.format not in allowed:
        got = _name(info.format)
        found.append(
            who.finding(
                "document.format",
                want,
                got,
                f"文件实际格式为{got}，要求{want}：请另存为{want}后上传（仅修改扩展名无效）",
                f"the file is {got}; {want} is required: save it as {want} (renaming does not convert it)",
            )
        )
    if info.encrypted:
        found.append(
            who.finding(
                "document.encrypted",
                "未加密",
                "已加密",
                "PDF 设有密码或权限限制，评审专家可能无法打开或打印：请去除密码后重新导出",
                "the PDF is password-protected or restricted, so reviewers may not open or print it: "
                "remove the password and export again",
                Severity.WARNING,
            )
        )
    if spec.max_pages is not None and info.pages is not None and info.pages > spec.max_pages:
        found.append(
            who.finding(
                "document.pages",
                f"≤ {spec.max_pages} 页",
                f"{info.pages} 页",
                f"共{info.pages}页，超过上限{spec.max_pages}页：请删减后重新导出",
                f"it has {info.pages} pages, over the limit of {spec.max_pages}: shorten it and export again",
            )
        )
    if (big := who.too_big(size, spec.max_size_bytes)) is not None:
        found.append(big)
    return found


def subject_of(material: Material) -> Subject:
    return Subject(material.label, material.key, _PREFIX.get(material.kind, "document"))


def check_material(path: Path, material: Material) -> list[Finding]:
    """Findings for one non-media material of an entry, by its kind."""
    who = subject_of(material)
    if not path.exists():
        return [
            who.finding(
                f"{who.kind}.readable",
                "文件存在",
                "找不到文件",
                "找不到文件或无法打开",
                "the file cannot be found or opened",
            )
        ]
    if material.kind is WorkKind.IMAGES:
        return check_images(path, material.images, who)
    if material.kind is WorkKind.TEXT:
        return check_text(path, material.text, who)
    if material.kind is WorkKind.QUIZ:
        return check_quiz(path, material.quiz, who)
    if path.is_dir():
        return [
            who.finding(
                "document.readable", "文件", "文件夹", "这是文件夹，不是文件", "this is a folder, not a file"
            )
        ]
    return check_document(path, material.document, who)
