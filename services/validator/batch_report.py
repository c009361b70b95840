"""The report of a folder check: a table on the terminal, and an XLSX a unit admin can send on.

The workbook's first sheet has one row per file (file, verdict, errors, warnings, the rule ids,
the main finding with its fix, Chinese first), the second one row per finding. File names come
from whoever filled the stick, so every cell is written as text (``spreadsheet_text``).
"""

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from contracts.events import Severity
from services.validator.batch_check import VERDICTS, FileOutcome
from services.validator.report import aligned

FILE_HEADER = (
    "文件 File",
    "结论 Verdict",
    "错误 Errors",
    "警告 Warnings",
    "检查项 Rules",
    "主要问题及改法",
    "Main finding and fix",
)
FINDING_HEADER = (
    "文件 File",
    "检查项 Rule",
    "级别 Level",
    "要求 Expected",
    "实测 Measured",
    "说明及改法",
    "Finding and fix",
)
_LEVEL = {Severity.ERROR: "错误 error", Severity.WARNING: "警告 warning", Severity.INFO: "提示 note"}


def verdict_label(key: str) -> str:
    zh, en = VERDICTS[key]
    return f"{zh} {en}"


def file_row(o: FileOutcome) -> list[str | int]:
    count = Counter(f.severity for f in o.findings)
    zh, en = o.headline
    rules = ", ".join(dict.fromkeys(f.rule_id for f in o.findings))  # each id once, in report order
    return [o.shown, verdict_label(o.verdict), count[Severity.ERROR], count[Severity.WARNING], rules, zh, en]


def finding_rows(o: FileOutcome) -> list[list[str]]:
    return [
        [o.shown, f.rule_id, _LEVEL[f.severity], f.expected, f.measured, f.message_zh, f.message_en]
        for f in o.findings
    ]


def summary_line(outcomes: Sequence[FileOutcome]) -> str:
    counts = Counter(o.verdict for o in outcomes)
    parts = [f"{VERDICTS[k][0]} {counts[k]}" for k in VERDICTS if counts[k]]
    return f"共 {len(outcomes)} 个文件 / {len(outcomes)} file(s): " + "，".join(parts)


def render_table(outcomes: Sequence[FileOutcome]) -> str:
    """File, verdict and the main finding (which says what to do), one line each."""
    rows = [[o.shown, VERDICTS[o.verdict][0], o.headline[0]] for o in outcomes]
    return "\n".join([*aligned(("文件", "结论", "主要问题"), rows), "", summary_line(outcomes)])


def write_xlsx(outcomes: Sequence[FileOutcome], path: Path) -> None:
    # 0.1 s to import: only when a report is asked for.
    from openpyxl import Workbook

    from services.common.spreadsheet_text import as_text

    book = Workbook()
    files = book.active
    assert files is not None  # a new workbook has its first sheet
    files.title = "文件 Files"
    files.append(FILE_HEADER)
    for o in outcomes:
        files.append(file_row(o))
    found = book.create_sheet("问题 Findings")
    found.append(FINDING_HEADER)
    for o in outcomes:
        for row in finding_rows(o):
            found.append(row)
    for sheet in (files, found):
        sheet.freeze_panes = "A2"
    as_text(book)
    book.save(path)
