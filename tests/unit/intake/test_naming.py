"""File names: what may not be in one, and the campaigns' naming rules (derived or checked)."""

import pytest

from contracts.campaign import Campaign
from services.intake.naming import describe, filename_problem, mode, name_problem, stored_name
from services.intake.presets import load_preset

YANBIAN_FORM = {"title": "杨靖宇将军的故事", "school": "延吉市第一小学", "name": "李老师"}


@pytest.fixture(scope="module")
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


@pytest.fixture(scope="module")
def hunan() -> Campaign:
    return load_preset("hunan-smart-edu-2022")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../etc/passwd.mp4", "路径分隔符"),
        ("a/b.mp4", "路径分隔符"),
        ("C:\\Users\\clip.mp4", "路径分隔符"),
        ("clip\x00.mp4", "控制字符"),
        ("clip\n.mp4", "控制字符"),
        ("clip\x1b[31m.mp4", "控制字符"),
        ("\u202emp4.exe", "控制字符"),
        ("clip?.mp4", "不能包含以下字符"),
        ("", "不能为空"),
        ("..", "不能为空"),
        (".mp4", "不能为空"),
        ("长" * 201 + ".mp4", "不能超过"),
    ],
)
def test_names_that_are_refused(name: str, words: str) -> None:
    problem = filename_problem(name)
    assert problem is not None and problem.status == 400
    assert words in problem.zh and problem.en


@pytest.mark.parametrize("name", ["杨靖宇将军的故事.mp4", "My Clip (final) v2.MP4", "红色故事：第一集.mov"])
def test_ordinary_names_pass(name: str) -> None:
    assert filename_problem(name) is None


def test_yanbian_derives_the_name_for_every_material(yanbian: Campaign) -> None:
    assert mode(yanbian) == "derive"
    video, courseware = yanbian.materials[0], yanbian.materials[1]
    assert (
        stored_name(yanbian, YANBIAN_FORM, video, "VID_2024.MP4")
        == "杨靖宇将军的故事—延吉市第一小学李老师.mp4"
    )
    assert (
        stored_name(yanbian, YANBIAN_FORM, courseware, "x.pptx")
        == "杨靖宇将军的故事—延吉市第一小学李老师（课件）.pptx"
    )
    assert name_problem(yanbian, YANBIAN_FORM, video, "whatever.mp4") is None
    shown = describe(yanbian, YANBIAN_FORM)
    assert shown is not None and shown["expected"] == "杨靖宇将军的故事—延吉市第一小学李老师"


def test_a_derived_name_cannot_smuggle_a_path(yanbian: Campaign) -> None:
    form = {**YANBIAN_FORM, "title": "../../红色/故事"}
    name = stored_name(yanbian, form, yanbian.materials[0], "a.mp4")
    assert "/" not in name and filename_problem(name) is None


def test_hunan_checks_that_the_file_is_named_after_its_title(hunan: Campaign) -> None:
    form = {"title": "劳动最光荣"}
    video = hunan.materials[0]
    assert mode(hunan) == "check"
    assert name_problem(hunan, form, video, "劳动最光荣.mp4") is None
    assert name_problem(hunan, form, video, " 劳动最光荣 .mp4") is None, (
        "spaces around the title do not count"
    )
    problem = name_problem(hunan, form, video, "IMG_0042.mp4")
    assert problem is not None and problem.status == 422
    assert "文件名须与资源标题一致" in problem.zh and "劳动最光荣.mp4" in problem.zh
    assert stored_name(hunan, form, video, "劳动最光荣.mp4") == "劳动最光荣.mp4"
