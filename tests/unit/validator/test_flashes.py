"""Flash detection on hand-made 4x4 thumbnails (48 bytes a frame, 25 frames a second)."""

from services.validator.flashes import find_flashes, swings

GREY, WHITE, BLACK, RED = (90, 90, 90), (255, 255, 255), (0, 0, 0), (255, 0, 0)


def frame(cells: dict[int, tuple[int, int, int]], base: tuple[int, int, int] = GREY) -> bytes:
    return b"".join(bytes(cells.get(i, base)) for i in range(16))


def video(
    seconds: float, flash: tuple[float, float], period: int, colour=WHITE, cells=range(16)
) -> tuple[bytes, list[float]]:
    """``period`` frames per on/off cycle during ``flash`` (seconds), grey otherwise."""
    data, times = bytearray(), []
    for n in range(int(seconds * 25)):
        t = n / 25
        on = flash[0] <= t < flash[1] and n % period < period // 2
        data += frame({i: colour for i in cells} if on else {})
        times.append(t)
    return bytes(data), times


def test_full_screen_flashing_six_times_a_second_is_found_with_its_time() -> None:
    data, times = video(5, (1.0, 3.0), period=4)
    [episode] = find_flashes(data, times)
    assert (episode.start_s, episode.red) == (1.0, False)
    assert 2.8 <= episode.end_s <= 3.04
    assert episode.swings_per_s >= 12


def test_two_flashes_a_second_are_allowed() -> None:
    data, times = video(5, (0.0, 5.0), period=12)
    assert find_flashes(data, times) == []


def test_a_quarter_of_the_screen_flashing_counts() -> None:
    data, times = video(4, (1.0, 3.0), period=4, cells=[0, 1, 4, 5])  # the top-left 2x2 cells
    assert len(find_flashes(data, times)) == 1


def test_one_small_cell_flickering_does_not() -> None:
    data, times = video(4, (1.0, 3.0), period=4, cells=[5])  # a sixteenth of the picture
    assert find_flashes(data, times) == []


def test_saturated_red_flashing_is_a_red_flash() -> None:
    data, times = video(4, (1.0, 3.0), period=4, colour=RED)
    assert [e.red for e in find_flashes(data, times)] == [True]


def test_bright_to_brighter_is_not_a_flash() -> None:
    # Both states are above 0.8 relative luminance: the general flash rule needs a darker state below it.
    data, times = video(4, (1.0, 3.0), period=4, colour=WHITE)
    light = bytes(min(255, b + 160) for b in data)  # grey 90 -> 250: both states very bright
    assert find_flashes(light, times) == []


def test_a_slow_fade_is_one_swing() -> None:
    values = [i / 50 for i in range(51)] + [1 - i / 50 for i in range(51)]
    assert swings(values, 0.1, dark=False) == [50, 101]  # up to the peak, then down to the end


def test_noise_below_the_threshold_is_no_swing() -> None:
    values = [0.5 + (0.04 if i % 2 else -0.04) for i in range(100)]
    assert swings(values, 0.1, dark=True) == []
