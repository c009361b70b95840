"""Frame timing from packet timestamps: drops, duplicates, variable rate, decode order."""

import pytest

from services.validator.timestamps import Packet, analyse, parse_packets


def packets(times: list[float], duration: float = 0.04) -> list[Packet]:
    return [Packet(t, t, duration) for t in times]


def cfr(n: int, fps: float = 25, start: float = 0.0) -> list[float]:
    return [round(start + i / fps, 6) for i in range(n)]


def test_constant_rate_is_clean() -> None:
    timing = analyse(packets(cfr(250)))
    assert (timing.frames, timing.start_s, timing.end_s) == (250, 0.0, 10.0)
    assert timing.nominal_s == pytest.approx(0.04)
    assert not timing.variable and timing.dropped_frames == 0 and timing.duplicates == []


def test_a_gap_of_six_intervals_is_five_dropped_frames() -> None:
    times = [t for i, t in enumerate(cfr(100)) if not 30 <= i <= 34]
    timing = analyse(packets(times))
    assert timing.dropped_frames == 5 and len(timing.gaps) == 1
    interval, missing = timing.gaps[0]
    assert (interval.at_s, interval.length_s) == pytest.approx((1.16, 0.24))
    assert missing == 5
    assert not timing.variable


def test_a_repeated_timestamp_is_a_duplicate() -> None:
    times = sorted([*cfr(50), 0.8])
    timing = analyse(packets(times))
    assert [d.at_s for d in timing.duplicates] == [0.8]


def test_two_rates_make_a_variable_rate_not_drops() -> None:
    times = cfr(50) + [2.0 + i / 15 for i in range(30)]
    timing = analyse(packets(times))
    assert timing.variable and timing.dropped_frames == 0
    assert timing.rate_range() == pytest.approx((15, 25))


@pytest.mark.parametrize("jitter_ms", [0.0, 0.3])
def test_small_jitter_and_millisecond_rounding_are_still_constant(jitter_ms: float) -> None:
    # 29.97 fps written in a millisecond timebase alternates 33 and 34 ms intervals.
    times = [round(i * 1001 / 30000, 3) + (jitter_ms / 1000 if i % 3 == 0 else 0) for i in range(300)]
    assert not analyse(packets(times)).variable


def test_irregular_intervals_make_a_variable_rate() -> None:
    times, t = [], 0.0
    for i in range(200):
        times.append(t)
        t += 0.040 if i % 4 else 0.052  # a camera that stretches every fourth frame
    assert analyse(packets(times)).variable


def test_decode_order_going_backwards_is_counted() -> None:
    stream = [Packet(0.0, 0.0, 0.04), Packet(0.08, 0.04, 0.04), Packet(0.04, 0.02, 0.04)]
    assert analyse(stream).dts_backwards == 1


def test_no_packets_means_no_frames() -> None:
    timing = analyse([])
    assert timing.frames == 0 and not timing.variable and timing.rate_range() is None


def test_parse_compact_output_skips_discarded_packets_and_reads_n_a() -> None:
    text = (
        "pts_time=0.000000|dts_time=-0.080000|duration_time=0.040000|flags=K__\n"
        "pts_time=0.160000|dts_time=-0.040000|duration_time=0.040000|flags=__D\n"
        "pts_time=N/A|dts_time=0.000000|duration_time=0.040000|flags=___\n"
    )
    assert parse_packets(text) == [Packet(0.0, -0.08, 0.04), Packet(None, 0.0, 0.04)]
