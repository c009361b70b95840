"""Why a transcode failed, in words for the submission's status (Chinese first, English second).

A failure that the teacher can fix says how; one that is ours (an output that does not
match its profile, ffmpeg itself failing) says so and asks them to contact the organisers."""

import re

from services.media.process import last_lines as last_lines  # the transcoder names it here too

CANCELLED_REASON = "已取消 / cancelled"

# What ffmpeg's decoders print when the bitstream is damaged (with -xerror the first one is fatal).
_DECODE_ERROR = re.compile(
    r"Error while decoding stream|error while decoding MB|Invalid NAL unit|Error splitting the input"
    r"|Invalid data found when processing input|concealing \d+ (DC|AC|MV) errors|corrupt (input )?packet"
    r"|Prediction is not allowed|Reserved bit set|channel element .* is not allocated",
    re.IGNORECASE,
)


class TranscodeFailed(Exception):
    """The job ends failed with this reason; ``detail`` (ffmpeg's own words) goes to the logs only."""

    def __init__(self, reason_zh: str, reason_en: str, detail: str = "") -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        self.detail = detail


def clock(seconds: float) -> str:
    """0:07.5 style, for a position in the video."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def ffmpeg_failed(stderr: bytes, at_s: float | None) -> TranscodeFailed:
    """Tell a damaged upload (it decodes badly somewhere) from ffmpeg failing on a good one."""
    text = stderr.decode(errors="replace")
    detail = last_lines(text)
    if _DECODE_ERROR.search(text):
        where_zh = f"在约{clock(at_s)}处" if at_s else ""
        where_en = f" at about {clock(at_s)}" if at_s else ""
        return TranscodeFailed(
            f"视频{where_zh}无法解码（文件已损坏）：请用剪辑软件重新导出后上传",
            f"The video cannot be decoded{where_en} (the file is damaged): export it again from "
            "your editing software and upload it",
            detail,
        )
    return TranscodeFailed(
        "转码失败（转码程序出错），请联系活动管理员",
        "Transcoding failed (the transcoder reported an error); please contact the organisers",
        detail,
    )


def timed_out(limit_s: float) -> TranscodeFailed:
    return TranscodeFailed(
        f"转码超过时限（{limit_s:g}秒）未完成，请联系活动管理员",
        f"Transcoding did not finish within its time limit ({limit_s:g} s); please contact the organisers",
    )


def empty_audio() -> TranscodeFailed:
    return TranscodeFailed(
        "音频轨道为空（时长为0秒）：请检查导出设置中的音频选项后重新导出上传",
        "The audio track is empty (0 s long): check the audio settings of your export and upload again",
    )


def output_mismatch(what: str, problems: list[str]) -> TranscodeFailed:
    listed = "; ".join(problems)
    return TranscodeFailed(
        f"转码输出（{what}）不符合规格：{listed}。请联系活动管理员",
        f"The transcoded {what} does not match its profile: {listed}. Please contact the organisers",
    )


def abandoned(attempts: int) -> str:
    return (
        f"转码进程{attempts}次意外中止，未能完成：请重新导出后上传，或联系活动管理员 / "
        f"The transcoder stopped unexpectedly {attempts} times on this work: export it again and "
        "upload it, or contact the organisers"
    )


def unscrubbable(detail: str) -> TranscodeFailed:
    """A non-video work whose metadata could not be stripped is not shown as it is: it would
    name its maker to reviewers. The validator read it, so this is rare and worth a human."""
    return TranscodeFailed(
        "作品文件无法去除元数据（作者、位置等信息），暂不能送评审或发布：请重新导出后上传，或联系活动管理员",
        "The work's metadata (author, location) cannot be stripped, so it cannot go to review or "
        "publication yet: export it again and upload it, or contact the organisers",
        detail,
    )
