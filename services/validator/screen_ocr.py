"""OCR of the chosen frames, in a child process with a deadline and hard limits.

rapidocr-onnxruntime (PP-OCRv4 Chinese detection and recognition, ONNX models inside the wheel:
nothing is fetched at run time) runs in ``python -m services.validator.screen_ocr`` through the
media tools' runner (``services.media.process.run``): its own process group killed at the
deadline, RLIMIT_AS and RLIMIT_CPU, PDEATHSIG, like the parsers of ``bounded_check``. So one
pathological frame or a wedged ONNX runtime costs at most the deadline, and the validator and
``zhengji validate`` never import onnxruntime themselves (it is imported only when a campaign asks
for the text pass, and only in the child).

The parent writes the frames, one after another, to a file (grey, ``width`` x ``height``); the
child prints one list of lines per frame as JSON.
"""

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.media.process import ToolMissing, ToolTimedOut, run
from services.validator.screen_frames import OcrPlan, Sample

STARTUP_S = 60.0  # interpreter, onnxruntime and two models: ~1 s idle, far more on a busy node
PER_FRAME_S = 5.0  # 0.2 s measured on 2 idle cores; the frames are capped, so this stays bounded
ADDRESS_SPACE_LIMIT = 6 * 1024**3  # onnxruntime reserves much more address space than it uses
MIN_SCORE = 0.5


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float
    height: int  # pixels in the OCR frame: the slate's title is its tallest line


@dataclass(frozen=True)
class FrameText:
    t: float
    lines: list[TextLine]


class OcrUnavailable(Exception):
    """The OCR child could not run or did not finish: the text pass reports itself incomplete."""


def ocr_timeout_s(frames: int) -> float:
    return STARTUP_S + PER_FRAME_S * frames


async def read_text(samples: list[Sample], plan: OcrPlan, folder: Path, threads: int) -> list[FrameText]:
    """The text on each sample, in the samples' order; raises OcrUnavailable."""
    if not samples:
        return []
    frames = folder / "ocr-frames.gray"
    with frames.open("wb") as out:
        for s in samples:
            out.write(s.frame)
    argv = [sys.executable, "-m", "services.validator.screen_ocr", str(frames)]
    argv += [str(plan.width), str(plan.height), str(max(1, threads))]
    timeout_s = ocr_timeout_s(len(samples))
    try:
        done = await run(argv, timeout_s, address_space=ADDRESS_SPACE_LIMIT)
    except ToolMissing as exc:
        raise OcrUnavailable(str(exc)) from exc
    except ToolTimedOut as exc:
        raise OcrUnavailable(f"OCR over {timeout_s:g} s") from exc
    if done.returncode != 0:
        raise OcrUnavailable(done.stderr.decode(errors="replace").strip()[-300:] or "OCR failed")
    per_frame: list[list[list[Any]]] = json.loads(done.stdout)
    return [
        FrameText(s.t, [TextLine(str(text), float(score), int(h)) for text, score, h in lines])
        for s, lines in zip(samples, per_frame, strict=True)
    ]


def _ocr(frames: Path, width: int, height: int, threads: int) -> list[list[list[Any]]]:
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR  # heavy: only ever imported in this child

    engine = RapidOCR(
        det_limit_side_len=max(width, height),  # the frame as it is: never scaled up for detection
        det_limit_type="max",
        use_cls=False,  # text on screen is upright
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
    )
    data = frames.read_bytes()
    size = width * height
    out: list[list[list[Any]]] = []
    for start in range(0, len(data) - size + 1, size):
        image = np.frombuffer(data, np.uint8, size, start).reshape(height, width)
        found, _ = engine(image)
        lines = []
        for box, text, score in found or []:
            if float(score) >= MIN_SCORE and text.strip():
                ys = [point[1] for point in box]
                lines.append([text, round(float(score), 3), int(max(ys) - min(ys))])
        out.append(lines)
    return out


def main(argv: list[str]) -> int:
    frames, width, height, threads = Path(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])
    json.dump(_ocr(frames, width, height, threads), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
