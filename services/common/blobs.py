"""A content-addressed blob store on a local (or shared) directory.

Bytes are streamed to a temporary file while their sha256 is computed, then
renamed to ``sha256/ab/cdef...``: the same file uploaded twice is stored once,
and a reader never sees a half-written blob."""

import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterable
from pathlib import Path

from contracts import BlobRef

URI_PREFIX = "blob://sha256/"


class BlobTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"文件超过大小上限 {limit} 字节 / file exceeds the size limit of {limit} bytes")
        self.limit = limit


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256[2:]

    def path_of(self, ref: BlobRef) -> Path:
        return self.path(ref.sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def put_stream(
        self, chunks: AsyncIterable[bytes], media_type: str, max_bytes: int | None = None
    ) -> BlobRef:
        """Store a stream without holding it in memory; refuse it past ``max_bytes``."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
            return self._commit(Path(tmp_name), digest.hexdigest(), size, media_type)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def put_file(self, source: Path, media_type: str, move: bool = False) -> BlobRef:
        """Store a file written elsewhere (a transcoder output), hashing it once."""
        digest = hashlib.sha256()
        with source.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
        size = source.stat().st_size
        if move:
            return self._commit(source, digest.hexdigest(), size, media_type)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp)
        os.close(fd)
        shutil.copyfile(source, tmp_name)
        return self._commit(Path(tmp_name), digest.hexdigest(), size, media_type)

    def _commit(self, tmp: Path, sha256: str, size: int, media_type: str) -> BlobRef:
        final = self.path(sha256)
        if final.exists():
            tmp.unlink(missing_ok=True)
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        return BlobRef(uri=URI_PREFIX + sha256, sha256=sha256, size=size, media_type=media_type)
