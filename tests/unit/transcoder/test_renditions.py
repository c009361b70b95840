"""The streaming renditions' shape: ladder rungs, poster time, sprite grid and its WebVTT index."""

import pytest

from services.transcoder.ladder import poster_at, rungs_for, sprite_grid, thumbnails_vtt


@pytest.mark.parametrize(
    ("height", "names"),
    [
        (1080, ["1080p", "720p", "360p"]),
        (1440, ["1080p", "720p", "360p"]),
        (720, ["720p", "360p"]),
        (900, ["720p", "360p"]),
        (360, ["360p"]),
        (180, ["180p"]),
        (181, ["180p"]),
    ],
)
def test_rungs_never_exceed_the_source(height: int, names: list[str]) -> None:
    assert [r.name for r in rungs_for(height)] == names


def test_the_poster_is_taken_after_the_intro_slate_or_a_few_seconds_in() -> None:
    assert poster_at(300, 5) == 6.0  # Yanbian allows a 5 s slate with the title: skip it
    assert poster_at(300, None) == 3.0
    assert poster_at(4, 5) == 2.0  # a short clip: its middle
    assert poster_at(None, None) == 3.0


def test_the_sprite_holds_at_most_a_hundred_thumbnails_in_rows_of_ten() -> None:
    eight_minutes = sprite_grid(480, 1920, 1080)
    assert (eight_minutes.interval_s, eight_minutes.count, eight_minutes.columns, eight_minutes.rows) == (
        5,
        96,
        10,
        10,
    )
    assert eight_minutes.size == (1600, 900)
    short = sprite_grid(2, 1918, 1080)
    assert (short.count, short.columns, short.rows, short.tile_h) == (2, 2, 1, 90)
    assert sprite_grid(10, 1080, 1920).tile_h == 284  # portrait: taller tiles, still even


def test_each_vtt_cue_points_into_the_sprite() -> None:
    grid = sprite_grid(23.5, 1920, 1080)
    vtt = thumbnails_vtt(grid, 23.5)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,90\n")
    assert "00:00:10.000 --> 00:00:11.000\nsprite.jpg#xywh=0,90,160,90" in vtt  # second row
    assert vtt.rstrip().endswith("00:00:23.000 --> 00:00:23.500\nsprite.jpg#xywh=480,180,160,90")
    assert vtt.count("#xywh=") == grid.count == 24
