"""What the machine offers, found out once at start-up by trying it.

``ffmpeg -encoders`` lists h264_nvenc whether or not a GPU is there (Debian's ffmpeg is built
with it), so listing proves nothing: NVENC is tested by encoding one frame, NVDEC by decoding
one H.264 frame with ``-hwaccel cuda`` into GPU memory. Both fail in well under a second on a
machine without a driver. L4, L40S and T4 pass both; H100 and A100 have no NVENC and pass
only the decode test, so there the transcoder decodes on the GPU and encodes with libx264."""

import resource
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.common.cpu_quota import whole_cpus
from services.media.process import ToolMissing, ToolTimedOut, run
from services.transcoder.failures import last_lines

BASE = ["-hide_banner", "-nostdin", "-v", "error", "-y"]


@dataclass(frozen=True)
class Hardware:
    nvenc: bool
    nvdec: bool
    cpus: int
    nvenc_error: str | None = None
    nvdec_error: str | None = None


def nvenc_test_args() -> list[str]:
    # 256x256: NVENC refuses frames smaller than about 145x49.
    source = ["-f", "lavfi", "-i", "color=c=black:s=256x256:r=25", "-frames:v", "1"]
    return [*BASE, *source, "-c:v", "h264_nvenc", "-f", "null", "-"]


def sample_args(out: Path) -> list[str]:
    """One H.264 frame for the decode test, made on the CPU."""
    source = ["-f", "lavfi", "-i", "testsrc2=s=256x144:r=25", "-frames:v", "1"]
    return [*BASE, *source, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)]


def nvdec_test_args(sample: Path) -> list[str]:
    # Decoding into GPU memory (-hwaccel_output_format cuda) cannot silently fall back to software.
    hw = ["-hwaccel", "cuda", "-hwaccel_output_format", "cuda", "-i", str(sample)]
    return [*BASE, *hw, "-frames:v", "1", "-vf", "hwdownload,format=nv12", "-f", "null", "-"]


async def _works(argv: list[str], timeout_s: float) -> tuple[bool, str | None]:
    try:
        # No address-space limit here: the CUDA driver reserves far more virtual memory than the
        # 4 GiB media limit, and would fail to start under it on a machine that has a GPU.
        done = await run(argv, timeout_s, address_space=resource.RLIM_INFINITY)
    except (ToolMissing, ToolTimedOut) as exc:
        return False, str(exc)
    if done.returncode == 0:
        return True, None
    return False, last_lines(done.stderr.decode(errors="replace"), 2) or f"exit {done.returncode}"


async def detect(ffmpeg_bin: str = "ffmpeg", timeout_s: float = 30.0) -> Hardware:
    nvenc, nvenc_error = await _works([ffmpeg_bin, *nvenc_test_args()], timeout_s)
    with tempfile.TemporaryDirectory(prefix="zhengji-gpu-") as tmp:
        sample = Path(tmp) / "frame.mp4"
        made, error = await _works([ffmpeg_bin, *sample_args(sample)], timeout_s)
        nvdec, nvdec_error = (
            await _works([ffmpeg_bin, *nvdec_test_args(sample)], timeout_s) if made else (False, error)
        )
    return Hardware(nvenc, nvdec, whole_cpus(), nvenc_error, nvdec_error)  # the quota, not the node's
