"""Quiz sets (Shanxi's 强国问答): the notice's columns, one correct answer per question, no duplicates.

A set is a spreadsheet: XLSX (its sheet XML streamed, ``sheet_xml``) or CSV (UTF-8,
or GB18030 as Excel on a Chinese Windows saves it). The header is the first
of the top ten rows that names most of the required columns, so a title row
above it is fine. Columns may carry common variants of their names (答案选项
for 选项, 答案 or 正确答案 for 标准答案). Options are either one cell
("A.… B.… C.… D.…", on one line or several) or one column per option
(选项A, 选项B … or A, B …). The answer is one option letter, or the full
text of exactly one option; "AB" is two answers, which the notice does not
allow. Questions are duplicates when their stems are equal once spaces and
punctuation are ignored. Row numbers in messages are the sheet's own.
"""

import csv
import io
import zipfile
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

from contracts.campaign import QuizSpec
from contracts.events import Finding, Severity
from services.validator.kind_finding import Subject, listed
from services.validator.quiz_options import answer_letters, normalise
from services.validator.quiz_table import QuizTable, read_table
from services.validator.sheet_xml import Unreadable


def _problem(
    who: Subject, rule: str, what_zh: str, what_en: str, rows: list[int], fix: tuple[str, str]
) -> Finding:
    places = [f"第{r}行" for r in rows]
    return who.finding(
        f"quiz.{rule}",
        what_zh,
        f"{len(rows)}题不符",
        f"{listed(places)}{what_zh}不符合要求：{fix[0]}",
        f"row(s) {', '.join(map(str, rows[:5]))}{' …' if len(rows) > 5 else ''}: {what_en}: {fix[1]}",
    )


def check_table(table: QuizTable, spec: QuizSpec, who: Subject) -> list[Finding]:
    found: list[Finding] = []
    if table.missing:
        names = "、".join(table.missing)
        return [
            who.finding(
                "quiz.columns",
                "、".join(spec.fields),
                f"缺少：{names}",
                f"表格缺少以下列：{names}：请按通知要求的列（{'、'.join(spec.fields)}）填写",
                f"the sheet lacks the column(s) {names}: use the notice's columns ({', '.join(spec.fields)})",
            )
        ]
    empty: dict[str, list[int]] = {}
    few: list[int] = []
    wrong: list[int] = []
    multiple: list[int] = []
    stems: dict[str, int] = {}
    dupes: list[int] = []
    for row in table.rows:
        for name, value in row.values.items():
            if not value.strip():
                empty.setdefault(name, []).append(row.number)
        if len(row.options) < 2:
            few.append(row.number)
        elif row.answer.strip():
            letters = answer_letters(row.answer, row.options)
            if len(letters) > 1:
                multiple.append(row.number)
            elif not letters or letters[0] not in row.options:
                wrong.append(row.number)
        stem = normalise(row.stem)
        if stem and stem in stems:
            dupes.append(row.number)
        stems.setdefault(stem, row.number)
    for name, rows in empty.items():
        found.append(
            _problem(who, "missing", f"“{name}”为空", f"'{name}' is empty", rows, ("请补填", "fill it in"))
        )
    if few:
        found.append(
            _problem(
                who,
                "options",
                "选项少于2个",
                "fewer than 2 options",
                few,
                ("请按“A.… B.…”填写选项", "write options as 'A.… B.…'"),
            )
        )
    if multiple:
        found.append(
            _problem(
                who,
                "answer",
                "有多个标准答案",
                "more than one answer",
                multiple,
                ("每题只能有一个正确答案", "each question has exactly one correct answer"),
            )
        )
    if wrong:
        found.append(
            _problem(
                who,
                "answer",
                "标准答案不在选项中",
                "the answer is not among the options",
                wrong,
                ("请填写正确选项的字母", "give the letter of the correct option"),
            )
        )
    if dupes:
        found.append(
            _problem(
                who,
                "duplicate",
                "题干与前面的题重复",
                "repeats an earlier question",
                dupes,
                ("请删除重复的题", "remove the duplicates"),
            )
        )
    n = len(table.rows)
    # The count travels on (EntryInfo.questions): 强国问答's quotas count questions, not files.
    found.append(question_count(who, n))
    if (spec.min_questions is not None and n < spec.min_questions) or (
        spec.max_questions is not None and n > spec.max_questions
    ):
        want = f"{spec.min_questions or 0}–{spec.max_questions or '不限'}题"
        found.append(
            who.finding(
                "quiz.count",
                want,
                f"{n}题",
                f"共{n}题，要求{want}：请调整题目数量",
                f"{n} question(s); {want.replace('题', '')} required: adjust the number of questions",
            )
        )
    return found


COUNTED = "quiz.questions"


def question_count(who: Subject, n: int) -> Finding:
    return who.finding(COUNTED, "—", f"{n}题", f"共{n}题", f"{n} question(s)", Severity.INFO)


def questions_counted(findings: list[Finding]) -> int | None:
    """The number of questions the quiz check counted, from its finding (None: not a quiz set)."""
    found = next((f for f in findings if f.rule_id == COUNTED), None)
    return int(found.measured.removesuffix("题")) if found else None


def check_quiz(path: Path, spec: QuizSpec | None, who: Subject) -> list[Finding]:
    spec = spec or QuizSpec(fields=["题干", "选项", "标准答案"])
    if path.stat().st_size == 0:
        return [who.empty()]
    try:
        table = read_table(path, spec.fields)
    except (
        Unreadable,
        OSError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
        ParseError,
        csv.Error,
        io.UnsupportedOperation,
    ) as exc:
        zh, en = (exc.zh, exc.en) if isinstance(exc, Unreadable) else ("文件无法读取", "it cannot be read")
        return [
            who.finding(
                "quiz.readable",
                "XLSX或CSV表格",
                "无法读取",
                f"{zh}：请用Excel另存为XLSX或CSV后上传",
                f"{en}: save it from Excel as XLSX or CSV",
            )
        ]
    if not table.rows and not table.missing:
        return [who.finding("quiz.count", "至少1题", "0题", "表格中没有试题", "the sheet holds no questions")]
    return check_table(table, spec, who)
