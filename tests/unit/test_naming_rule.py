"""One naming rule: intake (before the upload) and the validator (the self-check) agree on a name."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.campaign import Campaign
from services.intake.naming import name_problem
from services.intake.presets import load_preset
from services.validator.naming import check_name

LABELS = {"title": "作品名称", "school": "学校", "name": "姓名"}


@pytest.fixture(scope="module")
def hunan() -> Campaign:
    return load_preset("hunan-smart-edu-2022")


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("教师1", "教师１"),  # a full-width digit from the IME's full-width mode
        ("Ｃｌａｓｓ Ａ", "Class A"),  # full-width letters in the form, ASCII in the file name
        ("红色故事（上）", "红色故事(上)"),  # full-width brackets against ASCII ones
    ],
)
def test_a_name_that_reads_the_same_passes_both_checks(hunan: Campaign, typed: str, saved: str) -> None:
    assert (
        check_name(Path(f"{saved}—一小{saved}.mp4"), "{title}—{school}{name}", (saved, "一小", typed), LABELS)
        is None
    )
    assert (
        check_name(Path(f"{typed}—一小{saved}.mp4"), "{title}—{school}{name}", (saved, "一小", typed), LABELS)
        is None
    )
    assert name_problem(hunan, {"title": typed}, hunan.materials[0], f"{saved}.mp4") is None


def test_a_different_name_is_refused_by_both(hunan: Campaign) -> None:
    finding = check_name(Path("劳动最光荣2.mp4"), "{title}", ("劳动最光荣1", "", ""), LABELS)
    assert finding is not None and finding.expected == "劳动最光荣1.mp4"
    problem = name_problem(hunan, {"title": "劳动最光荣1"}, hunan.materials[0], "劳动最光荣2.mp4")
    assert problem is not None and problem.status == 422


def test_characters_no_file_may_hold_are_replaced_alike(hunan: Campaign) -> None:
    title = "红色故事：第一集/下"  # the full-width colon folds to ":", which Windows cannot save
    assert check_name(Path("红色故事_第一集_下.mp4"), "{title}", (title, "", ""), LABELS) is None
    assert name_problem(hunan, {"title": title}, hunan.materials[0], "红色故事_第一集_下.mp4") is None


@pytest.mark.parametrize("rule", ["{0}—{1}", "{title", "{title:>8}", "{form.title}"])
def test_a_rule_that_is_not_made_of_form_fields_is_refused_with_the_campaign(rule: str) -> None:
    spec = {**load_preset("yanbian-2024").model_dump(), "naming_rule": rule}
    with pytest.raises(ValidationError, match="命名规则"):
        Campaign.model_validate(spec)
