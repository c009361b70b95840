"""Streaming renditions in one decode pass: the HLS ladder, the poster and the scrubbing sprite (pure).

One ffmpeg process decodes the master once, splits the picture and scales it per output:
every HLS rung (fMP4 segments, keyframes aligned across rungs, one shared AAC rendition and
a master playlist), a poster frame taken after the intro slate, and small thumbnails at
regular times. The thumbnails are then tiled into one sprite (whose WebVTT index a player
uses to preview while scrubbing) by a second, tiny ffmpeg run over at most a hundred 160-pixel
JPEGs: tiling inside the pass would hold back ffmpeg's progress reports until the sheet is full,
at the very end (ffmpeg 5.1 sends its first report only once every output has started). Rungs
never exceed the source's height: a 720p upload gets 720p and 360p, never an upscaled 1080p."""

import math
from dataclasses import dataclass
from pathlib import Path

from services.media.inputs import input_args
from services.transcoder.encoders import EncoderChoice

SEGMENT_S = 4.0
AUDIO_KBPS = 128
POSTER_HEIGHT = 720
THUMB_WIDTH = 160
SPRITE_COLUMNS = 10
MAX_THUMBS = 100
DEFAULT_POSTER_AT_S = 3.0  # "a few seconds in": past a fade from black


@dataclass(frozen=True)
class Rung:
    name: str
    height: int
    kbps: int


LADDER = (Rung("1080p", 1080, 5000), Rung("720p", 720, 2800), Rung("360p", 360, 800))


def rungs_for(source_height: int) -> list[Rung]:
    fitting = [r for r in LADDER if r.height <= source_height]
    if fitting:
        return fitting
    # Smaller than the lowest rung: one rung at the source's own (even) height.
    height = max(2, source_height - source_height % 2)
    return [Rung(f"{height}p", height, max(200, LADDER[-1].kbps * height // LADDER[-1].height))]


def poster_at(duration_s: float | None, intro_slate_max_s: float | None) -> float:
    """After the intro slate (title card) when the campaign allows one, else a few seconds in."""
    at = intro_slate_max_s + 1.0 if intro_slate_max_s is not None else DEFAULT_POSTER_AT_S
    if duration_s:
        at = min(at, duration_s * 0.5)
    return round(at, 3)


@dataclass(frozen=True)
class SpriteGrid:
    interval_s: float
    count: int
    columns: int
    rows: int
    tile_w: int
    tile_h: int

    @property
    def size(self) -> tuple[int, int]:
        return self.columns * self.tile_w, self.rows * self.tile_h


def sprite_grid(duration_s: float, width: int, height: int) -> SpriteGrid:
    interval = max(1.0, float(math.ceil(duration_s / MAX_THUMBS)))
    count = max(1, math.ceil(duration_s / interval))
    columns = min(SPRITE_COLUMNS, count)
    tile_h = max(2, round(THUMB_WIDTH * height / width / 2) * 2)
    return SpriteGrid(interval, count, columns, math.ceil(count / columns), THUMB_WIDTH, tile_h)


def thumbnails_vtt(grid: SpriteGrid, duration_s: float, sprite_name: str = "sprite.jpg") -> str:
    """WebVTT cues, one per thumbnail, pointing into the sprite with a media fragment (#xywh)."""
    lines = ["WEBVTT", ""]
    for i in range(grid.count):
        start, end = i * grid.interval_s, min((i + 1) * grid.interval_s, duration_s)
        x, y = (i % grid.columns) * grid.tile_w, (i // grid.columns) * grid.tile_h
        lines += [f"{_vtt_time(start)} --> {_vtt_time(max(end, start + 0.001))}"]
        lines += [f"{sprite_name}#xywh={x},{y},{grid.tile_w},{grid.tile_h}", ""]
    return "\n".join(lines)


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


@dataclass(frozen=True)
class StreamingOutputs:
    package: Path  # the directory that becomes the HLS package
    master_playlist: Path
    poster: Path
    thumbs: Path  # an image2 pattern: thumb-0000.jpg, thumb-0001.jpg, ...
    sprite: Path
    rungs: list[Rung]
    grid: SpriteGrid


def streaming_args(
    source: Path,
    workdir: Path,
    *,
    height: int,
    frame_rate: float,
    has_audio: bool,
    grid: SpriteGrid,
    poster_s: float,
    encoder: EncoderChoice,
) -> tuple[list[str], StreamingOutputs]:
    """ffmpeg arguments (after the runner's own) for the one decode pass, and where it writes."""
    package = workdir / "package"
    rungs = rungs_for(height)
    outputs = StreamingOutputs(
        package,
        package / "master.m3u8",
        workdir / "poster.jpg",
        workdir / "thumb-%04d.jpg",
        package / "sprite.jpg",
        rungs,
        grid,
    )
    n = len(rungs)
    labels = [f"r{i}" for i in range(n)]
    graph = [f"[0:v:0]split={n + 2}{''.join(f'[{x}]' for x in labels)}[p][s]"]
    graph += [f"[r{i}]scale=-2:{r.height},format=yuv420p[v{i}]" for i, r in enumerate(rungs)]
    poster_h = min(POSTER_HEIGHT, height - height % 2)
    graph.append(f"[p]trim=start={poster_s:g},thumbnail=25,scale=-2:{poster_h}[poster]")
    graph.append(f"[s]fps=1/{grid.interval_s:g},scale={grid.tile_w}:{grid.tile_h}[thumbs]")
    # -xerror: a damaged stretch of the file stops the pass instead of being papered over.
    args = ["-xerror", *encoder.decode_args(), *input_args(source)]
    args += ["-filter_complex", ";".join(graph)]
    for i in range(n):
        args += ["-map", f"[v{i}]"]
    if has_audio:
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]
    for i, rung in enumerate(rungs):
        args += encoder.rung_args(i, rung.kbps)
    gop = max(1, round(SEGMENT_S / 2 * frame_rate))
    args += encoder.ladder_gop_args(gop, SEGMENT_S)
    variants = [f"v:{i},name:{r.name}" + (",agroup:audio" if has_audio else "") for i, r in enumerate(rungs)]
    if has_audio:
        variants.append("a:0,agroup:audio,name:audio")
    args += [
        "-f",
        "hls",
        "-hls_time",
        f"{SEGMENT_S:g}",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_flags",
        "independent_segments",
        "-hls_fmp4_init_filename",
        "init.mp4",
        "-hls_segment_filename",
        str(package / "%v" / "seg_%05d.m4s"),
        "-master_pl_name",
        outputs.master_playlist.name,
        "-var_stream_map",
        " ".join(variants),
        str(package / "%v" / "index.m3u8"),
    ]
    args += ["-map", "[poster]", "-frames:v", "1", "-q:v", "3", "-f", "image2", str(outputs.poster)]
    thumbs = ["-map", "[thumbs]", "-frames:v", str(grid.count), "-q:v", "5", "-f", "image2"]
    args += [*thumbs, "-start_number", "0", str(outputs.thumbs)]
    return args, outputs


def sprite_args(outputs: StreamingOutputs) -> list[str]:
    """Tile the pass's thumbnails into the sprite (a short last row is padded)."""
    grid = outputs.grid
    source = ["-f", "image2", "-framerate", "1", "-start_number", "0", "-i", str(outputs.thumbs)]
    tile = ["-vf", f"tile={grid.columns}x{grid.rows}", "-frames:v", "1", "-q:v", "5"]
    return [*source, *tile, "-f", "image2", str(outputs.sprite)]
