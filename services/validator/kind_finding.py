"""How the checks of documents, images, text and quiz sets word a finding. Pure.

An entry has several files (the work, courseware, a stamped form), so each
message starts with the material's label from the campaign ("课件：…"), and
the English one with its key, to say which file is meant.
"""

from dataclasses import dataclass

from contracts.events import Finding, Severity
from services.validator.measured_rules import finding

MIB = 1024 * 1024


@dataclass(frozen=True)
class Subject:
    """The material being checked, as named in messages."""

    label: str  # e.g. 课件, from the campaign
    key: str  # e.g. courseware
    kind: str  # rule id prefix: document, images, text, quiz

    def finding(
        self,
        rule_id: str,
        expected: str,
        measured: str,
        zh: str,
        en: str,
        severity: Severity = Severity.ERROR,
    ) -> Finding:
        return finding(rule_id, severity, expected, measured, f"{self.label}：{zh}", f"{self.key}: {en}")

    def too_big(self, size: int, limit: int | None) -> Finding | None:
        if limit is None or size <= limit:
            return None
        want, got = f"≤ {limit / MIB:.0f} MB", f"{size / MIB:.1f} MB"
        return self.finding(
            f"{self.kind}.size",
            want,
            got,
            f"文件大小为{got}，超过上限{limit / MIB:.0f} MB：请压缩后重新上传",
            f"the file is {got}, over the {limit / MIB:.0f} MB limit: compress it and upload again",
        )

    def empty(self) -> Finding:
        return self.finding(
            f"{self.kind}.readable",
            "非空文件",
            "0 字节",
            "文件为空（0字节）：请重新导出或重新上传",
            "the file is empty (0 bytes): export or upload it again",
        )


def listed(items: list[str], limit: int = 5) -> str:
    """ "第2、5、9行" style lists, cut after ``limit`` with a count of the rest."""
    shown = "、".join(items[:limit])
    return shown + (f"等{len(items)}处" if len(items) > limit else "")
