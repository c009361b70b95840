"""The on-screen text pass's pure parts: matching OCR text, choosing frames, slate and contact rules."""

import subprocess
import sys
from pathlib import Path

import pytest

from contracts.campaign import ScreenTextSpec
from services.intake.presets import load_preset
from services.validator.screen_frames import Sample, choose, distinct, ocr_chain, ocr_plan, read_times
from services.validator.screen_ocr import FrameText, TextLine
from services.validator.screen_text_match import contacts_in, shows
from services.validator.screen_text_rules import (
    MAX_SHOWN_CHARS,
    ShownField,
    contact_findings,
    find_slate,
    shown_fields,
    slate_field_findings,
    slate_length_finding,
)

ROOT = Path(__file__).resolve().parents[3]


def line(text: str, height: int = 20, score: float = 0.95) -> TextLine:
    return TextLine(text, score, height)


@pytest.mark.parametrize(
    ("value", "text", "shown"),
    [
        ("杨靖宇将军的故事", "《杨靖宇将军的故事》", True),
        ("杨靖宇将军的故事", "杨靖宇将军的故亊", True),  # one character misread
        ("延吉市第一小学", "延吉市 第一小学  李明", True),
        ("李明", "延吉市第一小学李朋", False),  # a two-character name must be exact
        ("党支部书记", "党支部副书记", True),
        ("Ｗｅｂ课程", "web课程", True),  # full-width letters
    ],
)
def test_form_values_are_found_despite_spacing_punctuation_and_one_misread(
    value: str, text: str, shown: bool
) -> None:
    assert shows(value, text) is shown


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("咨询电话 13800138000", "phone", "13800138000"),
        ("热线：138-0013-8000", "phone", "138-0013-8000"),
        ("电话 0433-2345678", "phone", "0433-2345678"),
        ("客服 400-123-4567", "phone", "400-123-4567"),
        ("访问 www.hongse-jiyi.com 了解更多", "url", "www.hongse-jiyi.com"),
        ("https://example.cn/a?b=1", "url", "https://example.cn/a?b=1"),
        ("邮箱 teacher_li@163.com", "email", "teacher_li@163.com"),
        ("微信号：hongse_2024", "wechat", "hongse_2024"),
        ("加QQ群 123456789", "qq", "123456789"),
    ],
)
def test_contact_details_are_recognised(text: str, kind: str, value: str) -> None:
    assert [(c.kind, c.value) for c in contacts_in(text, [])] == [(kind, value)]


@pytest.mark.parametrize(
    "text", ["第3课 认识数字", "2024年6月12日 共12页", "2024-06-12", "第1380013期", "3.14"]
)
def test_other_numbers_are_not_contact_details(text: str) -> None:
    assert contacts_in(text, []) == []


def test_the_campaign_allow_list_lets_its_own_address_show() -> None:
    assert contacts_in("国家中小学智慧教育平台 basic.smartedu.cn", ["smartedu.cn"]) == []


def test_each_slot_keeps_its_largest_change_and_the_slate_keeps_all_its_frames() -> None:
    plan = ocr_plan(1920, 1080, 3, frames_per_minute=2, whole=True)  # slots of 30 s
    assert (plan.width, plan.height) == (960, 540)
    times = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (10.0, 0.2), (20.0, 0.9), (25.0, 0.5), (40.0, 0.01)]
    times += [(70.0, 0.01), (75.0, 0.02)]
    chosen = choose([bytes([i]) for i in range(len(times))], times, plan)
    assert [s.t for s in chosen] == [0.0, 1.0, 2.0, 20.0, 40.0, 75.0]


def test_frame_times_come_from_the_metadata_filter(tmp_path: Path) -> None:
    printed = tmp_path / "times.txt"
    printed.write_text(
        "frame:0    pts:0       pts_time:0\nlavfi.scene_score=0.000000\n"
        "frame:1    pts:12800   pts_time:1\nlavfi.scene_score=0.012000\n",
        encoding="utf-8",
    )
    assert read_times(printed) == [(0.0, 0.0), (1.0, 0.012)]
    assert read_times(tmp_path / "missing.txt") == []


def test_a_slate_only_plan_reads_the_slate_window_and_nothing_after() -> None:
    slate_only = ocr_chain(ocr_plan(1920, 1080, 8, 6, whole=False), "/t/times")
    assert slate_only.startswith("trim=end=8,select=") and slate_only.endswith("[ocr]")
    assert "trim" not in ocr_chain(ocr_plan(1920, 1080, 8, 6, whole=True), "/t/times")


