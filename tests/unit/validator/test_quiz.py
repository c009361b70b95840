"""Shanxi's 强国问答 question sets, as CSV (UTF-8 or GBK) and as XLSX made with openpyxl."""

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from contracts.campaign import Material, QuizSpec, WorkKind
from contracts.events import Finding, Severity
from services.validator.kinds import check_material
from services.validator.quiz import questions_counted
from services.validator.quiz_options import answer_letters, split_options
from tests.unit.validator import handmade
from tests.unit.validator.handmade import ole

FIELDS = ["题目", "题干", "选项", "标准答案", "出题单位", "推荐单位"]
QUIZ = Material(
    key="questions", label="试题", kind=WorkKind.QUIZ, quiz=QuizSpec(fields=FIELDS, max_questions=100)
)
GOOD = [
    [
        "党史1",
        "中国共产党第一次全国代表大会在哪里召开？",
        "A.上海 B.北京 C.广州 D.武汉",
        "A",
        "朔州市委宣传部",
        "朔州市委宣传部",
    ],
    [
        "党史2",
        "遵义会议在哪一年召开？",
        "A.1934年\nB.1935年\nC.1936年",
        "B",
        "朔城区委宣传部",
        "朔州市委宣传部",
    ],
]


def as_csv(
    tmp_path: Path, rows: list[list[str]], codec: str = "utf-8-sig", header: list[str] = FIELDS
) -> Path:
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    path = tmp_path / "questions.csv"
    path.write_bytes(text.getvalue().encode(codec))
    return path


def problems(path: Path) -> list[Finding]:
    """What is wrong (the count, an info finding every set read gets, aside)."""
    return [f for f in check_material(path, QUIZ) if f.rule_id != "quiz.questions"]


def ids(path: Path) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in problems(path)]


def test_the_questions_are_counted(tmp_path: Path) -> None:
    found = check_material(as_csv(tmp_path, GOOD, "utf-8-sig"), QUIZ)
    assert questions_counted(found) == len(GOOD)
    assert [f.message_zh for f in found if f.rule_id == "quiz.questions"] == [f"试题：共{len(GOOD)}题"]


def test_options_and_answers_are_read() -> None:
    assert split_options("A.上海 B.北京；C、广州\nD：武汉") == {
        "A": "上海",
        "B": "北京",
        "C": "广州",
        "D": "武汉",
    }
    options = {"A": "上海", "B": "北京"}
    assert answer_letters("Ｂ", options) == ["B"]  # a full-width letter from a Chinese IME
    assert answer_letters("A、B", options) == ["A", "B"]
    assert answer_letters("北京", options) == ["B"]


@pytest.mark.parametrize("codec", ["utf-8-sig", "gb18030"])
def test_a_good_set_passes_in_either_encoding(codec: str, tmp_path: Path) -> None:
    assert ids(as_csv(tmp_path, GOOD, codec)) == []


def test_each_kind_of_mistake_names_its_rows(tmp_path: Path) -> None:
    rows = [
        *GOOD,
        [
            "党史3",
            "遵义会议在哪一年召开？",
            "A.1934 B.1935",
            "B",
            "朔城区委宣传部",
            "朔州市委宣传部",
        ],  # duplicate
        [
            "党史4",
            "长征从哪里出发？",
            "A.瑞金 B.延安",
            "AB",
            "朔城区委宣传部",
            "朔州市委宣传部",
        ],  # two answers
        [
            "党史5",
            "井冈山在哪个省？",
            "A.江西 B.湖南",
            "C",
            "朔城区委宣传部",
            "朔州市委宣传部",
        ],  # not an option
        ["党史6", "南昌起义的时间？", "1927年8月1日", "A", "朔城区委宣传部", "朔州市委宣传部"],  # no options
        ["党史7", "古田会议在哪个省？", "A.福建 B.江西", "A", "", "朔州市委宣传部"],  # no setter
    ]
    found = problems(as_csv(tmp_path, rows))
    assert [(f.rule_id, f.message_zh.split("：")[1]) for f in found] == [
        ("quiz.missing", "第8行“出题单位”为空不符合要求"),
        ("quiz.options", "第7行选项少于2个不符合要求"),
        ("quiz.answer", "第5行有多个标准答案不符合要求"),
        ("quiz.answer", "第6行标准答案不在选项中不符合要求"),
        ("quiz.duplicate", "第4行题干与前面的题重复不符合要求"),
    ]
    assert all(f.severity is Severity.ERROR for f in found)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    [finding] = problems(as_csv(tmp_path, [r[:4] for r in GOOD], header=FIELDS[:4]))
    assert (finding.rule_id, finding.measured) == ("quiz.columns", "缺少：出题单位、推荐单位")


def test_xlsx_with_a_title_row_and_one_column_per_option(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["“学习强国”山西学习平台 强国问答 试题"])
    sheet.append(["题目", "题干", "选项A", "选项B", "选项C", "答案", "出题单位名称", "推荐单位名称"])
    sheet.append(
        ["党史1", "中共一大在哪里召开？", "上海", "北京", "广州", "A", "朔州市委宣传部", "朔州市委宣传部"]
    )
    sheet.append(
        ["党史2", "中共一大在哪里召开？", "上海", "北京", None, "A", "朔州市委宣传部", "朔州市委宣传部"]
    )
    path = tmp_path / "questions.xlsx"
    book.save(path)
    [finding] = problems(path)
    assert (finding.rule_id, finding.measured) == ("quiz.duplicate", "1题不符")
    assert "第4行" in finding.message_zh


def test_too_many_questions(tmp_path: Path) -> None:
    rows = [[f"题{n}", f"第{n}题的题干？", "A.是 B.否", "A", "单位", "单位"] for n in range(101)]
    [finding] = problems(as_csv(tmp_path, rows))
    assert (finding.rule_id, finding.measured, finding.expected) == ("quiz.count", "101题", "0–100题")


def test_files_that_are_no_sheet(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(ole("Workbook"))
    assert ids(xls) == [("quiz.readable", Severity.ERROR)]
    assert "旧版Excel" in check_material(xls, QUIZ)[0].message_zh
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert ids(empty) == [("quiz.readable", Severity.ERROR)]
    binary = tmp_path / "noise.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert ids(binary) == [("quiz.readable", Severity.ERROR)]
    assert "文字编码" in check_material(binary, QUIZ)[0].message_zh


def test_a_sheet_declaring_a_million_rows_is_read_for_the_rows_it_has(tmp_path: Path) -> None:
    path = tmp_path / "questions.xlsx"
    path.write_bytes(handmade.xlsx([FIELDS, *GOOD], dimension="A1:XFD1048576"))
    assert ids(path) == []


def test_a_cell_a_million_rows_down_ends_in_a_finding(tmp_path: Path) -> None:
    # openpyxl padded every row up to it to the declared 16,384 columns: hours for a 1.8 KB file.
    path = tmp_path / "questions.xlsx"
    path.write_bytes(handmade.xlsx([FIELDS, *GOOD, ["x"]], dimension="A1:XFD1048576", last_row=1048576))
    [finding] = problems(path)
    assert finding.rule_id == "quiz.readable" and "超过40000行" in finding.message_zh
