from decimal import Decimal
from fractions import Fraction

import pytest

from services.review.rubric import (
    Criterion,
    Rubric,
    RubricError,
    ScoreSheetError,
    to_decimal,
    validate_sheet,
    weighted_score,
)

# The usual notice layout: each criterion is worth its maximum, so weight = max.
MICRO_LESSON = Rubric(
    (
        Criterion("content", "教学内容", Decimal(40), Decimal(40)),
        Criterion("design", "教学设计", Decimal(30), Decimal(30)),
        Criterion("tech", "技术规范", Decimal(30), Decimal(30)),
    )
)


def test_points_layout_weighted_score_is_the_plain_sum() -> None:
    sheet: dict[str, Decimal | int | str] = {"content": Decimal("36.5"), "design": 27, "tech": "25"}
    assert weighted_score(MICRO_LESSON, sheet) == Decimal("88.50")


def test_weights_are_applied_to_normalised_criteria() -> None:
    rubric = Rubric(
        (
            Criterion("a", "创意", Decimal(3), Decimal(10)),
            Criterion("b", "技术", Decimal(1), Decimal(10)),
        )
    )
    assert weighted_score(rubric, {"a": 10, "b": 0}) == Decimal("75.00")
    assert weighted_score(rubric, {"a": 0, "b": 10}) == Decimal("25.00")


def test_nonzero_minimum_and_custom_full_marks() -> None:
    rubric = Rubric((Criterion("a", "整体", Decimal(1), Decimal(5), Decimal(1)),), full_marks=Decimal(10))
    assert weighted_score(rubric, {"a": 1}) == Decimal("0.00")
    assert weighted_score(rubric, {"a": 3}) == Decimal("5.00")


def test_result_rounds_exact_thirds_half_up() -> None:
    rubric = Rubric(tuple(Criterion(c, c, Decimal(1), Decimal(3)) for c in "abc"))
    assert weighted_score(rubric, {"a": 1, "b": 0, "c": 0}) == Decimal("11.11")
    assert weighted_score(rubric, {"a": 2, "b": 0, "c": 0}, places=1) == Decimal("22.2")
    assert to_decimal(Fraction(1, 8), 2) == Decimal("0.13")
    assert to_decimal(Fraction(-1, 8), 2) == Decimal("-0.13")


def test_out_of_range_score_is_a_bilingual_error() -> None:
    with pytest.raises(ScoreSheetError) as err:
        validate_sheet(MICRO_LESSON, {"content": 41, "design": 30, "tech": 0})
    assert "教学内容" in err.value.zh and "超出范围" in err.value.zh and "0–40" in err.value.zh
    assert "'content'" in err.value.en and "outside 0..40" in err.value.en
    assert err.value.zh in str(err.value) and err.value.en in str(err.value)


def test_negative_score_is_out_of_range() -> None:
    with pytest.raises(ScoreSheetError, match="超出范围"):
        weighted_score(MICRO_LESSON, {"content": -1, "design": 30, "tech": 0})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ScoreSheetError) as err:
        validate_sheet(MICRO_LESSON, {"content": 99, "tech": 8.5, "bonus": 3})  # type: ignore[dict-item]
    zh = [p[0] for p in err.value.problems]
    assert zh == ["未知评分项“bonus”", zh[1], "缺少评分项“教学设计”", zh[3]]
    assert "超出范围" in zh[1] and "十进制" in zh[3]


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", True])
def test_non_numeric_scores_are_rejected(bad: object) -> None:
    with pytest.raises(ScoreSheetError):
        validate_sheet(MICRO_LESSON, {"content": bad, "design": 1, "tech": 1})  # type: ignore[dict-item]


def test_valid_sheet_comes_back_as_decimals() -> None:
    assert validate_sheet(MICRO_LESSON, {"content": "40", "design": 0, "tech": Decimal("29.5")}) == {
        "content": Decimal(40),
        "design": Decimal(0),
        "tech": Decimal("29.5"),
    }


@pytest.mark.parametrize(
    ("build", "zh"),
    [
        (lambda: Criterion("a", "创意", Decimal(-1), Decimal(10)), "权重不能为负数"),
        (lambda: Criterion("a", "创意", Decimal(1), Decimal(10), Decimal(10)), "最低分必须小于最高分"),
        (lambda: Rubric(()), "至少需要一个评分项"),
        (lambda: Rubric((Criterion("a", "x", Decimal(1), Decimal(1)),) * 2), "编码重复"),
        (lambda: Rubric((Criterion("a", "x", Decimal(0), Decimal(1)),)), "权重之和必须大于零"),
        (lambda: Rubric((Criterion("a", "x", Decimal(1), Decimal(1)),), Decimal(0)), "满分必须大于零"),
    ],
)
def test_unusable_rubrics_raise(build, zh: str) -> None:
    with pytest.raises(RubricError) as err:
        build()
    assert zh in err.value.zh and err.value.en.isascii()
