"""On-screen text rules: what the slate shows and how long, and contact details in the picture. Pure.

Input is the OCR of the frames ``screen_frames`` chose. The slate is the first frame with text in
the slate window and the frames after it that still show one of its lines; it ends at the first
scene cut after its last sample (or at the next sample when no cut was seen). Its text must show
each form value the campaign names (``ScreenTextSpec.slate_fields``). A title that is not there
while another line is the slate's tallest is reported as another title. Every finding is a guess
from OCR, so it carries a confidence, and its severity is the campaign's choice.
"""

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from contracts.campaign import Campaign, ScreenTextSpec, VideoSpec
from contracts.events import Finding, Severity
from services.validator.measured_rules import clock, span
from services.validator.screen_ocr import FrameText, TextLine
from services.validator.screen_text_match import contacts_in, normalise, shows

SLATE_FIRST_S = 2.0  # a slate starts with the video (after a fade at most)
SLATE_GRACE_S = 0.5
MAX_CONTACT_FINDINGS = 5


MAX_SHOWN_CHARS = 120


class ShownField(BaseModel):
    """A form value the slate must show, with the form's label for the message."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: str


def shown_fields(campaign: Campaign, spec: VideoSpec | None, values: dict[str, str]) -> list[ShownField]:
    """The slate's fields for one entry: the campaign names them, the entry's form fills them."""
    wanted = spec.screen_text.slate_fields if spec is not None and spec.screen_text is not None else []
    labels = {f.key: f.label for f in campaign.form}
    # An entrant's value, bounded: a slate line holds a few dozen characters, and matching costs
    # the value's length times the text's (screen_text_match.distance_in).
    return [
        ShownField(key=k, label=labels.get(k, k), value=values[k][:MAX_SHOWN_CHARS])
        for k in wanted
        if values.get(k)
    ]


@dataclass(frozen=True)
class Slate:
    start_s: float
    end_s: float
    lines: list[TextLine]
    open_ended: bool  # still on screen when the window ended


def _same_line(a: TextLine, b: TextLine) -> bool:
    return shows(a.text, b.text) or shows(b.text, a.text)


def find_slate(readings: list[FrameText], window_s: float, start_s: float, cuts: list[float]) -> Slate | None:
    opening = [r for r in readings if r.t < window_s]
    first = next((i for i, r in enumerate(opening) if r.lines), None)
    if first is None or opening[first].t > start_s + SLATE_FIRST_S:
        return None
    run = [opening[first]]
    for r in opening[first + 1 :]:
        if not any(_same_line(a, b) for a in r.lines for b in run[0].lines):
            break
        run.append(r)
    after = opening[first + len(run)].t if first + len(run) < len(opening) else None
    last = run[-1].t
    cut = next((c for c in sorted(cuts) if last < c <= (after if after is not None else window_s)), None)
    end = cut if cut is not None else after if after is not None else window_s
    lines = [line for r in run for line in r.lines]
    return Slate(start_s, end, lines, open_ended=after is None and cut is None)


def _severity(choice: str) -> Severity:
    return Severity.ERROR if choice == "error" else Severity.WARNING


def _confidence(lines: list[TextLine], base: float) -> float:
    scores = [line.score for line in lines]
    return round(base * (sum(scores) / len(scores) if scores else 1.0), 2)


def slate_field_findings(
    slate: Slate | None, fields: list[ShownField], spec: ScreenTextSpec
) -> list[Finding]:
    text = "".join(line.text for line in slate.lines) if slate else ""
    where = span(slate.start_s, slate.end_s) if slate else None
    missing = [f for f in fields if not shows(f.value, text)]
    found = []
    for f in missing:
        other = _other_title(slate, fields) if f.key == "title" else None
        if other is not None:
            found.append(
                Finding(
                    rule_id="video.slate_title",
                    severity=_severity(spec.slate_severity),
                    expected=f"片头标题「{f.value}」",
                    measured=f"「{other.text}」",
                    message_zh=f"片头标题为「{other.text}」，与{f.label}「{f.value}」不一致：请核对片头或报名信息",
                    message_en=f"The slate's title reads '{other.text}', not the entry's {f.key} "
                    f"'{f.value}': check the slate or the registration",
                    time_range=where,
                    confidence=round(0.8 * other.score, 2),
                )
            )
            continue
        found.append(
            Finding(
                rule_id="video.slate_field",
                severity=_severity(spec.slate_severity),
                expected=f"片头显示{f.label}「{f.value}」",
                measured="未识别到" if slate else "未识别到片头文字",
                message_zh=f"片头未显示{f.label}「{f.value}」：本活动要求片头注明{f.label}，请补充后重新导出",
                message_en=f"The slate does not show the {f.key} '{f.value}'; this campaign asks for it on "
                "the slate: add it and export again",
                time_range=where,
                confidence=_confidence(slate.lines, 0.8) if slate else 0.6,
            )
        )
    return found


def _other_title(slate: Slate | None, fields: list[ShownField]) -> TextLine | None:
    """The slate's tallest line, when it is none of the other fields: a title, just not this one."""
    if slate is None or not slate.lines:
        return None
    tallest = max(slate.lines, key=lambda line: line.height)
    if len(normalise(tallest.text)) < 2 or any(shows(f.value, tallest.text) for f in fields):
        return None
    return tallest


