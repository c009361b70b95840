"""``zhengji validate FOLDER``: a unit admin's stick of entries checked at once, one report.

The folder mixes what a stick holds: an entry that passes, one that fails, a file that is not
media, a broken link and a pipe that cannot be opened, and a file named like a formula. The run
checks every one, prints one table and writes an XLSX whose cells are read back one by one."""

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from tests.integration.validator import defects
from zhengji.validate_cli import validate_app

LIAONING = "liaoning-micro-party-lesson-2023"
NOT_MEDIA_ZH = "无法识别为音视频文件，或文件已损坏：请上传剪辑软件导出的视频文件，不要只修改扩展名"


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    root = tmp_path / "U盘"
    (root / "一中").mkdir(parents=True)
    defects.conforming(root / "一中" / "合格.mp4", size="1920x1080", seconds=1)
    defects.conforming(root / "720p.mp4", size="1280x720", seconds=1)
    (root / "说明.txt").write_text("报送说明", encoding="utf-8")
    (root / "=1+1.mp4").write_text("not a video", encoding="utf-8")
    (root / "快捷方式.mp4").symlink_to(tmp_path / "gone.mp4")
    os.mkfifo(root / "pipe.mp4")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return root


def test_a_mixed_folder_gives_one_row_per_file_and_one_per_finding(stick: Path, tmp_path: Path) -> None:
    report = tmp_path / "报告.xlsx"
    done = CliRunner().invoke(
        validate_app, [str(stick), "--campaign", LIAONING, "--quick", "--report", str(report), "--jobs", "2"]
    )
    assert done.exit_code == 1, done.output  # some files need fixing; every check could run
    book = load_workbook(report)
    files = [list(row) for row in book["文件 Files"].iter_rows(values_only=True)]
    assert files == [
        ["文件 File", "结论 Verdict", "错误 Errors", "警告 Warnings", "检查项 Rules", "主要问题及改法",
         "Main finding and fix"],
        ["720p.mp4", "未通过 failed", 1, 0, "video.resolution",
         "分辨率为1280×720，要求1920×1080：导出时请将分辨率设为1920×1080",
         "The resolution is 1280×720; 1920×1080 is required: set the resolution to 1920×1080 when exporting"],
        ["=1+1.mp4", "不是可读的音视频文件 not readable audio or video", 1, 0, "file.readable", NOT_MEDIA_ZH,
         "The file is not recognisable audio or video, or it is damaged: upload the video file your editing "
         "software exports; renaming a file does not convert it"],
        ["pipe.mp4", "无法打开 cannot be opened", 0, 0, None, "不是普通文件（可能是设备或管道）",
         "This is not a regular file (perhaps a device or a pipe)"],
        ["快捷方式.mp4", "无法打开 cannot be opened", 0, 0, None,
         "文件不存在或已被移走（可能是失效的快捷方式）", "The file does not exist (perhaps a broken link)"],
        ["说明.txt", "不是可读的音视频文件 not readable audio or video", 1, 0, "file.readable", NOT_MEDIA_ZH,
         "The file is not recognisable audio or video, or it is damaged: upload the video file your editing "
         "software exports; renaming a file does not convert it"],
        ["一中/合格.mp4", "通过 passed", 0, 0, None, None, None],
    ]  # fmt: skip
    findings = [list(row) for row in book["问题 Findings"].iter_rows(values_only=True)]
    assert [row[:5] for row in findings] == [
        ["文件 File", "检查项 Rule", "级别 Level", "要求 Expected", "实测 Measured"],
        ["720p.mp4", "video.resolution", "错误 error", "1920×1080", "1280×720"],
        ["=1+1.mp4", "file.readable", "错误 error", "可读取的音视频文件", "无法读取"],
        ["说明.txt", "file.readable", "错误 error", "可读取的音视频文件", "无法读取"],
    ]
    # A file name that looks like a formula stays the text it is.
    assert book["文件 Files"]["A3"].data_type == "s" and book["问题 Findings"]["A3"].data_type == "s"
    # The terminal shows the same: one line per file and a count of each verdict.
    table = done.stdout.splitlines()
    assert [line.split()[:2] for line in table[2:8]] == [
        ["720p.mp4", "未通过"],
        ["=1+1.mp4", "不是可读的音视频文件"],
        ["pipe.mp4", "无法打开"],
        ["快捷方式.mp4", "无法打开"],
        ["说明.txt", "不是可读的音视频文件"],
        ["一中/合格.mp4", "通过"],
    ]
    assert table[-1] == "共 6 个文件 / 6 file(s): 通过 1，未通过 1，不是可读的音视频文件 2，无法打开 2"


def test_a_folder_where_everything_passes_exits_zero(tmp_path: Path) -> None:
    folder = tmp_path / "entries"
    folder.mkdir()
    for n in range(3):
        defects.conforming(folder / f"{n}.mp4", size="1920x1080", seconds=1)
    done = CliRunner().invoke(validate_app, [str(folder), "--campaign", LIAONING, "--quick"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1] == "共 3 个文件 / 3 file(s): 通过 3"
