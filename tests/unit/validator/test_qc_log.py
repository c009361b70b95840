"""Parsing the quality pass's ffmpeg log (level-prefixed lines, as ffmpeg 5.1 writes them)."""

import pytest

from services.validator.qc_log import Segment, parse_log

# Trimmed from a real run of the combined graph: the never-fed first ebur128 prints its summary
# first (here with -70 LUFS; sometimes blank), the real one comes last.
LOG = """\
[info] Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/d.mp4':
[Parsed_vfrdet_0 @ 0x55f091f77b80] [info] VFR:-nan (0/0)
[Parsed_ebur128_8 @ 0x55f091f87580] [info] Summary:
[info]
[info]   Integrated loudness:
[info]     I:         -70.0 LUFS
[info]     Threshold:   0.0 LUFS
[info]   True peak:
[info]     Peak:       -inf dBFS
[info] Stream mapping:
[freezedetect @ 0x55f0923aacc0] [info] lavfi.freezedetect.freeze_start: 0
[freezedetect @ 0x55f0923aacc0] [info] lavfi.freezedetect.freeze_duration: 3
[freezedetect @ 0x55f0923aacc0] [info] lavfi.freezedetect.freeze_end: 3
[scdet @ 0x55f0923ac800] [info] lavfi.scd.score: 29.373, lavfi.scd.time: 3
[silencedetect @ 0x55f0923ab400] [info] silence_start: 4.01198
[blackdetect @ 0x55f0923a9380] [info] black_start:7 black_end:10 black_duration:3
[h264 @ 0x55f0923a0000] [error] error while decoding MB 10 4, bytestream -5
[silencedetect @ 0x55f0923ab400] [info] silence_end: 10.0053 | silence_duration: 5.99329
[freezedetect @ 0x55f0923aacc0] [info] lavfi.freezedetect.freeze_start: 11
[Parsed_vfrdet_0 @ 0x55f0923a8f40] [info] VFR:0.021277 (2/94)
[Parsed_astats_10 @ 0x55f0923ac440] [info] Overall
[Parsed_astats_10 @ 0x55f0923ac440] [info] Number of samples: 576512
[Parsed_ebur128_8 @ 0x55f0923ad6c0] [info] Summary:
[info]
[info]   Integrated loudness:
[info]     I:         -22.0 LUFS
[info]     Threshold: -32.1 LUFS
[info]
[info]   Loudness range:
[info]     LRA:         9.9 LU
[info]     LRA low:   -31.6 LUFS
[info]
[info]   True peak:
[info]     Peak:      -16.1 dBFS
"""


def test_segments_cuts_and_end_values() -> None:
    log = parse_log(LOG)
    assert log.black == [Segment(7.0, 10.0)]
    assert log.freeze == [Segment(0.0, 3.0), Segment(11.0, None)]  # the last one runs to the end
    assert log.silence == [Segment(4.01198, 10.0053)]
    assert log.cuts == [3.0]
    assert log.vfr_ratio == pytest.approx(0.021277)
    assert log.audio_samples == 576512


def test_the_last_loudness_summary_counts() -> None:
    loudness = parse_log(LOG).loudness
    assert loudness is not None
    assert (loudness.integrated_lufs, loudness.range_lu, loudness.true_peak_dbtp) == (-22.0, 9.9, -16.1)


def test_blank_summaries_give_no_loudness() -> None:
    blank = "[Parsed_ebur128_1 @ 0x1] [info] Summary:\n[info]\n[info]\n[info] Stream mapping:\n"
    assert parse_log(blank).loudness is None


def test_decoder_errors_are_counted_by_level_and_a_cut_file_is_named() -> None:
    log = parse_log(LOG)
    assert log.errors == ["h264: error while decoding MB 10 4, bytestream -5"] and not log.truncated
    cut = parse_log("[matroska,webm @ 0x5] [error] File ended prematurely\n")
    assert cut.truncated and cut.errors == ["matroska,webm: File ended prematurely"]


def test_filter_errors_and_words_in_info_lines_are_not_decoder_errors() -> None:
    text = "[Parsed_scale_2 @ 0x1] [error] something\n[info] error concealment enabled\n"
    assert parse_log(text).errors == []


def test_an_open_segment_closes_at_the_media_end() -> None:
    assert Segment(11.0, None).closed(14.0) == Segment(11.0, 14.0)
    assert Segment(11.0, 12.0).closed(14.0) == Segment(11.0, 12.0)
