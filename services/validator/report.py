"""Verdict and plain-text report of a list of findings. Pure.

The CLI prints this to a teacher's terminal, so the table aligns Chinese text
by display width (a CJK character takes two columns) and each problem's
message, which says how to fix it, sits on its own line under its row.
"""

import unicodedata
from collections.abc import Sequence

from contracts.events import Finding, Severity

# What each rule checks, in words a teacher knows; unknown ids show as themselves.
RULE_LABELS: dict[str, tuple[str, str]] = {
    "file.readable": ("文件可读", "readable file"),
    "file.name": ("文件名", "file name"),
    "file.size": ("文件大小", "file size"),
    "file.faststart": ("快速启动", "fast start"),
    "video.present": ("视频画面", "picture"),
    "video.container": ("文件格式", "container"),
    "video.codec": ("视频编码", "video codec"),
    "video.profile": ("编码档次", "profile"),
    "video.resolution": ("分辨率", "resolution"),
    "video.aspect_ratio": ("宽高比", "aspect ratio"),
    "video.orientation": ("横竖屏", "orientation"),
    "video.frame_rate": ("帧率", "frame rate"),
    "video.constant_frame_rate": ("恒定帧率", "constant frame rate"),
    "video.bit_rate": ("码率", "bit rate"),
    "video.duration": ("时长", "duration"),
    "video.preferred_duration": ("建议时长", "preferred duration"),
    "video.pixel_format": ("像素格式", "pixel format"),
    "video.interlaced": ("逐行扫描", "progressive scan"),
    "audio.present": ("声音", "sound"),
    "audio.container": ("音频格式", "audio container"),
    "audio.codec": ("音频编码", "audio codec"),
    "audio.sample_rate": ("采样率", "sample rate"),
    "audio.channels": ("声道", "channels"),
    "audio.duration": ("时长", "duration"),
    # The quality pass (one decode) and packet timestamps.
    "file.decodable": ("解码", "decoding"),
    "file.decode_errors": ("解码错误", "decode errors"),
    "quality.incomplete": ("质量检测", "quality check"),
    "video.frames": ("画面帧", "frames"),
    "video.dropped_frames": ("丢帧", "dropped frames"),
    "video.duplicated_frames": ("重复帧", "duplicated frames"),
    "video.timestamps": ("时间戳", "timestamps"),
    "video.flashes": ("闪烁", "flashes"),
    "video.intro_slate": ("片头", "intro slate"),
    "video.qr_code": ("二维码", "QR code"),
    "video.slate_field": ("片头信息", "slate details"),
    "video.slate_title": ("片头标题", "slate title"),
    "video.contact_details": ("联系方式", "contact details"),
    "video.screen_text": ("画面文字检测", "on-screen text check"),
    "video.black": ("黑场", "black picture"),
    "video.freeze": ("静止画面", "still picture"),
    "av.sync": ("音画同步", "A/V sync"),
    "audio.loudness": ("响度", "loudness"),
    "audio.true_peak": ("真峰值", "true peak"),
    "audio.silent": ("无声音轨", "silent track"),
    "audio.silence": ("静音段", "silence"),
    # Works that are not audio or video.
    "document.format": ("文件格式", "format"),
    "document.readable": ("文件可读", "readable"),
    "document.pages": ("页数", "pages"),
    "document.size": ("文件大小", "file size"),
    "document.encrypted": ("加密", "encryption"),
    "images.count": ("图片数量", "picture count"),
    "images.format": ("图片格式", "picture format"),
    "images.readable": ("图片完整", "pictures readable"),
    "images.resolution": ("图片尺寸", "picture size"),
    "images.size": ("图片大小", "picture file size"),
    "text.readable": ("文字稿", "text"),
    "text.length": ("字数", "length"),
    "quiz.readable": ("试题表", "quiz sheet"),
    "quiz.columns": ("表格列", "columns"),
    "quiz.missing": ("必填项", "required cells"),
    "quiz.options": ("选项", "options"),
    "quiz.answer": ("标准答案", "answer"),
    "quiz.duplicate": ("重复题", "duplicates"),
    "quiz.count": ("题量", "question count"),
}
_SEVERITY = {
    Severity.ERROR: ("错误", "ERROR"),
    Severity.WARNING: ("警告", "WARNING"),
    Severity.INFO: ("提示", "INFO"),
}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def verdict(findings: Sequence[Finding]) -> bool:
    """True when the work passes: warnings and notes never fail it, any error does."""
    return not any(f.severity is Severity.ERROR for f in findings)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _summary(findings: Sequence[Finding], lang: str) -> str:
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = sum(f.severity is Severity.WARNING for f in findings)
    if lang == "zh":
        state = "通过" if verdict(findings) else "未通过"
        return f"检查结果：{state}（{errors} 项错误，{warnings} 项警告）"
    state = "PASSED" if verdict(findings) else "FAILED"
    return f"Result: {state} ({errors} error(s), {warnings} warning(s))"


def _guess(finding: Finding, zh: bool) -> str:
    """Heuristic findings say how sure they are."""
    if finding.confidence is None:
        return ""
    sure = round(finding.confidence * 100)
    return f"（自动判断，把握约{sure}%）" if zh else f" (automatic guess, about {sure}% sure)"


def render_text(findings: Sequence[Finding], lang: str = "zh") -> str:
    """A plain-text table: severity, check, expected, measured; errors first, then the fix under each."""
    zh = lang == "zh"
    if not findings:
        return "检查结果：通过，未发现问题" if zh else "Result: PASSED, no problems found"
    index = 0 if zh else 1
    header = ("级别", "检查项", "要求", "实测") if zh else ("Level", "Check", "Expected", "Measured")
    ordered = sorted(findings, key=lambda f: _ORDER[f.severity])  # stable: rule order kept within a level
    rows = [
        (
            _SEVERITY[f.severity][index],
            RULE_LABELS.get(f.rule_id, (f.rule_id, f.rule_id))[index],
            f.expected,
            f.measured,
        )
        for f in ordered
    ]
    lines = aligned(header, rows)
    out = [_summary(findings, lang), "", *lines[:2]]
    for finding, row in zip(ordered, lines[2:], strict=True):
        out.append(row)
        out.append(f"    → {finding.message_zh if zh else finding.message_en}{_guess(finding, zh)}")
    return "\n".join(out)


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Header, a rule, then the rows, in columns aligned by display width."""
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(cell, w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]
