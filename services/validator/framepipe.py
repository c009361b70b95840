"""Raw frames from a running ffmpeg, through a named pipe, to a Python function, as they are decoded.

The quality pass decodes a file once; the few frames Python looks at itself
(1 fps grey frames for QR codes, 4x4 thumbnails for flashes) leave ffmpeg as
rawvideo on a FIFO instead of a file, so nothing the size of the video is
written to disk and ffmpeg's stdout stays free for ``-progress``.

The read end is opened non-blocking before ffmpeg starts (so ffmpeg's open of
the write end never waits) and polled from a thread. The thread ends when
the writer closes the pipe (EOF), or, if ffmpeg failed before it opened the
pipe at all, when the owner calls ``stop()`` after ffmpeg has exited: a
reader is never left waiting for a writer that will not come. A frame
handler that raises is recorded and the pipe is still drained, so ffmpeg is
never blocked on a full pipe by a dead reader.
"""

import contextlib
import os
import select
import threading
from collections.abc import Callable
from pathlib import Path

_POLL_MS = 200
_CHUNK = 1 << 20

FrameHandler = Callable[[int, bytes], None]


class FramePipe:
    """A FIFO at ``path`` cut into ``frame_size``-byte frames, each handed to ``on_frame(index, data)``."""

    def __init__(self, path: Path, frame_size: int, on_frame: FrameHandler) -> None:
        if frame_size <= 0:
            raise ValueError("frame_size must be positive")
        self.path = path
        self.frame_size = frame_size
        self.on_frame = on_frame
        self.frames = 0
        self.error: str | None = None
        os.mkfifo(path, 0o600)
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=f"framepipe-{path.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """The writer has exited: finish what is buffered and end the thread."""
        self._stop.set()

    def join(self, timeout_s: float) -> bool:
        """Wait for the thread; True when it has ended (it always does once stop() was called)."""
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _pump(self) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN | select.POLLHUP)
        pending = bytearray()
        try:
            while True:
                if not poller.poll(_POLL_MS):
                    # Linux reports HUP only after a writer came and went; nothing at all after
                    # stop() means ffmpeg never opened its end.
                    if self._stop.is_set():
                        return
                    continue
                try:
                    chunk = os.read(self._fd, _CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    return  # the writer closed the pipe: every frame has been read
                pending += chunk
                whole = len(pending) - len(pending) % self.frame_size
                for start in range(0, whole, self.frame_size):
                    self._deliver(bytes(pending[start : start + self.frame_size]))
                del pending[:whole]
        finally:
            with contextlib.suppress(OSError):
                os.close(self._fd)

    def _deliver(self, frame: bytes) -> None:
        index, self.frames = self.frames, self.frames + 1
        if self.error is not None:
            return  # keep draining so ffmpeg is not blocked, but stop calling a broken handler
        try:
            self.on_frame(index, frame)
        except Exception as exc:  # the handler's bug must not stall the decode
            self.error = f"{type(exc).__name__}: {exc}"
