"""A work's copy without identifying metadata, as reviewers and platforms receive it.

The rewriters (image_scrub.py for pictures, ooxml_scrub.py for Office files, pdf_scrub.py for
PDF, ole_scrub.py for legacy Office files, redrawn_scrub.py for TIFF and HEIC) read an untrusted
file, so they run in a child, ``python -m services.media.scrub <format> <source> <target>``,
started by the one bounded runner (``services.media.process.run``: wall clock, RLIMIT_AS,
RLIMIT_CPU, PDEATHSIG), exactly as the validator's checks of the same files do.
The child prints the parts it removed as JSON. Exit codes: 0 written; ``FILE_FAULT`` the file
could not be rewritten (its fault); anything else is ours. Audio is rewritten by ffmpeg
(``audio_scrub_args``): streams copied, tags, chapters and cover art left behind, as the video
master already is (transcoder/master.py).

Which formats are rewritten is decided by the file's bytes (``sniff``), never its name.
"""

import codecs
import contextlib
import ctypes
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from services.media.ffprobe import over_limits
from services.media.file_formats import format_of
from services.media.image_scrub import SCRUBBERS
from services.media.inputs import input_args
from services.media.ole_scrub import scrub_ole
from services.media.ooxml_scrub import scrub_ooxml
from services.media.pdf_scrub import scrub_pdf
from services.media.process import ToolTimedOut, run
from services.media.redrawn_scrub import scrub_heic, scrub_tiff

ADDRESS_SPACE_LIMIT = 1024**3  # as the validator's bounded checks: a picture or a part in memory
FILE_FAULT = 3
_M_ARENA_MAX = -8  # mallopt: glibc reserves 64 MiB of address space per thread's arena, RLIMIT_AS counts it
# Rewriters that read the file from its path (the others take and return bytes).
FILE_SCRUBBERS: dict[str, Callable[[Path, Path], list[str]]] = {
    "ooxml": scrub_ooxml,
    "pdf": scrub_pdf,
    "ole": scrub_ole,
    "tiff": scrub_tiff,
    "heic": scrub_heic,
}
REWRITTEN = frozenset({*SCRUBBERS, *FILE_SCRUBBERS})
# Formats that hold no metadata worth the name (plain text, CSV, BMP): passed on as uploaded.
PLAIN = frozenset({"text", "bmp"})


class ScrubFailed(Exception):
    """The file could not be rewritten without its metadata (damaged, or over the limits)."""


def sniff(head: bytes) -> str:
    """What the file is, from its first 16 bytes: a format of ``file_formats``, ``text`` or ``unknown``."""
    found = format_of(head)
    if found:
        return found
    try:
        # Not final: a 16-byte window may cut the last multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "unknown"
    return "text" if b"\0" not in head else "unknown"


# ffmpeg muxer for each demuxer an audio upload may be read with (services.media.inputs).
AUDIO_MUXERS = {
    "mp3": "mp3",
    "mov": "mp4",
    "wav": "wav",
    "w64": "w64",
    "aac": "adts",
    "flac": "flac",
    "aiff": "aiff",
    "caf": "caf",
    "amr": "amr",
    "ogg": "ogg",
    "asf": "asf",
    "matroska": "matroska",
}


def audio_scrub_args(source: Path, target: Path, format_name: str) -> list[str]:
    """ffmpeg arguments copying the audio streams of ``source`` into ``target`` without tags, chapters
    or cover art (an attached picture is a video stream: only audio is mapped)."""
    demuxer = "mov" if "mov" in format_name.split(",") else format_name.split(",")[0]
    muxer = AUDIO_MUXERS.get(demuxer)
    if muxer is None:
        raise ScrubFailed(f"no muxer for {format_name}")
    args = [*input_args(source), "-map", "0:a", "-c", "copy"]
    # bitexact: no "encoder=Lavf..." tag either.
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact"]
    if muxer == "mp3":
        args += ["-id3v2_version", "0", "-write_id3v1", "0"]
    if muxer == "mp4":
        args += ["-movflags", "+faststart"]
    return [*args, "-f", muxer, f"file:{target}"]


async def scrub_file_bounded(
    fmt: str, source: Path, target: Path, timeout_s: float, python_bin: str = sys.executable
) -> list[str]:
    """Rewrite a picture, an Office file (OOXML or OLE2) or a PDF in a bounded child; the parts it
    removed. Raises ScrubFailed."""
    argv = [python_bin, "-m", "services.media.scrub", fmt, str(source), str(target)]
    try:
        done = await run(argv, timeout_s, address_space=ADDRESS_SPACE_LIMIT)
    except ToolTimedOut as exc:
        raise ScrubFailed(f"not rewritten within {timeout_s:g} s") from exc
    stderr = done.stderr.decode(errors="replace").strip()[-500:]
    if over_limits(done) or done.returncode == FILE_FAULT:
        raise ScrubFailed(f"the file cannot be rewritten: {stderr or 'over the resource limits'}")
    if done.returncode != 0:
        raise RuntimeError(f"the scrub child failed: {stderr}")  # ours (an import error): retried
    removed: list[str] = json.loads(done.stdout)
    return removed


def rewrite(fmt: str, source: Path, target: Path) -> list[str]:
    if fmt in FILE_SCRUBBERS:
        return FILE_SCRUBBERS[fmt](source, target)
    target.write_bytes(SCRUBBERS[fmt](source.read_bytes()))
    return []


def main(argv: list[str]) -> int:
    fmt, source, target = argv
    # Decoders warn about the hostile file they read: the fault printed below is what the job records.
    warnings.simplefilter("ignore")
    with contextlib.suppress(OSError, AttributeError):  # glibc only: elsewhere arenas are not 64 MiB
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, 1)  # an encoder's threads share one arena
    try:
        removed = rewrite(fmt, Path(source), Path(target))
    except Exception as exc:  # the file broke the rewriter: its fault
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return FILE_FAULT
    print(json.dumps(removed))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
