"""Verdict and plain-text report of a list of findings. Pure.

The CLI prints this to a teacher's terminal, so the table aligns Chinese text
by display width (a CJK character takes two columns) and each problem's
message, which says how to fix it, sits on its own line under its row.
"""

import unicodedata
from collections.abc import Sequence

from contracts.events import Finding, Severity
from contracts.rule_labels import RULE_LABELS

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