def slate_length_finding(slate: Slate | None, limit: float | None, severity: str) -> Finding | None:
    if slate is None or limit is None:
        return None
    length = slate.end_s - slate.start_s
    if length <= limit + SLATE_GRACE_S:
        return None
    about = f"至少{length:.0f}秒" if slate.open_ended else f"约{length:.1f}秒"
    return Finding(
        rule_id="video.intro_slate",
        severity=_severity(severity),
        expected=f"≤ {limit:g}秒",
        measured=about,
        message_zh=f"片头（开头的文字画面）{about}，要求不超过{limit:g}秒：请缩短片头后重新导出",
        message_en=f"The intro slate (the opening text) lasts {'at least' if slate.open_ended else 'about'} "
        f"{length:.1f} s; at most {limit:g} s is allowed: shorten it and export again",
        time_range=span(slate.start_s, slate.end_s),
        confidence=_confidence(slate.lines, 0.9),
    )


def contact_findings(readings: list[FrameText], spec: ScreenTextSpec, media_end_s: float) -> list[Finding]:
    """Each contact detail with the time from the first sample showing it to the next sample without it."""
    times = [r.t for r in readings]
    runs: dict[tuple[str, str], list[tuple[float, float, float, str, str]]] = {}
    for i, r in enumerate(readings):
        following = times[i + 1] if i + 1 < len(times) else media_end_s
        for line in r.lines:
            for c in contacts_in(line.text, spec.allow):
                spans = runs.setdefault((c.kind, c.value), [])
                if spans and spans[-1][1] == r.t:  # seen in the sample before as well: one stretch
                    spans[-1] = (
                        spans[-1][0],
                        following,
                        max(spans[-1][2], line.score),
                        c.label_zh,
                        c.label_en,
                    )
                elif not spans or spans[-1][1] < r.t:
                    spans.append((r.t, following, line.score, c.label_zh, c.label_en))
    found = []
    ordered = sorted(((s, key) for key, spans in runs.items() for s in spans), key=lambda x: x[0][0])
    for (start, end, score, zh, en), (_kind, value) in ordered[:MAX_CONTACT_FINDINGS]:
        where = f"{clock(start)}–{clock(end)}"
        found.append(
            Finding(
                rule_id="video.contact_details",
                severity=_severity(spec.contact_severity),
                expected="画面中无联系方式",
                measured=f"{zh}“{value}”（{where}）",
                message_zh=f"{where}画面中出现{zh}“{value}”，本活动要求作品不含联系方式：请删除后重新导出",
                message_en=f"{where}: the picture shows a {en} ('{value}'); this campaign forbids contact "
                "details on screen: remove it and export again",
                time_range=span(start, end),
                confidence=round(0.9 * score, 2),
            )
        )
    return found
