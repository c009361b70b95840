"""S3 multipart uploads that outlive the process that began them (a tus upload's parts).

A resumable upload sends its parts to the store as they arrive; after intake restarts, the same
multipart upload (by its id, kept in the upload's record) takes the next part, and is completed
or aborted later, maybe by another replica. obstore 0.12 only runs a multipart upload inside one
call (``put``) or one writer object, with no upload id to keep, so these calls go through
aiobotocore (docs/decisions/0014-tus-onto-multipart.md); copying, reading and deleting the
finished object stay on obstore. Any fault of the store is :class:`BlobUnavailable`."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import obstore
from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from obstore.exceptions import BaseError
from obstore.store import S3Store

from services.common.blob_s3 import PART_BYTES, object_exists
from services.common.blobs import BlobUnavailable, blob_key
from services.common.settings import Settings

# A client costs 30-150 ms to make (botocore builds it from its service model): one is kept while
# parts arrive, and closed once none has come for this long.
CLIENT_LINGER_S = 60.0


@contextmanager
def unavailable_on_error(key: str) -> Iterator[None]:
    try:
        yield
    except (BotoCoreError, ClientError, BaseError, OSError) as exc:
        raise BlobUnavailable(key, exc) from exc


def _no_such_upload(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404")


class S3Parts:
    """Multipart uploads on the bucket and prefix of an obstore ``S3Store``; the endpoint and
    credentials come from the same AWS_* variables obstore reads, the bounds from the settings."""

    part_bytes = PART_BYTES

    def __init__(self, store: S3Store, bucket: str, prefix: str, settings: Settings) -> None:
        """``store``: the obstore store of the same bucket and prefix (reads, copies, deletes)."""
        self.store = store
        self.bucket, self.prefix = bucket, prefix.strip("/")
        # The same bounds as obstore's (blob_stores.s3_store): a store that is down answers soon.
        self.config = Config(
            connect_timeout=settings.blob_connect_timeout_s,
            read_timeout=max(60.0, settings.blob_retry_timeout_s),
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "virtual" if settings.blob_s3_virtual_hosted else "path"},
        )
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.session = get_session()
        self._lock = asyncio.Lock()
        self._opened: Any = None  # the client's context manager while a client is open
        self._s3: Any = None
        self._users = 0
        self._closer: asyncio.Task[None] | None = None

    def _full(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    @asynccontextmanager
    async def _client(self, key: str) -> AsyncIterator[Any]:
        with unavailable_on_error(key):
            async with self._lock:
                closer, self._closer = self._closer, None
                if closer is not None:  # taken up again before it closed
                    closer.cancel()
                if self._s3 is None:
                    self._opened = self.session.create_client(
                        "s3", region_name=self.region, config=self.config
                    )
                    self._s3 = await self._opened.__aenter__()
                self._users += 1
            try:
                yield self._s3
            finally:
                self._users -= 1
                if self._users == 0:
                    self._closer = asyncio.create_task(self._close_when_idle())

    async def _close_when_idle(self) -> None:
        try:
            await asyncio.sleep(CLIENT_LINGER_S)
        except asyncio.CancelledError:
            if self._closer is not asyncio.current_task():
                return  # in use again: keep it
            await self._close()  # the loop is ending
            raise
        await self._close()

    async def _close(self) -> None:
        opened, self._opened, self._s3, self._closer = self._opened, None, None, None
        if opened is not None:
            await opened.__aexit__(None, None, None)

    async def create(self, key: str, media_type: str) -> str:
        """Begin a multipart upload to ``key``; its id, to be kept by the caller."""
        async with self._client(key) as s3:
            began = await s3.create_multipart_upload(
                Bucket=self.bucket, Key=self._full(key), ContentType=media_type
            )
        return str(began["UploadId"])

    async def put_part(self, key: str, upload_id: str, number: int, source: Path) -> str:
        """Store the file ``source`` as part ``number`` (1-based; sending it again replaces it);
        its ETag. Streamed from the file: the part is never whole in memory."""
        async with self._client(key) as s3:
            with source.open("rb") as body:
                done = await s3.upload_part(
                    Bucket=self.bucket, Key=self._full(key), UploadId=upload_id, PartNumber=number, Body=body
                )
        return str(done["ETag"])

    async def complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> bool:
        """Join the parts into the object ``key``; True also when an earlier call already did,
        False when the upload is gone and no object came of it."""
        try:
            async with self._client(key) as s3:
                await s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self._full(key),
                    UploadId=upload_id,
                    MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
                )
        except BlobUnavailable as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ClientError) and _no_such_upload(cause)):
                raise
            return await object_exists(self.store, key)
        return True

    async def abort(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts; one already gone is not an error."""
        try:
            async with self._client(key) as s3:
                await s3.abort_multipart_upload(Bucket=self.bucket, Key=self._full(key), UploadId=upload_id)
        except BlobUnavailable as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ClientError) and _no_such_upload(cause)):
                raise

    async def sha256(self, key: str) -> str:
        """The sha256 of a stored object, read back in a stream (a resumed upload's digest)."""
        digest = hashlib.sha256()
        with unavailable_on_error(key):
            result = await obstore.get_async(self.store, key)
            async for chunk in result.stream(min_chunk_size=1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    async def adopt(self, key: str, sha256: str) -> bool:
        """Make the object ``key`` the blob ``sha256`` (a copy inside the store, unless those bytes
        are stored already) and remove it; False when neither exists."""
        final = blob_key(sha256)
        with unavailable_on_error(final):
            if not await object_exists(self.store, final):
                if not await object_exists(self.store, key):
                    return False
                await obstore.copy_async(self.store, key, final)  # server-side: no bytes through us
            await obstore.delete_async(self.store, key)
        return True
