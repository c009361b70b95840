"""Each preset's rules on real files: the verdict, the findings and the measured values a teacher sees."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contracts.events import Severity
from services.intake.presets import load_preset
from services.validator.selfcheck import SelfCheckResult, choose_material, exit_code, self_check
from tests.integration.validator import defects
from zhengji.cli import app


def rules(result: SelfCheckResult) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in result.findings]


def as_yanbian_export(path: Path) -> Path:
    """Re-encoded as the notice asks (8 Mbps CBR, index at the front), so only the defect remains."""
    out = path.with_name(path.stem + "-8M.mp4")
    cbr = ["-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "2M", "-x264-params", "nal-hrd=cbr"]
    defects.ffmpeg(
        "-i", str(path), *defects.ENCODE, *cbr, "-c:a", "copy", "-movflags", "+faststart", str(out)
    )
    return out


async def test_yanbian_full_hd_file_gets_the_quality_pass(tmp_path: Path) -> None:
    path = as_yanbian_export(defects.flashing(tmp_path / "flash.mp4", size="1920x1080", seconds=4))
    result = await self_check(path, load_preset("yanbian-2024"), None)
    assert result.quality is not None and result.quality.video_frames == 100
    flashes = [f for f in result.findings if f.rule_id == "video.flashes"]
    assert [(f.severity, f.confidence) for f in flashes] == [(Severity.WARNING, 0.7)]
    assert result.passed and exit_code(result) == 0  # a heuristic warns; Yanbian does not make it an error


async def test_yanbian_sound_shorter_than_the_picture_fails(tmp_path: Path) -> None:
    path = as_yanbian_export(defects.short_audio(tmp_path / "short.mp4", size="1920x1080", seconds=4))
    result = await self_check(path, load_preset("yanbian-2024"), None)
    assert ("av.sync", Severity.ERROR) in rules(result) and not result.passed


async def test_yanbian_file_failing_a_header_rule_is_not_decoded(tmp_path: Path) -> None:
    result = await self_check(defects.flashing(tmp_path / "small.mp4"), load_preset("yanbian-2024"), None)
    assert ("video.resolution", Severity.ERROR) in rules(result)
    assert result.quality is None and "video.flashes" not in {f.rule_id for f in result.findings}


async def test_hunan_qr_code_fails_and_a_clean_file_passes(tmp_path: Path) -> None:
    hunan = load_preset("hunan-smart-edu-2022")
    image = defects.qr_image(tmp_path / "qr.pgm", "weixin://contacts/profile/abc", pixels=70)
    result = await self_check(defects.qr_code(tmp_path / "qr.mp4", image), hunan, None)
    assert rules(result) == [("video.qr_code", Severity.ERROR)]
    assert "weixin://contacts/profile/abc" in result.findings[0].message_zh
    clean = await self_check(defects.conforming(tmp_path / "clean.mp4"), hunan, None)
    assert clean.findings == [] and clean.passed


async def test_liaoning_states_no_quality_rule_so_nothing_is_decoded(tmp_path: Path) -> None:
    result = await self_check(
        defects.conforming(tmp_path / "720p.mp4", size="1280x720"),
        load_preset("liaoning-micro-party-lesson-2023"),
        None,
    )
    assert rules(result) == [("video.resolution", Severity.ERROR)] and result.quality is None


async def test_ganzhou_checks_readability_only(tmp_path: Path) -> None:
    ganzhou = load_preset("ganzhou-party-courseware")
    assert (await self_check(defects.conforming(tmp_path / "ok.mp4"), ganzhou, None)).findings == []
    text = tmp_path / "not.mp4"
    text.write_text("不是视频", encoding="utf-8")
    assert rules(await self_check(text, ganzhou, None)) == [("file.readable", Severity.ERROR)]


@pytest.mark.slow
async def test_shanxi_anthem_series_limits_videos_to_five_minutes(tmp_path: Path) -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    path = defects.long_file(tmp_path / "anthem.mp4", minutes=6)
    result = await self_check(path, shanxi, None, material=choose_material(shanxi, "anthem", None))
    [finding] = result.findings
    assert (finding.rule_id, finding.expected) == ("video.duration", "≤ 5分钟")


async def test_shanxi_text_over_2000_characters(tmp_path: Path) -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    path = tmp_path / "报告.txt"
    path.write_text("我们村的脱贫故事。" * 250, encoding="utf-8")
    result = await self_check(path, shanxi, None, material=choose_material(shanxi, "poverty_report", None))
    assert rules(result) == [("text.length", Severity.ERROR)] and result.probe is None


QUIZ_CSV = (
    "题目,题干,选项,标准答案,出题单位,推荐单位\n"
    "党史1,中共一大在哪里召开？,A.上海 B.北京,A,朔州市委宣传部,朔州市委宣传部\n"
    "党史2,遵义会议在哪一年召开？,A.1934年 B.1935年,B,朔城区委宣传部,朔州市委宣传部\n"
)


def test_cli_checks_a_shanxi_quiz_with_the_same_findings_as_the_service(tmp_path: Path) -> None:
    good = tmp_path / "quiz.csv"
    good.write_text(QUIZ_CSV, encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(good), "--campaign", "shanxi-xuexi-2019", "--series", "quiz"])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.csv"
    bad.write_text(QUIZ_CSV.replace(",B,朔城区", ",AB,朔城区"), encoding="utf-8")
    failed = runner.invoke(
        app, ["validate", str(bad), "--campaign", "shanxi-xuexi-2019", "--series", "quiz", "--json"]
    )
    assert failed.exit_code == 1
    report = json.loads(failed.output)
    assert [f["rule_id"] for f in report["findings"]] == ["quiz.answer", "quiz.questions"]  # + the count


def test_cli_without_a_series_for_shanxi_cannot_run(tmp_path: Path) -> None:
    path = tmp_path / "quiz.csv"
    path.write_text(QUIZ_CSV, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path), "--campaign", "shanxi-xuexi-2019"])
    assert result.exit_code == 2 and "--series" in result.output


def test_cli_prints_quality_findings_with_time_and_confidence(tmp_path: Path) -> None:
    path = as_yanbian_export(defects.slate(tmp_path / "slate.mp4", size="1920x1080", slate_s=7, rest_s=1))
    runner = CliRunner()
    text = runner.invoke(app, ["validate", str(path), "--campaign", "yanbian-2024"])
    assert text.exit_code == 0, text.output
    assert "片头（开头的静止画面）约7.0秒，要求不超过5秒" in text.output and "把握约80%" in text.output
    as_json = json.loads(
        runner.invoke(app, ["validate", str(path), "--campaign", "yanbian-2024", "--json"]).output
    )
    slate = next(f for f in as_json["findings"] if f["rule_id"] == "video.intro_slate")
    assert slate["time_range"] == {"start_s": 0.0, "end_s": 7.0} and slate["confidence"] == 0.8
    quick = runner.invoke(app, ["validate", str(path), "--campaign", "yanbian-2024", "--quick", "--json"])
    assert json.loads(quick.output)["quality"] is None
