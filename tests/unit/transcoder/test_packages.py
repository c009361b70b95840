"""HLS packages: a directory named by a hash over its files, moved into the blob store whole."""

import json
from pathlib import Path

from services.common.blob_files import FileBlobStore
from services.common.jobs import RUNNING
from services.transcoder.packages import member_path, store_package
from services.transcoder.workdirs import make_workdir, sweep_stale


def package_dir(root: Path, name: str, segment: bytes = b"segment") -> Path:
    folder = root / name
    (folder / "720p").mkdir(parents=True)
    (folder / "master.m3u8").write_text("#EXTM3U\n720p/index.m3u8\n")
    (folder / "720p" / "index.m3u8").write_text("#EXTM3U\nseg_00000.m4s\n")
    (folder / "720p" / "seg_00000.m4s").write_bytes(segment)
    return folder


async def test_a_package_is_content_addressed_and_stored_once(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    first = await store_package(blobs, package_dir(blobs.tmp, "a"))
    again = await store_package(blobs, package_dir(blobs.tmp, "b"))
    other = await store_package(blobs, package_dir(blobs.tmp, "c", segment=b"other"))
    assert first.sha256 == again.sha256 != other.sha256
    assert not (blobs.tmp / "a").exists() and not (blobs.tmp / "b").exists()
    assert sorted(first.members) == ["720p/index.m3u8", "720p/seg_00000.m4s", "master.m3u8"]
    ref = first.ref("master.m3u8")
    assert ref.uri == f"blob://package/{first.sha256}/master.m3u8"
    assert ref.media_type == "application/vnd.apple.mpegurl" and ref.size == len("#EXTM3U\n720p/index.m3u8\n")
    assert first.ref("720p/seg_00000.m4s").media_type == "video/iso.segment"


async def test_only_files_inside_a_package_are_served(tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    sha = (await store_package(blobs, package_dir(blobs.tmp, "a"))).sha256
    (blobs.root / "secret.txt").write_text("no")
    assert member_path(blobs, sha, "720p/seg_00000.m4s") is not None
    for bad in ("../../secret.txt", "720p/../../../secret.txt", "/etc/passwd", "", "720p"):
        assert member_path(blobs, sha, bad) is None, bad
    assert member_path(blobs, "../" + sha[3:], "master.m3u8") is None
    assert member_path(blobs, "f" * 64, "master.m3u8") is None


async def test_work_dirs_of_attempts_that_are_over_are_swept(tmp_path: Path) -> None:
    rows = {
        "live": {"_id": "live", "state": RUNNING, "worker": "w1", "attempts": 1},
        "taken": {"_id": "taken", "state": RUNNING, "worker": "w2", "attempts": 2},
        "done": {"_id": "done", "state": "done", "worker": "w1", "attempts": 1},
    }
    live = make_workdir(tmp_path, {**rows["live"]})
    taken_over = make_workdir(tmp_path, {**rows["taken"], "worker": "w1", "attempts": 1})
    finished = make_workdir(tmp_path, {**rows["done"]})
    assert json.loads((live / "owner.json").read_text())["worker"] == "w1"

    async def row(job_id: str) -> dict[str, object] | None:
        return rows.get(job_id)

    removed = await sweep_stale(tmp_path, row)
    assert sorted(removed) == sorted([taken_over, finished])
    assert live.exists() and not taken_over.exists() and not finished.exists()
