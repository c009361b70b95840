"""A scrub child ended by its resource limits fails the file, never the job (which would retry)."""

from pathlib import Path

import pytest

from services.media.scrub import ScrubFailed, scrub_file_bounded


async def test_a_child_that_aborts_under_its_memory_limit_fails_the_file(tmp_path: Path) -> None:
    """x265 unable to allocate under RLIMIT_AS throws std::bad_alloc and the child aborts (SIGABRT):
    the file is over the limits, not our fault, and a retry would abort again. The stand-in child
    aborts as it would."""
    child = tmp_path / "aborting-child"
    child.write_text("#!/bin/sh\nkill -ABRT $$\n")
    child.chmod(0o755)
    source = tmp_path / "photo.heic"
    source.write_bytes(b"")
    with pytest.raises(ScrubFailed, match="over the resource limits"):
        await scrub_file_bounded("heic", source, tmp_path / "out.heic", 30, python_bin=str(child))
