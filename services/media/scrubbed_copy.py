"""A file's copy without identifying metadata, made one way for whoever needs it: the transcoder's
master of a work that is not a video (transcoder/scrubbing.py) and a reviewer's copy of an entry's
other files (review/entry_materials.py).

Which rewrite a file gets is decided by its bytes (``scrub.sniff``) unless the caller knows it is
audio: audio through ffmpeg (``scrub.audio_scrub_args``, the format ffprobe reads), pictures,
Office files and PDFs through the bounded child (``scrub.scrub_file_bounded``). A format with
nothing to strip (plain text, CSV, BMP) or that no rewriter reads is its own copy: the target is not
written, and the record says why."""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from services.media.file_formats import HEAD_BYTES
from services.media.probe import probe
from services.media.process import Completed, ToolTimedOut, last_lines, run_ffmpeg
from services.media.scrub import PLAIN, REWRITTEN, ScrubFailed, audio_scrub_args, scrub_file_bounded, sniff

# How ffmpeg is run: arguments, time limit, progress callback (the transcoder's own runner, or none).
FfmpegRunner = Callable[[list[str], float, Any], Awaitable[Completed]]


async def scrub_to(
    source: Path,
    target: Path,
    record: dict[str, Any],
    *,
    audio: bool,
    timeout_s: float,
    probe_timeout_s: float,
    ffmpeg: FfmpegRunner = run_ffmpeg,
) -> bool:
    """Write ``source`` without its metadata to ``target``; whether it was written (else ``source`` is
    its own copy). ``record`` gets the ``format`` read, then ``removed_parts`` or ``kept_as_uploaded``:
    filled as it goes, so a failure still says what the file was. Raises ScrubFailed (the file's
    fault: damaged or over the limits) and, for audio, ProbeFailed (not readable as audio)."""
    with source.open("rb") as f:
        fmt = "audio" if audio else sniff(f.read(HEAD_BYTES))
    record["format"] = fmt
    if fmt == "audio":
        format_name = (await probe(source, timeout_s=probe_timeout_s)).format_name
        try:
            done = await ffmpeg(audio_scrub_args(source, target, format_name), timeout_s, None)
        except ToolTimedOut as exc:
            raise ScrubFailed(f"not rewritten within {timeout_s:g} s") from exc
        if done.returncode != 0:
            raise ScrubFailed(last_lines(done.stderr.decode(errors="replace")))
        return True
    if fmt in REWRITTEN:
        record["removed_parts"] = await scrub_file_bounded(fmt, source, target, timeout_s)
        return True
    record["kept_as_uploaded"] = "nothing to strip" if fmt in PLAIN else "no rewriter"
    return False
