"""What the transcoder makes, as ffmpeg arguments (pure, so tests read the commands).

One ffmpeg process decodes the upload once and writes every output: the 720p
review preview and the poster share that decode."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Output:
    name: str
    path: Path
    media_type: str
    height: int | None


def preview_and_poster(
    source: Path, workdir: Path, has_audio: bool, encoder_args: list[str]
) -> tuple[list[str], list[Output]]:
    preview = Output("preview-720p", workdir / "preview.mp4", "video/mp4", 720)
    poster = Output("poster", workdir / "poster.jpg", "image/jpeg", 720)
    # split once, scale per output; -2 keeps the width even for odd sources (1918x1080).
    graph = "[0:v:0]split=2[p][q];[p]scale=-2:720,format=yuv420p[pv];[q]thumbnail=50,scale=-2:720[poster]"
    args = ["-i", str(source), "-filter_complex", graph, "-map", "[pv]", *encoder_args, "-g", "50"]
    if has_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    args += [
        "-movflags",
        "+faststart",
        str(preview.path),
        "-map",
        "[poster]",
        "-frames:v",
        "1",
        "-q:v",
        "3",
        str(poster.path),
    ]
    return args, [preview, poster]


def x264_args(bit_rate_kbps: int | None = None) -> list[str]:
    if bit_rate_kbps:
        return [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-b:v",
            f"{bit_rate_kbps}k",
            "-maxrate",
            f"{bit_rate_kbps}k",
            "-bufsize",
            f"{2 * bit_rate_kbps}k",
        ]
    return ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]
