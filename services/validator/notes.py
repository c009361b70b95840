"""Notes on black, still and silent stretches: information with a time range, never a failure. Pure.

No notice forbids a black or silent moment, and a lecture over slides is
still for minutes at a time; a teacher still wants to know where the decode
saw them, in case the recording froze or the sound dropped out."""

from contracts.events import Finding, Severity
from services.validator.measured_rules import clock, finding, span
from services.validator.qc_log import QcLog, Segment

NOTE_LIMIT = 5  # notes of one kind; a slideshow can have dozens of still stretches
BLACK_NOTE_S = 2.0
FREEZE_NOTE_S = 10.0
SILENCE_NOTE_S = 5.0


def _note(rule_id: str, segment: Segment, what: tuple[str, str], fix: tuple[str, str]) -> Finding:
    end = segment.end_s if segment.end_s is not None else segment.start_s
    where = f"{clock(segment.start_s)}–{clock(end)}"
    length = end - segment.start_s
    return finding(
        rule_id,
        Severity.INFO,
        "—",
        f"{what[0]}{length:.1f}秒（{where}）",
        f"{where}{what[0]}（{length:.1f}秒）：{fix[0]}",
        f"{where}: {what[1]} for {length:.1f} s: {fix[1]}",
        span(segment.start_s, end),
    )


def _overlaps(a: Segment, others: list[Segment]) -> bool:
    return any(a.start_s < (o.end_s or a.end_s or 0) and o.start_s < (a.end_s or 0) for o in others)


def notes(log: QcLog, media_end_s: float, video: bool, audio: bool) -> list[Finding]:
    """Black, still and silent stretches long enough to be worth a look: information, not failures."""
    found: list[Finding] = []
    black = [s.closed(media_end_s) for s in log.black]
    if video:
        for s in [s for s in black if s.length_s >= BLACK_NOTE_S][:NOTE_LIMIT]:
            found.append(
                _note(
                    "video.black",
                    s,
                    ("黑屏", "black picture"),
                    ("如非有意设计，请删除黑场", "remove it unless intended"),
                )
            )
        still = [s.closed(media_end_s) for s in log.freeze]
        for s in [s for s in still if s.length_s >= FREEZE_NOTE_S and not _overlaps(s, black)][:NOTE_LIMIT]:
            found.append(
                _note(
                    "video.freeze",
                    s,
                    ("画面静止", "still picture"),
                    (
                        "幻灯片讲解可忽略；如为录制卡顿，请重新录制或剪辑",
                        "fine for slides; if the recording froze, fix it",
                    ),
                )
            )
    if audio:
        quiet = [s.closed(media_end_s) for s in log.silence]
        for s in [s for s in quiet if s.length_s >= SILENCE_NOTE_S][:NOTE_LIMIT]:
            found.append(
                _note(
                    "audio.silence",
                    s,
                    ("无声", "silence"),
                    ("如非有意留白，请检查录音", "check the recording unless intended"),
                )
            )
    return found
