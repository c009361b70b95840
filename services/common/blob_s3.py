"""The blob store on S3-compatible object storage (AWS S3, Aliyun OSS, Tencent COS, Huawei OBS,
MinIO, Ceph RGW), through obstore (docs/decisions/0011-object-storage.md).

Objects use the directory backend's layout below the bucket prefix (``sha256/ab/cdef...``,
``packages/<sha256>/...``). A stream is spooled to local scratch while hashed (its key is its
sha256, known only at the end), then uploaded in parts; the same bytes are uploaded once. Any
failure of the store itself is :class:`BlobUnavailable`."""

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store

from contracts import BlobRef
from services.common.blobs import (
    URI_PREFIX,
    BlobUnavailable,
    PartUploads,
    StoredObject,
    blob_key,
    file_sha256,
    spool,
)

PART_BYTES = 8 << 20  # S3 parts are at least 5 MiB; 8 MiB keeps a 1 GB file under 128 parts


@contextmanager
def unavailable_on_error(key: str) -> Iterator[None]:
    """Every fault of the store (down, refused, wrong bucket, missing object) as one error."""
    try:
        yield
    except (BaseError, OSError) as exc:
        raise BlobUnavailable(key, exc) from exc


async def object_exists(store: S3Store, key: str) -> bool:
    """Whether ``key`` is stored; a store that cannot answer is :class:`BlobUnavailable`."""
    try:
        await obstore.head_async(store, key)
    except (NotFoundError, FileNotFoundError):  # obstore raises the latter for a 404
        return False
    except (BaseError, OSError) as exc:
        raise BlobUnavailable(key, exc) from exc
    return True


class S3BlobStore:
    def __init__(
        self,
        store: S3Store,
        scratch: Path,
        scratch_max_bytes: int,
        public_url: str | None = None,
        make_parts: Callable[[], PartUploads] | None = None,
    ) -> None:
        """``make_parts``: builds the multipart client a resumable upload needs (blob_stores.py),
        called the first time one is asked for."""
        self.store = store
        self.scratch = scratch
        self.scratch_max_bytes = scratch_max_bytes
        self.public_url = public_url.rstrip("/") if public_url else None
        self.tmp = self.work_dir("tmp")
        self._make_parts = make_parts
        self._parts: PartUploads | None = None

    # Like FileBlobStore.work_dir in shape only: here scratch is local disk beside the bucket.
    def work_dir(self, name: str) -> Path:
        path = self.scratch / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def file_path(self, key: str) -> Path | None:
        return None

    def parts(self) -> PartUploads | None:
        if self._parts is None and self._make_parts is not None:
            self._parts = self._make_parts()
        return self._parts

    async def exists(self, sha256: str) -> bool:
        return await object_exists(self.store, blob_key(sha256))

    async def put_stream(
        self, chunks: AsyncIterable[bytes], media_type: str, max_bytes: int | None = None
    ) -> BlobRef:
        tmp, sha256, size = await spool(chunks, self.tmp, max_bytes)
        return await self._upload(tmp, sha256, size, media_type, consume=True)

    async def put_file(self, source: Path, media_type: str, move: bool = False) -> BlobRef:
        sha256 = await asyncio.to_thread(file_sha256, source)
        return await self._upload(source, sha256, source.stat().st_size, media_type, consume=move)

    async def adopt(self, source: Path, sha256: str, media_type: str) -> bool:
        if not await self.exists(sha256):
            if not source.exists():
                return False
            await self._upload(source, sha256, source.stat().st_size, media_type, False)
        source.unlink(missing_ok=True)
        return True

    async def _upload(self, source: Path, sha256: str, size: int, media_type: str, consume: bool) -> BlobRef:
        key = blob_key(sha256)
        try:
            if not await self.exists(sha256):  # content-addressed: the same bytes go up once
                with unavailable_on_error(key):
                    await obstore.put_async(
                        self.store,
                        key,
                        source,
                        chunk_size=PART_BYTES,
                        attributes={"Content-Type": media_type},
                    )
        finally:
            if consume:
                source.unlink(missing_ok=True)
        return BlobRef(uri=URI_PREFIX + sha256, sha256=sha256, size=size, media_type=media_type)

    async def put_tree(self, directory: Path, prefix: str) -> None:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            key = f"{prefix}/{path.relative_to(directory).as_posix()}"
            with unavailable_on_error(key):
                await obstore.put_async(self.store, key, path, chunk_size=PART_BYTES)
        shutil.rmtree(directory, ignore_errors=True)

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        key = blob_key(sha256)
        with unavailable_on_error(key):
            if end is None:
                result = await obstore.get_async(self.store, key, options={"range": {"offset": start}})
                return bytes(await result.bytes_async())
            if end <= start:
                return b""
            return bytes(await obstore.get_range_async(self.store, key, start=start, end=end))

    async def stream(self, sha256: str) -> AsyncIterator[bytes]:
        key = blob_key(sha256)
        with unavailable_on_error(key):
            result = await obstore.get_async(self.store, key)
            async for chunk in result.stream(min_chunk_size=1 << 20):
                yield bytes(chunk)

    async def delete(self, sha256: str) -> None:
        await self.delete_object(blob_key(sha256))

    async def objects(self, prefix: str) -> AsyncIterator[StoredObject]:
        with unavailable_on_error(prefix):
            async for batch in obstore.list(self.store, prefix=prefix):
                for meta in batch:
                    yield StoredObject(meta["path"], meta["size"], meta["last_modified"])

    async def delete_object(self, key: str) -> None:
        with unavailable_on_error(key):
            await obstore.delete_async(self.store, key)

    async def url(self, key: str, expires_s: int = 3600, public: bool = True) -> str:
        if public and self.public_url:
            return f"{self.public_url}/{key}"
        with unavailable_on_error(key):
            return await obstore.sign_async(self.store, "GET", key, timedelta(seconds=expires_s))

    @asynccontextmanager
    async def local_copy(self, ref: BlobRef) -> AsyncIterator[Path]:
        key = blob_key(ref.sha256)
        if ref.size > self.scratch_max_bytes:
            raise BlobUnavailable(key, f"{ref.size} bytes exceed the scratch bound {self.scratch_max_bytes}")
        fd, name = tempfile.mkstemp(dir=self.tmp)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in self.stream(ref.sha256):
                    await asyncio.to_thread(out.write, chunk)
            yield path
        finally:
            path.unlink(missing_ok=True)
