"""Free text is masked of phones and ID numbers; names of minors stay private."""

import pytest

from contracts import Attribution, EntryInfo
from services.intake.presets import load_preset
from services.publisher.privacy import MASK, private_names, public_attribution, public_entry, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("联系电话13904330001", "13904330001"),
        ("电话：139-0433-0001，欢迎交流", "0433-0001"),
        ("+86 13904330001", "13904330001"),
        ("身份证号222401201005120023", "222401201005120023"),
        ("身份证22240120100512002X", "22240120100512002X"),
        ("老身份证 222401100512002", "222401100512002"),
        ("学校电话0433-2512345", "2512345"),
    ],
)
def test_phones_and_id_numbers_are_masked(text: str, secret: str) -> None:
    masked = redact(text)
    assert masked is not None and MASK in masked and secret not in masked


@pytest.mark.parametrize(
    "text",
    [
        "2024年杨靖宇将军的故事",
        "第1集：抗联1938",
        "时长4分30秒，共12个镜头",
        "编号 20241215",
        "全长12345678米",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_entry_and_attribution_are_made_public() -> None:
    yanbian = load_preset("yanbian-2024")
    entry = public_entry(EntryInfo(title="红色故事", summary="作者电话13904330001，身份证222401201005120023"))
    assert entry.summary == f"作者电话{MASK}，身份证{MASK}"
    who = Attribution(unit_code="1", unit_name="延吉市第一小学", author="金英姬")
    assert yanbian.authors_public is False
    assert public_attribution(yanbian, who).author is None
    assert public_attribution(yanbian.model_copy(update={"authors_public": True}), who).author == "金英姬"


def test_a_known_private_name_is_masked_in_free_text_too() -> None:
    yanbian = load_preset("yanbian-2024")
    who = Attribution(unit_code="1", unit_name="延吉市第一小学", author="金英姬")
    names = private_names(yanbian, who)
    entry = public_entry(EntryInfo(title="金英姬讲英雄故事", summary="作者：金英姬"), names)
    assert (entry.title, entry.summary) == (f"{MASK}讲英雄故事", f"作者：{MASK}")
    assert private_names(yanbian.model_copy(update={"authors_public": True}), who) == []
