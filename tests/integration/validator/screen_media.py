"""Clips with text drawn on them (ffmpeg drawtext, a Chinese font), and campaigns that read it.

Small (640x360, a few seconds): the text pass reads a 640-wide picture as it is, so a 40-pixel
title and 26-pixel lines stay as legible as 1080p text in the 960-wide proxy."""

from collections.abc import Sequence
from pathlib import Path

from contracts.campaign import Campaign, ScreenTextSpec, VideoSpec
from services.intake.presets import load_preset
from tests.integration.validator.conftest import ffmpeg

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SIZE = "640x360"
TITLE = "杨靖宇将军的故事"
NAME = "李明"
SCHOOL = "延吉市第一小学"
ON_SCREEN = {"title": TITLE, "name": NAME, "school": SCHOOL}


def with_video(campaign: Campaign, video: VideoSpec) -> Campaign:
    """The campaign with its work's rules replaced: only what a test is about applies."""
    materials = [m.model_copy(update={"video": video}) if m.primary else m for m in campaign.materials]
    return campaign.model_copy(update={"materials": materials})


# Yanbian's slate rule (片头 ≤ 5 s, showing title, name and school) and nothing else of its notice.
SLATE = with_video(
    load_preset("yanbian-2024"),
    VideoSpec(intro_slate_max_s=5, screen_text=ScreenTextSpec(slate_fields=["title", "name", "school"])),
)
# Hunan's rule: no contact details on screen, an error. Three captions in 12 s of a picture in
# constant motion, with their times to the second, need up to a frame a second (the default, 6 a
# minute, reads the largest change of each 10 s slot).
CONTACTS = with_video(
    load_preset("hunan-smart-edu-2022"),
    VideoSpec(
        screen_text=ScreenTextSpec(no_contact_details=True, contact_severity="error", frames_per_minute=60)
    ),
)


def _text(text: str, size: int, y: str, when: tuple[float, float] | None = None) -> str:
    shown = f":enable='between(t,{when[0]:g},{when[1]:g})'" if when else ""
    return (
        f"drawtext=fontfile={FONT}:text='{text}':fontsize={size}:fontcolor=white:"
        f"box=1:boxcolor=black@0.6:x=(w-tw)/2:y={y}{shown}"
    )


def slate_clip(path: Path, title: str, second_line: str, slate_s: float, programme_s: float = 3) -> Path:
    """A still slate (title, then school and name) followed by a moving programme, cut between them."""
    slate = ",".join([_text(title, 40, "110"), _text(second_line, 26, "200")])
    ffmpeg(
        *["-f", "lavfi", "-i", f"color=c=0x1d2a4a:s={SIZE}:r=25:d={slate_s:g}"],
        *["-f", "lavfi", "-i", f"testsrc2=s={SIZE}:r=25:d={programme_s:g}"],
        "-filter_complex",
        f"[0]{slate}[s];[s][1]concat=n=2:v=1:a=0[v]",
        *["-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        str(path),
    )
    return path


def programme_clip(path: Path, captions: Sequence[tuple[str, float, float]], seconds: float = 12) -> Path:
    """A moving programme with ``(text, from_s, to_s)`` captions in its lower third."""
    drawn = ",".join(_text(text, 26, "h-70", (a, b)) for text, a, b in captions) or "null"
    ffmpeg(
        *["-f", "lavfi", "-i", f"testsrc2=s={SIZE}:r=25:d={seconds:g}"],
        "-vf",
        drawn,
        *["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
        str(path),
    )
    return path
