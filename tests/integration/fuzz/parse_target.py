"""One atheris fuzz target over the validator's non-media checks, run as a child process.

``python -m tests.integration.fuzz.parse_target KIND [libFuzzer flags] CORPUS_DIR``: KIND is a
key of ``MATERIALS``. Each input is written to a file and checked as that material by
``bounded_check._check``, the function the validator's bounded child runs. The check must return
findings (a file it cannot read is the "unreadable" finding): an exception escaping it, an input
that runs past libFuzzer's ``-timeout`` or memory past the child's limit, is a crash, which
libFuzzer reports with the input (exit code not 0)."""

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import atheris

from contracts.campaign import DocumentSpec, ImageSpec, Material, QuizSpec, TextSpec, WorkKind

with atheris.instrument_imports(include=["services.validator"]):
    from services.validator.bounded_check import _check

REPORT_EVERY = 100
QUIZ_FIELDS = ["题目", "题干", "选项", "标准答案", "出题单位", "推荐单位"]
MATERIALS = {
    "quiz": Material(key="questions", label="试题", kind=WorkKind.QUIZ, quiz=QuizSpec(fields=QUIZ_FIELDS)),
    "text": Material(key="text", label="文字稿", kind=WorkKind.TEXT, text=TextSpec(max_chars=2000)),
    "document": Material(
        key="courseware", label="课件", kind=WorkKind.COURSEWARE, document=DocumentSpec(max_pages=30)
    ),
    "images": Material(
        key="photos",
        label="图片",
        kind=WorkKind.IMAGES,
        images=ImageSpec(formats=["jpeg", "png"], min_count=1, max_count=5, min_width=10, min_height=10),
    ),
}


def main() -> None:
    material = MATERIALS[sys.argv.pop(1)]
    path = Path(tempfile.mkdtemp(prefix="zhengji-fuzz-")) / "upload"
    outcomes: Counter[str] = Counter()

    def one_input(data: bytes) -> None:
        if outcomes.total() % REPORT_EVERY == 0:
            print("FUZZ_OUTCOMES " + json.dumps(outcomes), flush=True)
        path.write_bytes(data)
        try:
            findings = _check([path], material)
        except MemoryError:
            raise
        except Exception as exc:  # the child's FILE_FAULT: reported as the unreadable finding
            outcomes[f"unreadable:{type(exc).__name__}"] += 1
            return
        outcomes["unreadable" if any(".readable" in f.rule_id for f in findings) else "checked"] += 1

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
