"""Rubric model and score-sheet validation (pure; no I/O).

A rubric is a tuple of criteria, each with a weight and an allowed range
``[min_score, max_score]``.  A reviewer's sheet gives one score per criterion.

Weighted score rule (documented because campaigns publish it):

    total = full_marks * sum(w_i * (s_i - min_i) / (max_i - min_i)) / sum(w_i)

i.e. every criterion is normalised to [0, 1], weighted, and scaled to
``full_marks`` (100 by default).  For the common notice layout where each
criterion is "worth" its maximum (内容 40 / 技术 30 / 艺术 30, minimum 0) and the
weight equals that maximum, the total is simply the plain sum of the sheet.
Arithmetic is exact (``Fraction``) and the result is a ``Decimal`` rounded
half-up to ``places`` decimals, so equal sheets always produce equal totals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from services.common.errors import ServiceError


class RubricError(ServiceError):
    """A rubric definition that cannot be used (bad weights, empty range, duplicate codes): 422."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(422, zh, en)


class ScoreSheetError(ValueError):
    """A reviewer's sheet is incomplete or out of range; ``problems`` lists every issue found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self.zh = "；".join(zh for zh, _ in problems)
        self.en = "; ".join(en for _, en in problems)
        super().__init__(f"评分表无效：{self.zh} / Invalid score sheet: {self.en}")


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    name: str
    weight: Decimal
    max_score: Decimal
    min_score: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise RubricError(
                f"评分项“{self.name}”的权重不能为负数", f"criterion {self.code!r} has a negative weight"
            )
        if self.min_score >= self.max_score:
            raise RubricError(
                f"评分项“{self.name}”的最低分必须小于最高分",
                f"criterion {self.code!r} needs min_score < max_score",
            )


@dataclass(frozen=True, slots=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    full_marks: Decimal = Decimal(100)

    def __post_init__(self) -> None:
        if not self.criteria:
            raise RubricError("评分标准至少需要一个评分项", "a rubric needs at least one criterion")
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise RubricError("评分项编码重复", "criterion codes must be unique")
        if sum(c.weight for c in self.criteria) <= 0:
            raise RubricError("评分项权重之和必须大于零", "criterion weights must sum to more than zero")
        if self.full_marks <= 0:
            raise RubricError("满分必须大于零", "full_marks must be positive")


def validate_sheet(rubric: Rubric, sheet: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    """Return the sheet as ``{criterion code: Decimal}`` or raise ``ScoreSheetError`` listing all problems.

    Floats are rejected: a float like 8.7 is not the 8.7 the reviewer typed, and
    silently rounding a score is worse than asking the caller to send a string.
    """
    problems: list[tuple[str, str]] = []
    clean: dict[str, Decimal] = {}
    known = {c.code for c in rubric.criteria}
    for code in sorted(set(sheet) - known):
        problems.append((f"未知评分项“{code}”", f"unknown criterion {code!r}"))
    for c in rubric.criteria:
        if c.code not in sheet:
            problems.append((f"缺少评分项“{c.name}”", f"missing criterion {c.code!r}"))
            continue
        raw = sheet[c.code]
        if isinstance(raw, float | bool):
            zh = f"评分项“{c.name}”的分数须为十进制数"
            problems.append((zh, f"criterion {c.code!r} score must be decimal, not float"))
            continue
        try:
            value = Decimal(raw)
        except ArithmeticError:
            zh = f"评分项“{c.name}”的分数无法识别"
            problems.append((zh, f"criterion {c.code!r} score is not a number"))
            continue
        if not value.is_finite() or not c.min_score <= value <= c.max_score:
            problems.append(
                (
                    f"评分项“{c.name}”的分数 {raw} 超出范围 {c.min_score}–{c.max_score}",
                    f"criterion {c.code!r} score {raw} is outside {c.min_score}..{c.max_score}",
                )
            )
            continue
        clean[c.code] = value
    if problems:
        raise ScoreSheetError(problems)
    return clean


def weighted_score(rubric: Rubric, sheet: Mapping[str, Decimal | int | str], places: int = 2) -> Decimal:
    """Validate ``sheet`` and return its weighted total on the ``full_marks`` scale (see module docstring)."""
    clean = validate_sheet(rubric, sheet)
    total_weight = sum((Fraction(c.weight) for c in rubric.criteria), Fraction(0))
    acc = Fraction(0)
    for c in rubric.criteria:
        span = Fraction(c.max_score) - Fraction(c.min_score)
        acc += Fraction(c.weight) * (Fraction(clean[c.code]) - Fraction(c.min_score)) / span
    exact = Fraction(rubric.full_marks) * acc / total_weight
    return to_decimal(exact, places)


def to_decimal(value: Fraction, places: int) -> Decimal:
    """Round an exact fraction half-up (away from zero) to ``places`` decimals, never via float."""
    magnitude = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(-magnitude if value < 0 else magnitude).scaleb(-places)
