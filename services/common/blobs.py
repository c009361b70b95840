"""One blob interface (:class:`BlobStore`), two backends: a directory (``blob_files``) and
S3-compatible object storage (``blob_s3``); ``blob_stores.open_blob_store`` picks one from
``ZHENGJI_BLOB_URL``. See docs/decisions/0011-object-storage.md.

Blobs are content-addressed: stored under ``sha256/ab/cdef...``, so the same file uploaded twice
is stored once and a reader never sees a half-written blob. A blob that cannot be read (the store
is down, the bucket is wrong, the object is missing) raises :class:`BlobUnavailable`, an
infrastructure fault callers retry, never a verdict on the entrant's file."""

import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from contracts import BlobRef
from services.common.errors import ServiceError

URI_PREFIX = "blob://sha256/"


class BlobTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"文件超过大小上限 {limit} 字节 / file exceeds the size limit of {limit} bytes")
        self.limit = limit


class BlobUnavailable(ServiceError):
    """The store could not give a blob back: ours to retry and alert on, not the entrant's fault."""

    def __init__(self, key: str, cause: BaseException | str) -> None:
        super().__init__(
            503,
            "文件存储暂时无法读取，请稍后再试",
            "the file store cannot be read right now; try again later",
        )
        self.key, self.cause = key, str(cause)

    def __str__(self) -> str:
        return f"blob {self.key} unavailable: {self.cause}"


def blob_key(sha256: str) -> str:
    """Where a blob lives below the store's root (a directory or a bucket prefix)."""
    return f"sha256/{sha256[:2]}/{sha256[2:]}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


async def spool(
    chunks: AsyncIterable[bytes], directory: Path, max_bytes: int | None
) -> tuple[Path, str, int]:
    """A stream written to a temporary file in ``directory`` while hashed; refused past ``max_bytes``."""
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return Path(tmp_name), digest.hexdigest(), size


@dataclass(frozen=True)
class StoredObject:
    """One object of the store, as a listing shows it (for garbage collection and audits)."""

    key: str  # below the store's root: ``sha256/ab/cdef...`` or ``packages/<sha256>/<path>``
    size: int
    modified: datetime


class PartUploads(Protocol):
    """Multipart uploads kept by id across processes (S3): where a tus upload's bytes go as they
    arrive. ``key`` is a staging object below the store's root, not a blob."""

    part_bytes: int

    async def create(self, key: str, media_type: str) -> str: ...

    async def put_part(self, key: str, upload_id: str, number: int, source: Path) -> str: ...

    async def complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool: ...

    async def abort(self, key: str, upload_id: str) -> None: ...

    async def sha256(self, key: str) -> str: ...

    async def adopt(self, key: str, sha256: str) -> bool: ...


class BlobStore(Protocol):
    async def put_stream(
        self, chunks: AsyncIterable[bytes], media_type: str, max_bytes: int | None = None
    ) -> BlobRef:
        """Store a stream without holding it in memory; :class:`BlobTooLarge` past ``max_bytes``."""
        ...

    async def put_file(self, source: Path, media_type: str, move: bool = False) -> BlobRef:
        """Store a file written elsewhere (a transcoder output); ``move`` consumes it."""
        ...

    async def adopt(self, source: Path, sha256: str, media_type: str) -> bool:
        """Store (moving) a file whose sha256 the caller computed while receiving it (a tus
        upload); False when neither it nor a stored copy of those bytes exists."""
        ...

    def parts(self) -> PartUploads | None:
        """Where a resumable upload's parts go as they arrive (S3), or None: it is received into
        a local partial file and :meth:`adopt`-ed when complete (a directory)."""
        ...

    async def put_tree(self, directory: Path, prefix: str) -> None:
        """Store every file below ``directory`` under ``prefix/`` (an HLS package), consuming it."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of a blob (all of it from ``start`` when ``end`` is None)."""
        ...

    def stream(self, sha256: str) -> AsyncIterator[bytes]:
        """A blob's bytes in chunks, for answering a download without holding it."""
        ...

    async def delete(self, sha256: str) -> None:
        """Remove a blob; removing one that is not there is not an error."""
        ...

    def objects(self, prefix: str) -> AsyncIterator[StoredObject]:
        """Every stored object whose key starts with ``prefix`` (``sha256/``, ``packages/``)."""
        ...

    async def delete_object(self, key: str) -> None:
        """Remove one object by key (a package member); a missing one is not an error."""
        ...

    async def url(self, key: str, expires_s: int = 3600, public: bool = True) -> str:
        """Where a reader outside the services gets ``key``: the public (CDN) base URL when one is
        set and ``public`` (a published rendition), else a presigned URL (S3) or a file URI (a
        directory). Who may have which link: ``blob_links.py``."""
        ...

    def local_copy(self, ref: BlobRef) -> AbstractAsyncContextManager[Path]:
        """A local file with the blob's bytes, for tools that seek (ffprobe, ffmpeg, PDF readers):
        the stored file itself on a directory, a bounded scratch copy removed on exit on S3."""
        ...

    def file_path(self, key: str) -> Path | None:
        """The stored object's own file when this backend keeps objects on local disk, else None
        (readers then use :meth:`url`)."""
        ...

    def work_dir(self, name: str) -> Path:
        """A local directory for working files (``tmp`` for job work dirs, ``tus`` for partial
        uploads); on a directory backend it is on the same volume, so outputs move in one rename."""
        ...
