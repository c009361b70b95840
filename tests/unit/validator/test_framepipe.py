"""Frames through a FIFO: cut at frame boundaries, never a reader left waiting, never a writer blocked."""

import os
import threading
from pathlib import Path

from services.validator.framepipe import FramePipe


def write_in_pieces(path: Path, data: bytes, piece: int) -> threading.Thread:
    def run() -> None:
        fd = os.open(path, os.O_WRONLY)
        try:
            for start in range(0, len(data), piece):
                os.write(fd, data[start : start + piece])
        finally:
            os.close(fd)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_frames_arrive_whole_and_in_order_whatever_the_write_sizes(tmp_path: Path) -> None:
    got: list[tuple[int, bytes]] = []
    pipe = FramePipe(tmp_path / "f", 5, lambda i, frame: got.append((i, frame)))
    writer = write_in_pieces(pipe.path, b"".join(bytes([n]) * 5 for n in range(40)), piece=7)
    writer.join(30)
    pipe.stop()
    assert pipe.join(30)
    assert got == [(n, bytes([n]) * 5) for n in range(40)] and pipe.frames == 40 and pipe.error is None


def test_a_writer_that_never_comes_does_not_keep_the_reader(tmp_path: Path) -> None:
    pipe = FramePipe(tmp_path / "f", 5, lambda i, frame: None)
    pipe.stop()  # e.g. ffmpeg failed before it opened its outputs
    assert pipe.join(30) and pipe.frames == 0


def test_a_failing_handler_is_recorded_and_the_pipe_still_drains(tmp_path: Path) -> None:
    def explode(index: int, frame: bytes) -> None:
        raise ValueError("bad frame")

    pipe = FramePipe(tmp_path / "f", 4096, explode)
    # Far more than a pipe buffer (64 KiB): the writer would block forever on an undrained pipe.
    writer = write_in_pieces(pipe.path, bytes(4096 * 100), piece=65536)
    writer.join(30)
    assert not writer.is_alive()
    pipe.stop()
    assert pipe.join(30)
    assert pipe.frames == 100 and pipe.error == "ValueError: bad frame"
