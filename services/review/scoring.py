"""A reviewer's score sheet against the campaign's rubric: drafts and complete sheets (pure).

The campaign's criteria (``contracts.campaign.Criterion``: weight, min_score, max_score) become a
``rubric.Rubric``; the total is ``rubric.weighted_score`` on a 0-100 scale. A sheet is saved as it
is typed (autosave): every value given must be a number in its criterion's range, but criteria may
be missing, and such a sheet is a draft that does not count. A complete sheet counts, and the
reviewer may still change it while the round is open. A campaign without a rubric takes one
holistic score 0-100 (criterion ``total``)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from contracts.campaign import Campaign
from services.review.rubric import Criterion, Rubric, ScoreSheetError, validate_sheet, weighted_score

HOLISTIC = "total"


def campaign_rubric(campaign: Campaign) -> Rubric:
    if not campaign.rubric:
        return Rubric((Criterion(HOLISTIC, "总分", Decimal(1), Decimal(100)),))
    return Rubric(
        tuple(
            Criterion(
                c.key,
                c.name,
                Decimal(str(c.weight)),
                Decimal(str(c.max_score)),
                Decimal(str(c.min_score)),
            )
            for c in campaign.rubric
        )
    )


def rubric_view(rubric: Rubric) -> list[dict[str, Any]]:
    """The rubric as a page or a client shows it (weights as shares of 100%)."""
    total = sum(c.weight for c in rubric.criteria)
    return [
        {
            "key": c.code,
            "name": c.name,
            "weight": float(c.weight),
            "share": float(round(c.weight / total * 100, 1)),
            "min": float(c.min_score),
            "max": float(c.max_score),
        }
        for c in rubric.criteria
    ]


@dataclass(frozen=True)
class Sheet:
    values: dict[str, str]  # criterion -> the decimal as typed (normalised)
    total: Decimal | None  # None while a draft

    @property
    def complete(self) -> bool:
        return self.total is not None


def _as_text(raw: object) -> Decimal | int | str:
    # JSON numbers arrive as int or float; a float is read as the literal the reviewer typed.
    if isinstance(raw, Decimal | int | str):
        return raw
    return repr(raw) if isinstance(raw, float) else str(raw)


def read_sheet(rubric: Rubric, raw: dict[str, Any]) -> Sheet:
    """Check what was typed; raise ``ScoreSheetError`` listing unknown criteria and values out of range."""
    given = {k: _as_text(v) for k, v in raw.items() if v is not None and str(v).strip() != ""}
    by_code = {c.code: c for c in rubric.criteria}
    problems = [(f"未知评分项“{k}”", f"unknown criterion {k!r}") for k in sorted(set(given) - set(by_code))]
    clean: dict[str, Decimal] = {}
    for c in rubric.criteria:
        if c.code in given:
            try:
                clean |= validate_sheet(Rubric((c,)), {c.code: given[c.code]})
            except ScoreSheetError as exc:
                problems += exc.problems
    if problems:
        raise ScoreSheetError(problems)
    values = {k: str(v) for k, v in clean.items()}
    return Sheet(values, weighted_score(rubric, clean) if len(clean) == len(by_code) else None)


def holistic(rubric: Rubric, score: Any) -> dict[str, Any]:
    """The old single-number form (``{"score": 92}``), accepted only where there is no rubric."""
    if [c.code for c in rubric.criteria] != [HOLISTIC]:
        raise ScoreSheetError(
            [("本活动按评分标准逐项打分，请填写评分表", "this campaign scores by rubric: send a sheet")]
        )
    return {HOLISTIC: score}
