"""Writing an upload's blocks in a thread while the next block arrives (one block in flight).

Hashing and writing 1 MiB takes about as long as receiving it on loopback; doing it in a thread
beside the event loop keeps the loop free for other requests and lets the two overlap. The
offset only counts blocks whose write finished, and the digest is only trusted when every block
handed over was written, so an interrupted write never leaves an offset and a hash that disagree.

A block is the body's pieces as the server handed them over, not one buffer: gathering them
into a ``bytearray`` and slicing it copied every byte three times on the event loop, a fifth of
a loopback upload's time (docs/performance.md, "tus uploads").

A PATCH is answered once its bytes are on disk (``partials.checkpoint``). Left to the end, that
``fdatasync`` writes the whole body out after the last byte has arrived: a third of a 400 MB
upload's time. ``flush_behind`` starts writing what has arrived while the rest comes in, so the
last ``fdatasync`` has only the tail left; ``drain`` waits for it too, which also holds the client
back when the disk is slower than the network, instead of filling memory with dirty pages.
"""

import asyncio
import hashlib
import os
from collections import deque
from typing import BinaryIO

from services.intake import partials


class Pieces:
    """The body's pieces received and not yet handed to the writer; ``len`` is their bytes."""

    def __init__(self) -> None:
        self._pieces: deque[bytes] = deque()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, piece: bytes) -> None:
        self._pieces.append(piece)
        self._size += len(piece)

    def take(self, n: int) -> list[bytes]:
        """The first ``n`` bytes (all, if fewer), as pieces: only a piece cut at the end is copied."""
        taken: list[bytes] = []
        need = min(n, self._size)
        self._size -= need
        while need > 0:
            piece = self._pieces.popleft()
            if len(piece) > need:
                piece, rest = piece[:need], piece[need:]
                self._pieces.appendleft(rest)
            taken.append(piece)
            need -= len(piece)
        return taken


class BlockWriter:
    def __init__(self, f: BinaryIO, digest: "hashlib._Hash", offset: int) -> None:
        self.f, self.digest = f, digest
        self.written = offset
        self._pending: asyncio.Task[None] | None = None
        self._pending_len = 0
        self._flushing: asyncio.Future[None] | None = None

    @property
    def queued(self) -> int:
        """Bytes handed over so far, written or not."""
        return self.written + (self._pending_len if self._pending is not None else 0)

    async def put(self, block: list[bytes]) -> None:
        await self._block_written()  # not the flush: receiving goes on while the disk catches up
        self._pending = asyncio.ensure_future(asyncio.to_thread(partials.append, self.f, self.digest, block))
        self._pending_len = sum(map(len, block))

    def flush_behind(self) -> None:
        """Start putting the bytes written so far onto the disk, in a thread, unless a flush is
        still running. A head start only: the answer still waits for ``partials.checkpoint``."""
        if self._flushing is None:
            self._flushing = asyncio.ensure_future(asyncio.to_thread(os.fdatasync, self.f.fileno()))

    async def drain(self) -> int:
        """Wait for the block in flight and the flush started (even if we are cancelled meanwhile);
        the bytes written. A failed flush raises here: the kernel reports a write error once, so
        the caller's own ``fdatasync`` after it could not be trusted to see it."""
        await self._block_written()
        if self._flushing is not None:
            flushing, self._flushing = self._flushing, None
            await asyncio.shield(flushing)
        return self.written

    async def _block_written(self) -> None:
        if self._pending is not None:
            await asyncio.shield(self._pending)
            self.written += self._pending_len
            self._pending = None
