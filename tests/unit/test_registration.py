"""Checking a Yanbian registration form: every problem names its field, in Chinese first."""

import pytest

from contracts.campaign import Campaign
from services.intake.presets import load_preset
from services.intake.registration import FieldProblem, check_form, public_form
from zhengji.samples import yanbian_form as form


@pytest.fixture(scope="module")
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


def only(problems: list[FieldProblem], field: str) -> FieldProblem:
    assert [p.field for p in problems] == [field], problems
    return problems[0]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_complete_form_has_no_problems(yanbian: Campaign) -> None:
    assert check_form(yanbian, form()) == []


def test_missing_required_fields_are_each_named(yanbian: Campaign) -> None:
    data = form(title="   ")
    del data["school"]
    problems = check_form(yanbian, data)
    assert {p.field for p in problems} == {"school", "title"}
    by_field = {p.field: p for p in problems}
    assert by_field["school"].message_zh == "请填写“学校”"
    assert by_field["title"].message_zh == "请填写“作品名称”"
    assert by_field["title"].message_en == "title is required"


def test_an_empty_form_names_every_field(yanbian: Campaign) -> None:
    problems = check_form(yanbian, {})
    assert [p.field for p in problems] == [f.key for f in yanbian.form]
    assert all(p.message_zh.startswith("请填写") for p in problems)


def test_an_invalid_phone(yanbian: Campaign) -> None:
    problem = only(check_form(yanbian, form(phone="12345")), "phone")
    assert "联系电话" in problem.message_zh and "格式不正确" in problem.message_zh


@pytest.mark.parametrize("phone", ["0433-2906852", "04332906852", "13904330001", "19912345678"])
def test_landline_with_area_code_and_mobile_numbers_are_valid(yanbian: Campaign, phone: str) -> None:
    assert check_form(yanbian, form(phone=phone)) == []


@pytest.mark.parametrize("phone", ["12904330001", "1390433000", "139043300011", "0433-29068", "电话"])
def test_malformed_phone_numbers_are_refused(yanbian: Campaign, phone: str) -> None:
    assert only(check_form(yanbian, form(phone=phone)), "phone")


def test_a_choice_outside_the_list(yanbian: Campaign) -> None:
    problem = only(check_form(yanbian, form(category="山水")), "category")
    assert "作品类别" in problem.message_zh
    assert all(choice in problem.message_zh for choice in ["革命遗址", "历史文物", "英雄故事"])


def test_a_title_over_60_characters(yanbian: Campaign) -> None:
    assert check_form(yanbian, form(title="红" * 60)) == []
    problem = only(check_form(yanbian, form(title="红" * 61)), "title")
    assert problem.message_zh == "“作品名称”不能超过60字"


def test_an_unknown_field(yanbian: Campaign) -> None:
    problem = only(check_form(yanbian, form(wechat="jin_teacher")), "wechat")
    assert "未知字段" in problem.message_zh and "wechat" in problem.message_zh


def test_every_problem_has_a_chinese_and_an_english_message(yanbian: Campaign) -> None:
    data = form(phone="12345", category="山水", title="红" * 61, gender="未知", extra="x")
    del data["school"]
    problems = check_form(yanbian, data)
    assert {p.field for p in problems} == {"phone", "category", "title", "gender", "extra", "school"}
    for p in problems:
        assert has_chinese(p.message_zh), p
        assert p.field in p.message_en, p  # the English names the field key


def test_public_form_drops_name_and_phone(yanbian: Campaign) -> None:
    entered = form(name="金英姬", title="杨靖宇将军的故事")
    public = public_form(yanbian, entered)
    assert "name" not in public and "phone" not in public
    assert "金英姬" not in public.values() and entered["phone"] not in public.values()
    assert public["title"] == "杨靖宇将军的故事"
    assert set(public) == set(form()) - {"name", "phone"}
