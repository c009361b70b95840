"""The blob store on a local (or shared) directory: the embedded default.

Bytes are streamed to a temporary file under ``tmp/`` while hashed, then renamed into
``sha256/ab/cdef...``; everything below the root is one volume, so every commit is a rename."""

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from contracts import BlobRef
from services.common.blobs import (
    URI_PREFIX,
    BlobUnavailable,
    StoredObject,
    blob_key,
    file_sha256,
    spool,
)

CHUNK = 1 << 20


class FileBlobStore:
    def __init__(self, root: Path, public_url: str | None = None) -> None:
        self.root = root
        self.public_url = public_url.rstrip("/") if public_url else None
        self.tmp = self.work_dir("tmp")

    def work_dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def file_path(self, key: str) -> Path | None:
        return self.root / key

    async def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def put_stream(
        self, chunks: AsyncIterable[bytes], media_type: str, max_bytes: int | None = None
    ) -> BlobRef:
        tmp, sha256, size = await spool(chunks, self.tmp, max_bytes)
        return await asyncio.to_thread(self._commit, tmp, sha256, size, media_type)

    async def put_file(self, source: Path, media_type: str, move: bool = False) -> BlobRef:
        return await asyncio.to_thread(self._put_file, source, media_type, move)

    def _put_file(self, source: Path, media_type: str, move: bool) -> BlobRef:
        sha256, size = file_sha256(source), source.stat().st_size
        if move:
            return self._commit(source, sha256, size, media_type)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp)
        os.close(fd)
        shutil.copyfile(source, tmp_name)
        return self._commit(Path(tmp_name), sha256, size, media_type)

    def _commit(self, tmp: Path, sha256: str, size: int, media_type: str) -> BlobRef:
        final = self.path(sha256)
        if final.exists():
            tmp.unlink(missing_ok=True)
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        return BlobRef(uri=URI_PREFIX + sha256, sha256=sha256, size=size, media_type=media_type)

    async def adopt(self, source: Path, sha256: str, media_type: str) -> bool:
        def move() -> bool:
            final = self.path(sha256)
            if final.exists():  # the same bytes already stored serve both
                source.unlink(missing_ok=True)
                return True
            if not source.exists():
                return False
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, final)
            return True

        return await asyncio.to_thread(move)

    def parts(self) -> None:
        return None

    async def put_tree(self, directory: Path, prefix: str) -> None:
        final = self.root / prefix
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(directory, final)  # work dirs live under the root: atomic
        except OSError:
            if not final.is_dir():
                raise
            shutil.rmtree(directory, ignore_errors=True)  # the same tree is already there

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        def read() -> bytes:
            with self._open(sha256) as f:
                f.seek(start)
                return f.read() if end is None else f.read(max(0, end - start))

        return await asyncio.to_thread(read)

    async def stream(self, sha256: str) -> AsyncIterator[bytes]:
        with self._open(sha256) as f:
            while block := await asyncio.to_thread(f.read, CHUNK):
                yield block

    def _open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except OSError as exc:
            raise BlobUnavailable(blob_key(sha256), exc) from exc

    async def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    async def objects(self, prefix: str) -> AsyncIterator[StoredObject]:
        def listing() -> list[StoredObject]:
            top = self.root / prefix
            found = []
            for path in sorted(top.rglob("*")) if top.is_dir() else []:
                with suppress(FileNotFoundError):  # removed while listed
                    info = path.stat()
                    if path.is_file():
                        modified = datetime.fromtimestamp(info.st_mtime, UTC)
                        key = path.relative_to(self.root).as_posix()
                        found.append(StoredObject(key, info.st_size, modified))
            return found

        for item in await asyncio.to_thread(listing):
            yield item

    async def delete_object(self, key: str) -> None:
        def remove() -> None:
            path = self.root / key
            path.unlink(missing_ok=True)
            # Empty directories left behind (a whole package removed) go too, up to the root.
            for parent in path.parents:
                if parent == self.root or not parent.is_relative_to(self.root):
                    break
                try:
                    parent.rmdir()
                except OSError:
                    break

        await asyncio.to_thread(remove)

    async def url(self, key: str, expires_s: int = 3600, public: bool = True) -> str:
        if public and self.public_url:
            return f"{self.public_url}/{key}"
        return (self.root / key).resolve().as_uri()

    @asynccontextmanager
    async def local_copy(self, ref: BlobRef) -> AsyncIterator[Path]:
        path = self.path(ref.sha256)
        if not path.is_file():
            raise BlobUnavailable(blob_key(ref.sha256), f"no file at {path}")
        yield path
