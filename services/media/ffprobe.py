"""One ffprobe run over an uploaded file: quiet, bounded, opened through the input allow-list.

Headers (``probe.py``) and packet timestamps (the validator's ``timestamps.py``) both ask ffprobe
about an untrusted file; this is the one way they do it."""

import signal
from pathlib import Path

from services.media.inputs import ALLOWED_DEMUXERS, input_args, url_input_args
from services.media.process import Completed, run

# ffprobe needs well under 500 MiB even for 4K HEVC headers; 2 GiB leaves room
# for odd files while keeping a decompression bomb from eating the host.
ADDRESS_SPACE_LIMIT = 2 * 1024**3


async def run_ffprobe(
    args: list[str],
    path: Path | str,
    timeout_s: float,
    ffprobe_bin: str = "ffprobe",
    demuxers: str = ALLOWED_DEMUXERS,
) -> Completed:
    """ffprobe ``args`` on ``path``, a local file or (a ``str``) a presigned object-store URL read
    in place; raises ToolMissing or ToolTimedOut (``services.media.process``)."""
    source = (
        url_input_args(path, demuxers) if isinstance(path, str) else input_args(path.absolute(), demuxers)
    )
    argv = [ffprobe_bin, "-v", "error", *args, *source]
    return await run(argv, timeout_s, address_space=ADDRESS_SPACE_LIMIT)


def over_limits(done: Completed) -> bool:
    """Killed for its memory or CPU (rlimits), not ended by what it read: a C++ library (x265) that
    cannot allocate under RLIMIT_AS aborts (std::bad_alloc), as the kernel kills for RLIMIT_CPU."""
    return done.returncode in (-signal.SIGKILL, -signal.SIGXCPU, -signal.SIGABRT)
