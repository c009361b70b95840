"""Byte-level fuzzing (atheris, coverage-guided) of the validator's non-media checks, for a bounded
time: each parse ends in findings (the "unreadable" one included), never an exception the bounded
child could not report, a hang or a memory blow-up (``parse_target.py`` says what counts).

Each kind starts from valid files made here (XLSX, CSV, DOCX, PPTX, PDF, OLE2, PNG, JPEG, a ZIP of
pictures) and runs ``fuzzing.FUZZ_SECONDS``, under the validator's own limits for a material check: a child
process with its address-space limit (``bounded_check.ADDRESS_SPACE_LIMIT``) and a wall clock."""

import io
import zipfile
from pathlib import Path

import pytest

from tests.integration.fuzz.fuzzing import fuzzed
from tests.unit.validator import handmade
from tests.unit.validator.test_quiz import FIELDS, GOOD


def _csv(rows: list[list[str]], codec: str) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode(codec)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


def seeds(kind: str) -> dict[str, bytes]:
    """Valid files of each format the kind takes: where the fuzzer starts mutating."""
    flat = [[cell.replace("\n", " ") for cell in row] for row in GOOD]
    return {
        "quiz": {
            "questions.xlsx": handmade.xlsx([FIELDS, *GOOD]),
            "questions.csv": _csv([FIELDS, *flat], "utf-8-sig"),
            "questions-gbk.csv": _csv([FIELDS, *flat], "gb18030"),
        },
        "text": {
            "essay.docx": handmade.docx(["红色故事", "我们的家乡在延边。"]),
            "essay.txt": "红色故事\n我们的家乡在延边。\n".encode(),
            "essay-gbk.txt": "红色故事\n我们的家乡在延边。\n".encode("gb18030"),
        },
        "document": {
            "slides.pdf": handmade.pdf(3),
            "slides-objstm.pdf": handmade.pdf(3, compressed=True),
            "slides.pptx": handmade.office("pptx", slides=3),
            "form.docx": handmade.office("docx"),
            "slides.ppt": handmade.ole(),
            "scan.png": handmade.png(32, 32),
            "scan.jpg": handmade.jpeg(640, 480),
        },
        "images": {
            "set.zip": _zip({"1.jpg": handmade.jpeg(640, 480), "2.png": handmade.png(16, 16)}),
            "one.png": handmade.png(16, 16),
            "one.jpg": handmade.jpeg(640, 480),
        },
    }[kind]


@pytest.mark.parametrize("kind", ["quiz", "text", "document", "images"])
async def test_every_mutated_file_ends_in_findings_within_bounds(kind: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, data in seeds(kind).items():
        (corpus / name).write_bytes(data)
    outcomes = await fuzzed(["tests.integration.fuzz.parse_target", kind], corpus, tmp_path)
    # The harness really parsed: the seeds (and what grew from them) were checked as content.
    assert outcomes.get("checked", 0) > 0, outcomes
