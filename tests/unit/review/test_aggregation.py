from decimal import Decimal

import pytest

from services.review.aggregation import (
    AggregationError,
    AggregationMethod,
    aggregate,
    flag_outliers,
    krippendorff_alpha,
)


def d(*values: str | int) -> list[Decimal]:
    return [Decimal(v) for v in values]


def scores(**by_reviewer: str | int) -> dict[str, Decimal]:
    return {r: Decimal(v) for r, v in by_reviewer.items()}


# --- aggregation -------------------------------------------------------------------------------


def test_mean_is_exact_and_rounds_half_up() -> None:
    matrix = {"E1": scores(A=85, B=86, C=86), "E2": scores(A="1.00", B="1.01"), "E3": scores(A="90.5")}
    assert aggregate(matrix) == {"E1": Decimal("85.67"), "E2": Decimal("1.01"), "E3": Decimal("90.50")}


def test_mean_does_not_depend_on_reviewer_order() -> None:
    forward = {"E": scores(A="0.1", B="0.2", C="0.3")}
    backward = {"E": scores(C="0.3", B="0.2", A="0.1")}
    assert aggregate(forward, places=6) == aggregate(backward, places=6) == {"E": Decimal("0.200000")}


def test_trimmed_mean_drops_one_highest_and_one_lowest_from_three_or_more() -> None:
    matrix = {
        "five": scores(A=60, B=80, C=82, D=84, E=99),
        "three": scores(A=50, B=80, C=95),
        "two": scores(A=50, B=90),
        "ties": scores(A=70, B=70, C=70, D=100),
    }
    assert aggregate(matrix, AggregationMethod.TRIMMED_MEAN) == {
        "five": Decimal("82.00"),
        "three": Decimal("80.00"),
        "two": Decimal("70.00"),
        "ties": Decimal("70.00"),
    }


def test_standardised_removes_lenient_and_harsh_reviewer_bias() -> None:
    # A is lenient (90/80), B harsh (70/60): by rank within each reviewer, E1 ~ E3 and E2 ~ E4.
    matrix = {"E1": scores(A=90), "E2": scores(A=80), "E3": scores(B=70), "E4": scores(B=60)}
    plain = aggregate(matrix)
    assert plain["E1"] > plain["E3"]
    std = aggregate(matrix, AggregationMethod.STANDARDISED)
    # global mean 75, global population SD sqrt(125) = 11.1803...; z = +1 / -1.
    high, low = Decimal("86.18"), Decimal("63.82")
    assert std == {"E1": high, "E2": low, "E3": high, "E4": low}


def test_standardised_reviewer_without_spread_counts_as_average() -> None:
    matrix = {"E1": scores(A=90, B=77), "E2": scores(A=70, B=77)}
    std = aggregate(matrix, AggregationMethod.STANDARDISED)
    # A: z = +1 / -1, B: z = 0 / 0 -> entry z = +0.5 / -0.5; global mean 78.5, SD sqrt(52.25) = 7.2284.
    assert std == {"E1": Decimal("82.11"), "E2": Decimal("74.89")}


def test_standardised_is_clamped_to_the_scale() -> None:
    matrix = {"E1": scores(A=100, B=100), "E2": scores(A=0, B=100), "E3": scores(A=0, B=0)}
    std = aggregate(matrix, AggregationMethod.STANDARDISED, scale=(Decimal(0), Decimal(100)))
    assert all(Decimal(0) <= v <= Decimal(100) for v in std.values())
    assert std["E1"] == Decimal("100.00") and std["E3"] == Decimal("0.00")


def test_entry_without_scores_is_an_error() -> None:
    with pytest.raises(AggregationError) as err:
        aggregate({"E1": scores(A=80), "E2": {}})
    assert "E2" in err.value.zh and "without scores" in err.value.en


# --- outliers ----------------------------------------------------------------------------------


def test_score_far_from_median_is_flagged_by_points() -> None:
    flags = flag_outliers({"E1": scores(A=80, B=82, C=81, D=50), "E2": scores(A=80, B=95)})
    assert [(f.submission_id, f.reviewer_id, f.rule) for f in flags] == [("E1", "D", "points")]
    assert flags[0].median == Decimal("80.5") and flags[0].deviation == Decimal("30.5")
    assert "偏离中位数" in flags[0].message_zh and "median" in flags[0].message_en


def test_points_threshold_is_strict_and_configurable() -> None:
    matrix = {"E1": scores(A=80, B=80, C=95)}
    assert flag_outliers(matrix) == []  # exactly 15 from the median is not "more than 15"
    assert [f.reviewer_id for f in flag_outliers(matrix, max_points=Decimal(10))] == ["C"]


def test_mad_rule() -> None:
    matrix = {"E1": scores(A=80, B=82, C=84, D=86, E=97)}  # median 84, MAD 2
    flags = flag_outliers(matrix, max_points=None, max_mads=Decimal(3))
    assert [(f.reviewer_id, f.rule) for f in flags] == [("E", "mad")]


def test_mad_rule_is_skipped_on_consensus_but_points_rule_still_applies() -> None:
    matrix = {"E1": scores(A=80, B=80, C=80, D=20)}  # MAD 0
    assert flag_outliers(matrix, max_points=None, max_mads=Decimal(2)) == []
    assert [f.reviewer_id for f in flag_outliers(matrix, max_mads=Decimal(2))] == ["D"]


def test_outliers_need_a_rule() -> None:
    with pytest.raises(AggregationError):
        flag_outliers({}, max_points=None, max_mads=None)


# --- Krippendorff's alpha ------------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 coders x 12 units.
_CODERS: dict[str, list[int | None]] = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
KRIPPENDORFF_2011 = {
    f"u{u + 1}": {c: Decimal(x) for c, v in _CODERS.items() if (x := v[u]) is not None} for u in range(12)
}


def test_krippendorff_2011_worked_example_interval() -> None:
    alpha = krippendorff_alpha(KRIPPENDORFF_2011, "interval")
    assert alpha is not None and round(alpha, 3) == 0.849


def test_krippendorff_2011_worked_example_nominal() -> None:
    alpha = krippendorff_alpha(KRIPPENDORFF_2011, "nominal")
    assert alpha is not None and round(alpha, 3) == 0.743


def test_alpha_perfect_agreement_and_systematic_disagreement() -> None:
    perfect = {f"u{i}": {"A": Decimal(i), "B": Decimal(i)} for i in range(5)}
    assert krippendorff_alpha(perfect) == 1.0
    # Two coders, two units, values swapped: D_o = 1, D_e = 2/3 -> alpha = 1 - 3/2 = -0.5.
    swapped = {"u1": {"A": Decimal(0), "B": Decimal(1)}, "u2": {"A": Decimal(1), "B": Decimal(0)}}
    assert krippendorff_alpha(swapped) == -0.5


def test_alpha_undefined_cases() -> None:
    assert krippendorff_alpha({"u1": {"A": Decimal(3)}, "u2": {"B": Decimal(4)}}) is None  # nothing pairable
    assert krippendorff_alpha({"u1": {"A": Decimal(3), "B": Decimal(3)}}) is None  # no variation
