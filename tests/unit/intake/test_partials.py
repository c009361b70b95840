"""A partial upload on disk: bytes a crash wrote past the recorded offset are dropped, and the
digest recomputed from the file is that of exactly the recorded bytes."""

import hashlib
import os
from pathlib import Path

from services.intake import partials
from services.intake.tus import parse_metadata


def test_resuming_after_a_crash_gives_the_digest_of_the_whole_file(tmp_path: Path) -> None:
    data = os.urandom(3 * partials.BLOCK + 123)
    path = tmp_path / "upload"
    assert partials.prepare(path, 0) == 0
    first = partials.rehash(path, 0)
    with partials.open_at(path, 0) as f:
        partials.append(f, first, [data[:600], data[600:1000]])
        partials.checkpoint(f)
        f.write(b"written but never recorded")  # the process dies here
    assert partials.prepare(path, 1000) == 1000, "the unrecorded tail is cut"
    again = partials.rehash(path, 1000)  # the hash state did not survive: recomputed from disk
    assert again.hexdigest() == hashlib.sha256(data[:1000]).hexdigest()
    with partials.open_at(path, 1000) as f:
        partials.append(f, again, [data[1000:]])
        partials.checkpoint(f)
    assert again.hexdigest() == hashlib.sha256(data).hexdigest()
    assert path.read_bytes() == data


def test_a_file_shorter_than_its_recorded_offset_says_how_much_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes(b"x" * 10)
    assert partials.prepare(path, 50) == 10


def test_upload_metadata_is_base64_pairs_and_a_key_may_have_no_value() -> None:
    header = "submission_id U0FCQw==,filename 57qi6Imy5pWF5LqLLm1wNA==,flag"
    assert parse_metadata(header) == {"submission_id": "SABC", "filename": "红色故事.mp4", "flag": ""}
