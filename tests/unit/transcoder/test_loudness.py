"""Loudness: reading the ebur128 measurement and the one linear gain built from it."""

from pathlib import Path

from services.transcoder.loudness import Loudness, measure_args, normalise_filter, parse_measurement

MEASURED = """size=N/A time=00:00:04.01 bitrate=N/A speed=15.8x
[Parsed_ebur128_0 @ 0x55bb1c5ef9c0] Summary:

  Integrated loudness:
    I:         -21.8 LUFS
    Threshold: -31.8 LUFS

  Loudness range:
    LRA:         6.5 LU
    Threshold: -41.8 LUFS
    LRA low:   -25.8 LUFS
    LRA high:  -19.3 LUFS

  True peak:
    Peak:      -20.8 dBFS
"""

EMPTY = """Output file is empty, nothing was encoded (check -ss / -t / -frames parameters if used)
[Parsed_ebur128_0 @ 0x562fc5791000] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  True peak:
    Peak:       -inf dBFS
"""


def test_the_measurement_is_read_from_the_ebur128_summary() -> None:
    assert parse_measurement(MEASURED) == Loudness(
        integrated=-21.8, threshold=-31.8, lra=6.5, true_peak=-20.8
    )


def test_silence_reads_as_silent_and_no_summary_as_none() -> None:
    empty = parse_measurement(EMPTY)
    assert empty is not None and empty.silent and empty.true_peak is None
    assert parse_measurement("Conversion failed!") is None


def test_the_second_pass_is_one_linear_gain_when_the_peaks_allow() -> None:
    assert normalise_filter(-24.0, parse_measurement(MEASURED), 48000) == "volume=-2.20dB,aresample=48000"


def test_where_the_gain_would_clip_loudnorm_limits_the_peaks() -> None:
    quiet_with_peaks = Loudness(integrated=-35.0, threshold=-45.0, lra=12.0, true_peak=-3.0)
    assert normalise_filter(-24.0, quiet_with_peaks, 48000) == (
        "loudnorm=I=-24:TP=-1.5:LRA=11:measured_I=-35.00:measured_TP=-3.00:measured_LRA=12.00"
        ":measured_thresh=-45.00:linear=true,aresample=48000"
    )


def test_silence_is_only_resampled() -> None:
    assert normalise_filter(-24.0, parse_measurement(EMPTY), 44100) == "aresample=44100"
    assert normalise_filter(-24.0, None, 48000) == "aresample=48000"


def test_the_measuring_pass_decodes_the_sound_only() -> None:
    args = measure_args(Path("/in.mp4"), 1)
    assert args[args.index("-map") + 1] == "0:1" and "-vn" in args and args[-3:] == ["-f", "null", "-"]
    assert args[args.index("-af") + 1].startswith("ebur128=peak=true") and args[0] == "-xerror"
