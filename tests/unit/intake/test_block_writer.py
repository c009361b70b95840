"""The upload writer: blocks written and hashed beside the event loop, flushed to disk behind the
upload. What it reports written is in the file, and a disk error is never lost on the way."""

import asyncio
import hashlib
import os
import threading
from pathlib import Path
from unittest.mock import patch

import pytest

from services.intake.block_writer import BlockWriter


async def test_blocks_flushed_behind_the_upload_are_the_bytes_received(tmp_path: Path) -> None:
    blocks = [[os.urandom(1000), os.urandom(24)] for _ in range(20)]
    with (tmp_path / "partial").open("wb") as f:
        writer = BlockWriter(f, hashlib.sha256(), 0)
        for i, block in enumerate(blocks):
            await writer.put(block)
            if i % 3 == 0:
                writer.flush_behind()
        assert await writer.drain() == 20 * 1024
    received = b"".join(b"".join(block) for block in blocks)
    assert (tmp_path / "partial").read_bytes() == received
    assert writer.digest.hexdigest() == hashlib.sha256(received).hexdigest()


async def test_a_flush_that_failed_raises_when_the_writer_is_drained() -> None:
    # fdatasync of a pipe fails (EINVAL) as a disk failing a flush would: the kernel reports such
    # an error once, so swallowing it in the background would let the answer's own flush pass.
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb") as f:
        writer = BlockWriter(f, hashlib.sha256(), 0)
        await writer.put([b"bytes"])
        writer.flush_behind()
        with pytest.raises(OSError):
            await writer.drain()


async def test_blocks_go_on_being_written_while_a_flush_runs(tmp_path: Path) -> None:
    """Receiving must not wait for the disk at every flush, or flushing behind gains nothing."""
    flush_may_end = threading.Event()
    with (tmp_path / "partial").open("wb") as f:
        writer = BlockWriter(f, hashlib.sha256(), 0)
        await writer.put([b"first"])
        # The flush outlasts each put's deadline: a put that waited for it could not pass.
        with patch("services.intake.block_writer.os.fdatasync", lambda fd: flush_may_end.wait(60)):
            writer.flush_behind()
            for _ in range(3):
                await asyncio.wait_for(writer.put([b"more"]), timeout=20)  # while the flush waits
            flush_may_end.set()
            assert await writer.drain() == len(b"first") + 3 * len(b"more")
