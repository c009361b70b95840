"""Findings from exact measurements of the quality pass: integrity, frame timing, A/V lengths and
loudness. Pure. See ``quality_rules`` for when each applies."""

from contracts.events import Finding, Severity, TimeRange
from services.validator.qc_log import Loudness, QcLog
from services.validator.timestamps import Timing

AV_LENGTH_TOLERANCE_S = 0.5  # AAC priming and padding, a last frame's duration
AV_START_TOLERANCE_S = 0.2


def clock(seconds: float) -> str:
    """75.25 -> "1:15.3": minutes and seconds, as a player shows them."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{minutes:.0f}:{rest:04.1f}"


def span(start: float, end: float) -> TimeRange:
    return TimeRange(start_s=round(start, 3), end_s=round(max(start, end), 3))


def finding(
    rule_id: str,
    severity: Severity,
    expected: str,
    measured: str,
    zh: str,
    en: str,
    span: TimeRange | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        expected=expected,
        measured=measured,
        message_zh=zh,
        message_en=en,
        time_range=span,
    )


def integrity_findings(
    log: QcLog | None, failed: str | None, incomplete: tuple[str, str] | None, timing: Timing | None
) -> list[Finding]:
    """Always on: a pass that could not finish, a file that cannot be decoded, cut short, or damaged."""
    if incomplete is not None:
        zh, en = incomplete
        return [
            finding(
                "quality.incomplete",
                Severity.WARNING,
                "完成画面与声音质量检测",
                "未完成",
                f"自动质量检测未能完成（{zh}），画面和声音质量未检查：如多次出现，请联系活动管理员",
                f"The automatic quality check could not finish ({en}); picture and sound quality were not "
                "checked: if this happens again, contact the campaign administrator",
            )
        ]
    if failed is not None or log is None:
        return [
            finding(
                "file.decodable",
                Severity.ERROR,
                "可完整解码",
                "无法解码",
                "文件无法解码，可能已损坏：请用剪辑软件重新导出后上传",
                "The file cannot be decoded and may be damaged: export it again from your editing software",
            )
        ]
    if log.truncated:
        end = timing.end_s if timing is not None and timing.frames else None
        where_zh = f"，在{clock(end)}处中断" if end is not None else ""
        where_en = f" and stops at {clock(end)}" if end is not None else ""
        return [
            finding(
                "file.readable",
                Severity.ERROR,
                "完整的文件",
                "文件被截断" + (f"（{clock(end)}）" if end is not None else ""),
                f"文件被截断{where_zh}，可能是导出或上传中断：请重新导出并上传完整文件",
                f"The file is incomplete{where_en}, perhaps an interrupted export or upload: export it again "
                "and upload the whole file",
                span(end, end) if end is not None else None,
            )
        ]
    if log.errors:
        n = len(log.errors)
        return [
            finding(
                "file.decode_errors",
                Severity.WARNING,
                "无解码错误",
                f"{n}处解码错误",
                f"画面或声音有{n}处解码错误，文件可能部分损坏：请完整播放检查，必要时重新导出",
                f"Decoding met {n} error(s); the file may be partly damaged: play it through and export it "
                "again if needed",
            )
        ]
    return []


def truncated(content_s: float, claimed_s: float) -> Finding:
    return finding(
        "file.readable",
        Severity.ERROR,
        f"完整的文件（{clock(claimed_s)}）",
        f"只有{clock(content_s)}",
        f"文件头记录时长{clock(claimed_s)}，实际画面和声音只到{clock(content_s)}，文件可能被截断："
        "请重新导出并上传完整文件",
        f"The header says {clock(claimed_s)} but the picture and sound stop at {clock(content_s)}; the file "
        "may be cut short: export it again and upload the whole file",
        span(content_s, claimed_s),
    )


def no_frames() -> Finding:
    return finding(
        "video.frames",
        Severity.ERROR,
        "有画面帧",
        "0 帧",
        "视频轨道中没有任何画面：请重新导出视频",
        "The video track holds no frames: export the video again",
    )


def _rate(fps: float) -> str:
    return f"{fps:.2f}".rstrip("0").rstrip(".")


def timing_findings(timing: Timing, constant: bool | None, no_drops: bool | None) -> list[Finding]:
    if timing.frames == 0:
        return [no_frames()]
    found: list[Finding] = []
    if constant and timing.variable and (rates := timing.rate_range()) is not None:
        lo, hi = _rate(rates[0]), _rate(rates[1])
        odd = sorted([i.at_s for i in timing.irregular] + [i.at_s for i, _ in timing.gaps])
        found.append(
            finding(
                "video.constant_frame_rate",
                Severity.ERROR,
                "恒定帧率",
                f"可变帧率（{lo}–{hi} 帧/秒）",
                f"视频为可变帧率（帧率在{lo}到{hi}帧/秒之间变化），要求恒定帧率：导出时请选择“恒定帧率”"
                "（手机录像常为可变帧率，可先用剪辑软件转换）",
                f"The video has a variable frame rate ({lo} to {hi} fps); a constant rate is required: "
                "choose constant frame rate when exporting (phone recordings often vary; convert them first)",
                span(odd[0], odd[-1]) if odd else None,
            )
        )
    if no_drops and timing.dropped_frames:
        first, last = timing.gaps[0][0], timing.gaps[-1][0]
        n, k = timing.dropped_frames, len(timing.gaps)
        found.append(
            finding(
                "video.dropped_frames",
                Severity.ERROR,
                "不丢帧",
                f"丢失{n}帧（{k}处）",
                f"视频有{k}处丢帧，共缺少{n}帧（首次在{clock(first.at_s)}）：请检查录制或导出设置后重新导出",
                f"{n} frame(s) are missing in {k} place(s), first at {clock(first.at_s)}: check the "
                "recording or export settings and export again",
                span(first.at_s, last.at_s + last.length_s),
            )
        )
    if no_drops and timing.duplicates:
        first_d, last_d = timing.duplicates[0], timing.duplicates[-1]
        n = len(timing.duplicates)
        found.append(
            finding(
                "video.duplicated_frames",
                Severity.ERROR,
                "无重复帧",
                f"{n}帧时间戳重复",
                f"视频有{n}帧与前一帧时间相同（重复帧，首次在{clock(first_d.at_s)}）：请重新导出",
                f"{n} frame(s) repeat the previous frame's time (duplicated frames, first at "
                f"{clock(first_d.at_s)}): export the video again",
                span(first_d.at_s, last_d.at_s),
            )
        )
    if no_drops and timing.dts_backwards:
        found.append(
            finding(
                "video.timestamps",
                Severity.WARNING,
                "时间戳递增",
                f"{timing.dts_backwards}处时间戳倒退",
                f"视频时间戳有{timing.dts_backwards}处倒退（解码顺序错乱），部分播放器会卡顿：请重新导出",
                f"Decode timestamps go backwards {timing.dts_backwards} time(s); some players will stutter: "
                "export the video again",
            )
        )
    return found


def av_findings(
    timing: Timing | None, audio_length: float | None, audio_start: float | None
) -> list[Finding]:
    """Audio and video of the same length, starting together (the notice's 音画同步)."""
    if timing is None or not timing.frames or audio_length is None:
        return []
    video_length = timing.end_s - timing.start_s
    found = []
    if abs(video_length - audio_length) > AV_LENGTH_TOLERANCE_S:
        diff = abs(video_length - audio_length)
        found.append(
            finding(
                "av.sync",
                Severity.ERROR,
                f"音画时长一致（相差≤{AV_LENGTH_TOLERANCE_S:g}秒）",
                f"声音{audio_length:.1f}秒，画面{video_length:.1f}秒",
                f"声音长{audio_length:.1f}秒，画面长{video_length:.1f}秒，相差{diff:.1f}秒：请在剪辑软件中"
                "对齐音频与视频轨道后重新导出",
                f"The sound lasts {audio_length:.1f} s and the picture {video_length:.1f} s, {diff:.1f} s "
                "apart: align the audio and video tracks in your editor and export again",
                span(min(video_length, audio_length), max(video_length, audio_length)),
            )
        )
    if audio_start is not None and abs(audio_start - timing.start_s) > AV_START_TOLERANCE_S:
        lag = audio_start - timing.start_s
        zh_when, en_when = ("晚", "after") if lag > 0 else ("早", "before")
        found.append(
            finding(
                "av.sync",
                Severity.ERROR,
                "音画同时开始",
                f"声音{zh_when}{abs(lag):.2f}秒",
                f"声音比画面{zh_when}{abs(lag):.2f}秒开始，口型会对不上：请在剪辑软件中对齐后重新导出",
                f"The sound starts {abs(lag):.2f} s {en_when} the picture, so speech will not match the "
                "lips: align them in your editor and export again",
                span(min(audio_start, timing.start_s), max(audio_start, timing.start_s)),
            )
        )
    return found


def loudness_findings(
    loudness: Loudness | None, target: float | None, tolerance: float, peak_max: float | None
) -> list[Finding]:
    if loudness is None:
        return []
    found = []
    i, lra, tp = loudness.integrated_lufs, loudness.range_lu, loudness.true_peak_dbtp
    peak = f"{tp:.1f} dBTP" if tp is not None else "静音"
    if target is not None and abs(i - target) > tolerance:
        quiet = i < target
        found.append(
            finding(
                "audio.loudness",
                Severity.ERROR,
                f"{target:g} LUFS（±{tolerance:g} LU）",
                f"{i:.1f} LUFS（响度范围{lra:.1f} LU，真峰值{peak}）",
                f"节目响度为{i:.1f} LUFS，声音{'偏小' if quiet else '偏大'}，"
                f"要求{target:g}±{tolerance:g} LUFS：导出前请用响度标准化将响度调到{target:g} LUFS",
                f"Programme loudness is {i:.1f} LUFS, too {'quiet' if quiet else 'loud'}; {target:g}±"
                f"{tolerance:g} LUFS is required: normalise the loudness to {target:g} LUFS before exporting",
            )
        )
    if peak_max is not None and tp is not None and tp > peak_max:
        found.append(
            finding(
                "audio.true_peak",
                Severity.ERROR,
                f"≤ {peak_max:g} dBTP",
                f"{tp:.1f} dBTP",
                f"真峰值为{tp:.1f} dBTP，超过上限{peak_max:g} dBTP，播放时可能失真："
                "请降低音量或加限幅器后重新导出",
                f"The true peak is {tp:.1f} dBTP, above the {peak_max:g} dBTP limit, and may distort: "
                "lower the level or use a limiter and export again",
            )
        )
    return found
