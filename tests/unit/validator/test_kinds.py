"""Image sets, texts, and which material a file is checked as (Shanxi's series, Yanbian's courseware)."""

import io
import zipfile
from pathlib import Path

import pytest

from contracts.campaign import ImageSpec, Material, TextSpec, WorkKind
from contracts.events import Severity
from services.intake.presets import load_preset
from services.validator.images import check_images
from services.validator.kinds import check_material, subject_of
from services.validator.material_choice import guess_material
from services.validator.selfcheck import NoSuchMaterial, choose_material
from services.validator.text import count_chars
from tests.unit.validator import handmade

PHOTOS = Material(
    key="photos",
    label="图片",
    kind=WorkKind.IMAGES,
    images=ImageSpec(formats=["jpeg", "png"], min_count=3, max_count=5, min_width=100, min_height=100),
)
REPORT = Material(key="text", label="文字稿", kind=WorkKind.TEXT, text=TextSpec(max_chars=2000))


def zipped(tmp_path: Path, files: dict[str, bytes]) -> Path:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    path = tmp_path / "set.zip"
    path.write_bytes(out.getvalue())
    return path


def ids(path: Path, material: Material) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in check_material(path, material)]


def test_a_good_image_set_in_a_zip_ignores_system_clutter(tmp_path: Path) -> None:
    files = {f"{n}.jpg": handmade.jpeg(1920, 1080) for n in range(3)}
    files |= {"__MACOSX/._0.jpg": b"junk", ".DS_Store": b"junk"}
    assert ids(zipped(tmp_path, files), PHOTOS) == []


def test_image_set_problems_are_each_named(tmp_path: Path) -> None:
    files = {
        "a.jpg": handmade.jpeg(1920, 1080),
        "small.png": handmade.png(40, 30),
        "notes.txt": "说明".encode(),
        "cut.png": handmade.png(200, 200)[:-20],
        "b.gif": b"GIF89a" + (300).to_bytes(2, "little") + (300).to_bytes(2, "little") + b"\x00" * 20 + b";",
    }
    found = check_material(zipped(tmp_path, files), PHOTOS)
    assert [(f.rule_id, f.measured) for f in found] == [
        ("images.format", "1个非图片文件"),  # notes.txt
        ("images.format", "1张格式不符"),  # the GIF
        ("images.readable", "1张损坏"),
        ("images.resolution", "1张尺寸不足"),
    ]
    assert found[2].message_zh == "图片：以下图片不完整或已损坏：cut.png：请重新导出后上传"
    assert "small.png（40×30）" in found[3].message_zh


def test_too_few_pictures(tmp_path: Path) -> None:
    [finding] = check_material(zipped(tmp_path, {"a.png": handmade.png(200, 200)}), PHOTOS)
    assert (finding.rule_id, finding.measured, finding.expected) == ("images.count", "1张", "3–5张")


def test_a_folder_of_pictures_and_a_single_picture(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(4):
        (folder / f"{n}.png").write_bytes(handmade.png(120, 120))
    assert ids(folder, PHOTOS) == []
    one = tmp_path / "one.png"
    one.write_bytes(handmade.png(120, 120))
    assert ids(one, PHOTOS) == [("images.count", Severity.ERROR)]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_characters_are_counted_without_spaces() -> None:
    assert count_chars("脱贫 攻坚，\n第一线 report!") == len("脱贫攻坚，第一线report!")


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "utf-16"])
def test_text_over_2000_characters_fails_in_any_common_encoding(codec: str, tmp_path: Path) -> None:
    path = write(tmp_path, "report.txt", ("驻村第一书记的报告。" * 201).encode(codec))
    [finding] = check_material(path, REPORT)
    assert (finding.rule_id, finding.measured, finding.expected) == ("text.length", "2010 字", "≤ 2000 字")
    assert "请删减10字以上" in finding.message_zh


def test_text_within_the_limit_and_a_word_document(tmp_path: Path) -> None:
    assert ids(write(tmp_path, "ok.txt", ("报告" * 900).encode()), REPORT) == []
    doc = write(tmp_path, "report.docx", handmade.docx(["第一段&amp;内容", "第二段"]))
    assert ids(doc, REPORT) == []


def test_text_that_is_no_text(tmp_path: Path) -> None:
    assert ids(write(tmp_path, "e.txt", b""), REPORT) == [("text.readable", Severity.ERROR)]
    assert ids(write(tmp_path, "s.txt", b"   \n "), REPORT) == [("text.readable", Severity.ERROR)]


def test_shanxi_files_are_checked_as_their_series_work() -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    quiz = choose_material(shanxi, "quiz", None)
    assert quiz is not None and quiz.kind is WorkKind.QUIZ
    text = choose_material(shanxi, "poverty_report", None)
    assert text is not None and text.text is not None and text.text.max_chars == 2000
    video = choose_material(shanxi, "poverty_report", "video")
    assert video is not None and video.video is not None
    with pytest.raises(NoSuchMaterial, match="--series"):
        choose_material(shanxi, None, None)
    with pytest.raises(NoSuchMaterial, match="quiz（强国问答）"):
        choose_material(shanxi, "nope", None)


def test_yanbian_courseware_and_form_are_materials_of_their_own() -> None:
    yanbian = load_preset("yanbian-2024")
    primary = choose_material(yanbian, None, None)
    assert primary is not None and primary.key == "video"
    courseware = choose_material(yanbian, None, "courseware")
    assert courseware is not None and courseware.kind is WorkKind.COURSEWARE
    with pytest.raises(NoSuchMaterial, match="registration_form"):
        choose_material(yanbian, None, "slides")


def test_the_series_of_a_shanxi_upload_is_inferred_from_its_kind_and_files() -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    quiz = guess_material(shanxi, "text/csv", set())
    assert quiz is not None and quiz.quiz is not None and quiz.key == "questions"
    audio = guess_material(shanxi, "audio/mpeg", set())
    assert audio is not None and audio.kind is WorkKind.AUDIO
    # Five series take a video, with limits of 5, 15 or 30 minutes: only the kind is kept.
    video = guess_material(shanxi, "video/mp4", set())
    assert video is not None and video.kind is WorkKind.VIDEO and video.video is None
    yanbian = load_preset("yanbian-2024")
    assert guess_material(yanbian, "video/mp4", {"courseware"}) == yanbian.primary_material()


def test_a_set_uploaded_picture_by_picture_is_counted_as_one_set(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"{n}.png", handmade.png(120, 120)) for n in range(2)]
    [finding] = check_images(paths, PHOTOS.images, subject_of(PHOTOS))
    assert (finding.rule_id, finding.measured) == ("images.count", "2张")


def test_a_pdf_text_is_opened_but_not_counted(tmp_path: Path) -> None:
    [note] = check_material(write(tmp_path, "report.pdf", handmade.pdf(2)), REPORT)
    assert (note.rule_id, note.severity, note.measured) == ("text.length", Severity.INFO, "未统计")
    cut = handmade.pdf(2)
    [broken] = check_material(write(tmp_path, "cut.pdf", cut[: len(cut) - 30]), REPORT)
    assert (broken.rule_id, broken.severity) == ("text.readable", Severity.ERROR)