SLATE_LINES = [line("杨靖宇将军的故事", 40), line("延吉市第一小学 李明", 26)]
FIELDS = [
    ShownField(key="title", label="作品名称", value="杨靖宇将军的故事"),
    ShownField(key="name", label="姓名", value="李明"),
]


def test_the_slate_ends_at_the_first_cut_after_its_last_sample() -> None:
    readings = [FrameText(float(t), SLATE_LINES) for t in range(7)] + [FrameText(7.0, [])]
    slate = find_slate(readings, 8, 0.0, cuts=[6.64])
    assert slate is not None and slate.end_s == 6.64 and not slate.open_ended
    too_long = slate_length_finding(slate, 5, "warning")
    assert too_long is not None and too_long.rule_id == "video.intro_slate" and too_long.measured == "约6.6秒"
    assert (
        slate_length_finding(find_slate([*readings[:5], FrameText(5.0, [])], 8, 0.0, [4.5]), 5, "x") is None
    )


def test_missing_field_and_another_title_are_named() -> None:
    spec = ScreenTextSpec(slate_fields=["title", "name"])
    slate = find_slate([FrameText(0.0, [line("杨靖宇将军的故事", 40)]), FrameText(1.0, [])], 8, 0.0, [])
    [missing] = slate_field_findings(slate, FIELDS, spec)
    assert missing.rule_id == "video.slate_field" and "片头未显示姓名「李明」" in missing.message_zh
    other = find_slate([FrameText(0.0, [line("长白山的红色记忆", 40), line("李明", 26)])], 8, 0.0, [])
    [title] = slate_field_findings(other, FIELDS, spec)
    assert title.rule_id == "video.slate_title" and "长白山的红色记忆" in title.measured
    assert len(slate_field_findings(None, FIELDS, spec)) == 2  # no text at the start: nothing shown


def test_a_contact_seen_in_consecutive_samples_is_one_stretch() -> None:
    phone = [line("咨询电话 13800138000")]
    readings = [FrameText(0.0, []), FrameText(3.0, phone), FrameText(4.0, phone), FrameText(6.0, [])]
    [found] = contact_findings(readings, ScreenTextSpec(no_contact_details=True), 20.0)
    assert found.time_range is not None and (found.time_range.start_s, found.time_range.end_s) == (3.0, 6.0)
    assert found.severity.value == "warning" and "13800138000" in found.measured


def test_the_validator_and_the_cli_start_without_the_ocr_runtime() -> None:
    code = (
        "import sys, services.validator.app, zhengji.cli; "
        "print(sorted(m for m in ('onnxruntime', 'rapidocr_onnxruntime', 'cv2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_intake_sends_only_the_values_the_slate_must_show() -> None:
    form = {"name": "李明", "phone": "13800138000", "school": "延吉市第一小学", "title": "杨靖宇将军的故事"}
    values = ScreenTextSpec.values_for(load_preset("yanbian-2024"), form)
    assert values == {"title": "杨靖宇将军的故事", "name": "李明", "school": "延吉市第一小学"}
    assert ScreenTextSpec.values_for(load_preset("hunan-smart-edu-2022"), form) == {}


def test_a_held_picture_is_read_once_and_a_caption_on_it_again() -> None:
    width, height = 960, 540
    still = bytes(range(256)) * (width * height // 256)
    noisy = bytes(min(255, b + 3) for b in still)  # encoder noise on a held picture
    caption = bytearray(still)
    for row in range(460, 480):  # a 20-line caption across 40 % of the width
        caption[row * width + 100 : row * width + 484] = bytes(384)
    samples = [Sample(0.0, 0, still), Sample(1.0, 0, noisy), Sample(2.0, 0, bytes(caption))]
    read, index = distinct(samples)
    assert [s.t for s in read] == [0.0, 2.0] and index == [0, 0, 1]


def test_an_entrant_value_of_any_length_is_matched_and_named_by_its_start() -> None:
    campaign = load_preset("yanbian-2024")
    [title] = shown_fields(campaign, campaign.video_spec(), {"title": "长" * 100_000})
    assert title.value == "长" * MAX_SHOWN_CHARS
    assert not shows("长" * 100_000, "长白山的红色记忆")  # too long to be in the text at all
