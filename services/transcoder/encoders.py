"""Encoder arguments for libx264 (CPU) and h264_nvenc (NVIDIA), and the decode side (pure).

Frames are decoded (on NVDEC when the machine has it), filtered on the CPU and handed to the
encoder: the filter graphs are the same on every machine and only these arguments differ.
Keeping frames on the GPU (scale_cuda) would save CPU on the ladder's scales; at 1080p25 the
two PCIe copies are about 150 MB/s, far below what the bus carries. docs/operations.md lists
the resulting command lines."""

from dataclasses import dataclass
from typing import Literal

EncoderName = Literal["x264", "nvenc"]
# About twice as fast as medium; at 8 Mb/s 1080p the difference is not visible.
X264_PRESET = "veryfast"
# p1 fastest .. p7 best; p5 is NVIDIA's "slow": good quality, still several times realtime.
NVENC_PRESET = "p5"
NVENC_LADDER_PRESET = "p4"


@dataclass(frozen=True)
class EncoderChoice:
    encoder: EncoderName
    gpu_decode: bool
    threads: int  # x264 threads per encoder: CPU count shared by the jobs one worker runs at once
    reason: str

    def decode_args(self) -> list[str]:
        # Without -hwaccel_output_format the decoded frames come back to system memory, so the CPU
        # filters work unchanged; a codec NVDEC lacks falls back to software decoding by itself.
        return ["-hwaccel", "cuda"] if self.gpu_decode else []

    def master_video_args(self, bit_rate_kbps: int | None, gop: int) -> list[str]:
        """The delivery master: H.264 High, constant bit rate when the spec names one (its
        tolerance is checked on the output, and a CBR stream is the one that cannot drift)."""
        if self.encoder == "nvenc":
            head = ["-c:v", "h264_nvenc", "-preset", NVENC_PRESET, "-tune", "hq", "-profile:v", "high"]
            if bit_rate_kbps:
                rate = f"{bit_rate_kbps}k"
                rc = ["-rc", "cbr", "-b:v", rate, "-maxrate", rate, "-bufsize", rate]
            else:
                rc = ["-rc", "vbr", "-cq", "21", "-b:v", "0"]
            return [*head, *rc, "-g", str(gop), "-bf", "3", "-spatial-aq", "1"]
        head = ["-c:v", "libx264", "-preset", X264_PRESET, "-profile:v", "high"]
        head += ["-threads", str(self.threads)]
        if bit_rate_kbps:
            rate = f"{bit_rate_kbps}k"
            rc = ["-b:v", rate, "-minrate", rate, "-maxrate", rate, "-bufsize", rate]
            rc += ["-x264-params", "nal-hrd=cbr"]
        else:
            rc = ["-crf", "20"]
        return [*head, *rc, "-g", str(gop)]

    def rung_args(self, index: int, kbps: int) -> list[str]:
        """One rung of the streaming ladder (output stream v:index), capped VBR."""
        s = f":v:{index}"
        rate = [f"-b{s}", f"{kbps}k", f"-maxrate{s}", f"{kbps * 107 // 100}k"]
        rate += [f"-bufsize{s}", f"{kbps * 3 // 2}k"]
        if self.encoder == "nvenc":
            codec = [f"-c{s}", "h264_nvenc", f"-preset{s}", NVENC_LADDER_PRESET, f"-profile{s}", "high"]
            return [*codec, f"-rc{s}", "vbr", *rate]
        codec = [f"-c{s}", "libx264", f"-preset{s}", X264_PRESET, f"-profile{s}", "high"]
        return [*codec, f"-threads{s}", str(self.threads), *rate]

    def ladder_gop_args(self, gop: int, segment_s: float) -> list[str]:
        """Keyframes at the same instants in every rung, so a player can switch at any segment."""
        keys = ["-force_key_frames:v", f"expr:gte(t,n_forced*{segment_s / 2:g})", "-g:v", str(gop)]
        if self.encoder == "nvenc":
            return [*keys, "-forced-idr:v", "1", "-no-scenecut:v", "1"]
        return [*keys, "-keyint_min:v", str(gop), "-sc_threshold:v", "0"]


def choose(setting: str, nvenc: bool, nvdec: bool, cpus: int, concurrency: int) -> EncoderChoice:
    """``ZHENGJI_TRANSCODER_ENCODER``: auto (NVENC when the test encode worked), nvenc or x264."""
    threads = max(1, cpus // max(1, concurrency))
    if setting == "auto":
        if nvenc:
            return EncoderChoice("nvenc", nvdec, threads, "auto: NVENC test encode succeeded")
        why = "NVDEC decode, CPU encode (GPU without NVENC, e.g. H100/A100)" if nvdec else "no usable GPU"
        return EncoderChoice("x264", nvdec, threads, f"auto: {why}")
    if setting == "nvenc":
        detail = "" if nvenc else " (the NVENC test encode failed: jobs will fail until the GPU works)"
        return EncoderChoice("nvenc", nvdec, threads, f"forced by setting{detail}")
    if setting == "x264":
        return EncoderChoice("x264", nvdec, threads, "forced by setting")
    raise ValueError(
        f"ZHENGJI_TRANSCODER_ENCODER 只能是 auto、nvenc 或 x264，而不是 {setting!r} / "
        f"must be auto, nvenc or x264, not {setting!r}"
    )
