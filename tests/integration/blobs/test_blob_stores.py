"""The blob interface's behaviour, the same on a directory and on S3 (moto's server on loopback)."""

import hashlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from starlette.responses import FileResponse

from services.common.blob_files import FileBlobStore
from services.common.blob_http import blob_response
from services.common.blob_stores import open_blob_store
from services.common.blobs import BlobStore, BlobTooLarge, BlobUnavailable, blob_key
from services.common.settings import Settings
from tests.integration.blobs.conftest import s3_settings
from zhengji.ports import free_port

DATA = os.urandom(3 * (1 << 20) + 123)  # several chunks, not a whole number of them


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


async def collected(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def fetch(url: str) -> bytes:
    if url.startswith("file://"):
        return Path(url.removeprefix("file://")).read_bytes()
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content


async def test_a_stream_comes_back_byte_for_byte_with_its_sha256_and_size(blobs: BlobStore) -> None:
    ref = await blobs.put_stream(chunks(DATA), "video/mp4")

    assert (ref.sha256, ref.size, ref.media_type) == (
        hashlib.sha256(DATA).hexdigest(),
        len(DATA),
        "video/mp4",
    )
    assert await blobs.exists(ref.sha256)
    assert await blobs.read(ref.sha256) == DATA
    assert await collected(blobs.stream(ref.sha256)) == DATA
    assert await fetch(await blobs.url(blob_key(ref.sha256))) == DATA


async def test_a_stream_past_the_cap_is_refused_and_leaves_nothing(blobs: BlobStore) -> None:
    with pytest.raises(BlobTooLarge) as refused:
        await blobs.put_stream(chunks(DATA), "video/mp4", max_bytes=len(DATA) - 1)

    assert refused.value.limit == len(DATA) - 1
    assert not await blobs.exists(hashlib.sha256(DATA).hexdigest())
    assert list(blobs.work_dir("tmp").iterdir()) == []


async def test_the_same_bytes_stored_twice_are_one_blob(blobs: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "master.mp4"
    source.write_bytes(DATA)
    first = await blobs.put_file(source, "video/mp4")
    second = await blobs.put_stream(chunks(DATA), "video/mp4")
    moved = await blobs.put_file(source, "video/mp4", move=True)

    assert first == second == moved
    assert not source.exists()
    assert await blobs.read(first.sha256) == DATA


async def test_a_range_is_read_without_the_rest(blobs: BlobStore) -> None:
    ref = await blobs.put_stream(chunks(DATA), "application/pdf")

    assert await blobs.read(ref.sha256, 1000, 1010) == DATA[1000:1010]
    assert await blobs.read(ref.sha256, len(DATA) - 7) == DATA[-7:]
    assert await blobs.read(ref.sha256, 5, 5) == b""


async def test_a_local_copy_holds_the_bytes_for_a_tool_that_seeks(blobs: BlobStore) -> None:
    ref = await blobs.put_stream(chunks(DATA), "video/mp4")

    async with blobs.local_copy(ref) as path:
        assert path.read_bytes() == DATA
        copy = path
    # The directory backend hands out the stored file itself; S3's scratch copy is gone.
    assert copy.exists() == (blobs.file_path(blob_key(ref.sha256)) is not None)
    assert await blobs.read(ref.sha256, 0, 4) == DATA[:4]


async def test_a_finished_upload_is_adopted_under_the_hash_it_was_received_with(
    blobs: BlobStore, tmp_path: Path
) -> None:
    partial = tmp_path / "upload"
    partial.write_bytes(DATA)
    sha256 = hashlib.sha256(DATA).hexdigest()

    assert await blobs.adopt(partial, sha256, "video/mp4")
    assert not partial.exists()
    assert await blobs.read(sha256) == DATA
    assert await blobs.adopt(partial, sha256, "video/mp4")  # again (a retried finish): the stored copy serves
    assert not await blobs.adopt(partial, hashlib.sha256(b"lost").hexdigest(), "video/mp4")


async def test_a_package_is_stored_under_its_prefix(blobs: BlobStore, tmp_path: Path) -> None:
    package = blobs.work_dir("tmp") / "pkg"
    (package / "720p").mkdir(parents=True)
    (package / "index.m3u8").write_text("#EXTM3U\n")
    (package / "720p" / "seg1.m4s").write_bytes(DATA[:1000])

    await blobs.put_tree(package, "packages/abc")

    assert not package.exists()
    assert await fetch(await blobs.url("packages/abc/720p/seg1.m4s")) == DATA[:1000]
    assert await fetch(await blobs.url("packages/abc/index.m3u8")) == b"#EXTM3U\n"


async def test_a_deleted_blob_is_gone_and_deleting_it_again_is_harmless(blobs: BlobStore) -> None:
    ref = await blobs.put_stream(chunks(b"bye"), "text/plain")
    await blobs.delete(ref.sha256)
    await blobs.delete(ref.sha256)

    assert not await blobs.exists(ref.sha256)


async def test_a_missing_blob_is_unavailable_not_a_bad_file(blobs: BlobStore) -> None:
    ref = await blobs.put_stream(chunks(b"here"), "text/plain")
    await blobs.delete(ref.sha256)

    with pytest.raises(BlobUnavailable):
        await blobs.read(ref.sha256)
    with pytest.raises(BlobUnavailable):
        await collected(blobs.stream(ref.sha256))
    with pytest.raises(BlobUnavailable):
        async with blobs.local_copy(ref):
            pass


@pytest.fixture
def take_down(
    backend: str, blob_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[BlobStore], BlobStore]:
    """The same store once it cannot be reached: the volume gone, or nothing on the S3 port."""

    def down(blobs: BlobStore) -> BlobStore:
        if isinstance(blobs, FileBlobStore):
            shutil.rmtree(blobs.root)
            return blobs
        dead = f"http://127.0.0.1:{free_port()}"
        bucket = (blob_settings.blob_url or "").removeprefix("s3://").split("/")[0]
        return open_blob_store(s3_settings(monkeypatch, tmp_path, dead, bucket))

    return down


async def test_a_store_that_is_down_is_unavailable(
    blobs: BlobStore, take_down: Callable[[BlobStore], BlobStore]
) -> None:
    ref = await blobs.put_stream(chunks(b"stored"), "text/plain")
    down = take_down(blobs)

    with pytest.raises(BlobUnavailable):
        await down.read(ref.sha256)
    with pytest.raises(BlobUnavailable):
        async with down.local_copy(ref):
            pass


async def test_a_wrong_bucket_is_unavailable(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blobs = open_blob_store(s3_settings(monkeypatch, tmp_path, s3_endpoint, "no-such-bucket"))

    with pytest.raises(BlobUnavailable):
        await blobs.put_stream(chunks(b"x"), "text/plain")
    with pytest.raises(BlobUnavailable):
        await blobs.read(hashlib.sha256(b"x").hexdigest())


async def test_a_download_is_the_file_itself_or_a_redirect_to_the_store(blobs: BlobStore) -> None:
    ref = await blobs.put_stream(chunks(DATA), "video/mp4")

    response = await blob_response(blobs, ref.sha256)

    if isinstance(response, FileResponse):  # Starlette answers range requests on it: a video seeks
        assert Path(response.path).read_bytes() == DATA
    else:
        assert response.status_code == 307
        assert await fetch(response.headers["location"]) == DATA
