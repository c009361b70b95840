"""What is checked before an upload starts: window (Asia/Shanghai), state, size, type, materials."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts.campaign import Campaign, Window
from services.common.errors import ServiceError
from services.intake.materials import find_material, materials_of, media_type_for, size_limit, type_problem
from services.intake.presets import load_preset
from services.intake.upload_rules import check_upload
from services.intake.window import registration_refusal, upload_refusal

WINDOW = Window(starts=date(2024, 3, 1), ends=date(2024, 11, 20))
MAX = 4 * 1024**3


@pytest.fixture(scope="module")
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


@pytest.fixture(scope="module")
def windowed(yanbian: Campaign) -> Campaign:
    return yanbian.model_copy(update={"upload_window": WINDOW})


def sub(stage: str = "registered", approval: str = "pending") -> dict[str, Any]:
    return {
        "stage": stage,
        "approval": {"state": approval},
        "form": {"title": "t", "school": "s", "name": "n"},
    }


def test_the_window_is_closed_after_its_last_day_in_beijing_time(windowed: Campaign) -> None:
    last_evening = datetime(2024, 11, 20, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    assert upload_refusal(windowed, last_evening) is None
    next_morning = datetime(2024, 11, 20, 16, 1, tzinfo=UTC)  # 00:01 on the 21st in Shanghai
    refusal = upload_refusal(windowed, next_morning)
    assert refusal is not None and refusal.status == 403
    assert refusal.zh == "上传已截止：上传时间为2024年3月1日至2024年11月20日（北京时间）"
    assert "2024-11-20" in refusal.en


def test_before_the_window_says_when_it_opens(windowed: Campaign) -> None:
    refusal = upload_refusal(windowed, datetime(2024, 2, 28, 12, tzinfo=UTC))
    assert refusal is not None and refusal.zh.startswith("上传尚未开始") and "2024年3月1日" in refusal.zh
    assert registration_refusal(windowed, datetime(2024, 2, 28, 12, tzinfo=UTC)) is None, (
        "one may register early"
    )
    late = registration_refusal(windowed, datetime(2024, 12, 1, tzinfo=UTC))
    assert late is not None and late.zh.startswith("报名已截止")


def test_a_declared_size_over_the_material_limit_is_413_in_chinese(yanbian: Campaign) -> None:
    video = yanbian.materials[0]
    assert size_limit(video) == 500 * 1024 * 1024
    inside = datetime(2024, 6, 1, tzinfo=UTC)
    with pytest.raises(ServiceError) as caught:
        check_upload(yanbian, sub(), video, "a.mp4", "video/mp4", 600 * 1024 * 1024, MAX, inside)
    assert caught.value.status == 413 and "500 MB" in caught.value.zh and "超过" in caught.value.zh


@pytest.mark.parametrize(
    ("key", "name", "media_type", "ok"),
    [
        ("video", "a.mp4", "video/mp4", True),
        ("video", "a.mp4", "application/octet-stream", True),
        ("video", "a.MOV", "", True),
        ("video", "a.mp4", "text/html", False),
        ("video", "a.exe", "application/octet-stream", False),
        ("video", "a.png", "image/png", False),
        ("courseware", "课件.pptx", "", True),
        ("courseware", "课件.pdf", "application/pdf", True),
        ("courseware", "课件.docx", "", False),
        ("registration_form", "报名表.jpg", "image/jpeg", True),
        ("registration_form", "报名表.gif", "image/gif", False),
    ],
)
def test_file_types_by_material(yanbian: Campaign, key: str, name: str, media_type: str, ok: bool) -> None:
    problem = type_problem(find_material(yanbian, {}, key), name, media_type)
    assert (problem is None) == ok
    if problem is not None:
        assert problem.status == 415 and "须为" in problem.zh


def test_a_new_version_only_from_the_stages_that_allow_it(yanbian: Campaign) -> None:
    inside = datetime(2024, 6, 1, tzinfo=UTC)
    video, form = yanbian.materials[0], yanbian.materials[2]
    for stage in ("registered", "failed_validation", "transcode_failed", "awaiting_approval", "returned"):
        check_upload(yanbian, sub(stage), video, "a.mp4", "video/mp4", 10, MAX, inside)
    with pytest.raises(ServiceError) as caught:
        check_upload(yanbian, sub("validating"), video, "a.mp4", "video/mp4", 10, MAX, inside)
    assert caught.value.status == 409 and "处理中" in caught.value.zh
    # other materials may still change while the work is being checked, but not once approved
    check_upload(yanbian, sub("validating"), form, "f.pdf", "application/pdf", 10, MAX, inside)
    with pytest.raises(ServiceError) as caught:
        check_upload(yanbian, sub("in_review", "approved"), form, "f.pdf", "", 10, MAX, inside)
    assert caught.value.status == 409 and "审核" in caught.value.zh


def test_the_window_is_checked_first(yanbian: Campaign) -> None:
    with pytest.raises(ServiceError) as caught:
        check_upload(
            yanbian,
            sub(),
            yanbian.materials[0],
            "a/b",
            "text/html",
            10**12,
            MAX,
            datetime(2025, 1, 1, tzinfo=UTC),
        )
    assert caught.value.status == 403


def test_shanxi_materials_come_from_the_chosen_series() -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    text = materials_of(shanxi, {"series": "来自脱贫攻坚一线的报告"})
    assert [m.key for m in text][:2] == ["text", "photos"]
    with pytest.raises(ServiceError) as caught:
        find_material(shanxi, {"series": "优质慕课"}, "photos")
    assert caught.value.status == 422 and "video" in caught.value.zh


@pytest.mark.parametrize(
    ("name", "declared", "recorded"),
    [
        ("塞上百灵.m4a", "", "audio/mp4"),  # browsers often send nothing: the extension decides
        ("歌声.mp3", "application/octet-stream", "audio/mpeg"),
        ("简介.txt", "", "text/plain"),
        ("作品.mp4", "video/mp4", "video/mp4"),
        ("无扩展名", "", "application/octet-stream"),
    ],
)
def test_the_recorded_media_type_follows_the_extension_when_none_is_declared(
    name: str, declared: str, recorded: str
) -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    audio = find_material(shanxi, {"series": "bailing"}, "audio")
    assert media_type_for(audio, name, declared) == recorded
