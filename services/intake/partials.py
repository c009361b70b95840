"""A partial upload on disk: bytes appended at an offset, hashed as they come (pure file work).

The sha256 state cannot be saved (hashlib objects do not pickle), so the digest of a partial
file lives in memory while its uploads go on. After a restart, or on another replica, it is
recomputed once from the bytes on disk up to the recorded offset: a resumed 400 MB upload costs
one read of what is already there (about a second), and the digest is always of the stored bytes.

These functions block: callers run them in a thread."""

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

BLOCK = 1 << 20


def prepare(path: Path, offset: int) -> int:
    """Make the file hold exactly the recorded bytes; returns how many it really has.

    Bytes past ``offset`` were written but never recorded (a crash mid-request): dropped. Fewer
    bytes than ``offset`` (the machine lost unflushed pages) means the offset must come back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as f:
        size = f.tell()
        if size > offset:
            f.truncate(offset)
            return offset
        return size


def size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def rehash(path: Path, offset: int) -> "hashlib._Hash":
    digest = hashlib.sha256()
    remaining = offset
    with path.open("rb") as f:
        while remaining > 0 and (block := f.read(min(BLOCK, remaining))):
            digest.update(block)
            remaining -= len(block)
    return digest


def append(f: BinaryIO, digest: "hashlib._Hash", pieces: list[bytes]) -> None:
    for piece in pieces:
        f.write(piece)
        digest.update(piece)  # hashlib releases the GIL for large buffers: this runs beside the loop


def flush(f: BinaryIO) -> None:
    """Hand the bytes to the kernel: they survive the process dying (the usual crash)."""
    f.flush()


def checkpoint(f: BinaryIO) -> None:
    """Also onto the disk: they survive the machine going down. Done when a PATCH ends, because
    its answer tells the client the server holds those bytes."""
    f.flush()
    os.fdatasync(f.fileno())


def open_at(path: Path, offset: int) -> BinaryIO:
    f = path.open("r+b")
    f.seek(offset)
    return f
