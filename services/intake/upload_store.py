"""Resumable uploads: partial files under the blob directory, their offsets in the store.

One document per upload (``uploads``) holds what tus needs (length, offset, expiry) and what
intake needs (submission, material, file name). Bytes go to ``<blobs>/tus/<upload id>``; on
S3, into a multipart upload part by part, the bytes past the last part spooled locally
(``upload_parts``, docs/decisions/0014-tus-onto-multipart.md). One
PATCH at a time writes an upload (a lease in the document); its offset is recorded at every
checkpoint and when the request ends, however it ends, so a dropped connection or a restart
resumes from the last recorded byte. The last byte moves the file into the content-addressed
blob store (the same bytes are kept once) and records it on the submission: a new version for
the primary work, exactly as ``record_upload`` does for a plain PUT."""

import asyncio
import contextlib
import hashlib
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from pymongo import ASCENDING, ReturnDocument

from services.common.errors import ServiceError
from services.common.metrics import UPLOAD_BYTES
from services.intake import partials
from services.intake.block_writer import BlockWriter, Pieces
from services.intake.upload_finish import finish_upload
from services.intake.upload_parts import PartedUploads, stored
from services.intake.upload_rules import too_large

if TYPE_CHECKING:
    from services.intake.app import IntakeService

LEASE_S = 30.0
CHECKPOINT_EVERY_S = 10.0
WRITE_BLOCK = 1 << 20  # bytes hashed and written per thread hop


def offset_error(status: int, zh: str, en: str, offset: int) -> ServiceError:
    return ServiceError(status, zh, en, headers={"Upload-Offset": str(offset)}, offset=offset)


class UploadStore:
    def __init__(self, svc: "IntakeService") -> None:
        self.svc = svc
        self.uploads = svc.db["uploads"]
        self.dir = svc.deps.blobs.work_dir("tus")
        parts = svc.deps.blobs.parts()
        self.parted = PartedUploads(parts, self.uploads, self.dir, LEASE_S) if parts else None
        # upload id -> (offset, sha256 state, whether it hashed every byte from the first): valid
        # only while it matches the recorded offset.
        self._digests: dict[str, tuple[int, hashlib._Hash, bool]] = {}

    async def setup(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        await self.uploads.create_index([("state", ASCENDING), ("expires_at", ASCENDING)])
        await self.uploads.create_index([("submission_id", ASCENDING)])

    def path(self, upload_id: str) -> Path:
        return self.dir / upload_id

    def spool(self, doc: dict[str, Any]) -> Path:
        """The local file of the bytes not yet in the store: all of them on a directory."""
        if self.parted is not None and "multipart" in doc:
            return self.parted.spool(doc["_id"], doc["multipart"])
        return self.path(doc["_id"])

    async def create(self, **fields: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        doc = {
            "_id": uuid4().hex,
            **fields,
            "offset": 0,
            "state": "receiving",
            "lease_until": None,
            "created_at": now,
            "updated_at": now,
            "expires_at": now + timedelta(seconds=self.svc.settings.tus_expiry_s),
        }
        if self.parted is not None:
            doc["multipart"] = await self.parted.begin(doc["_id"], fields["media_type"])
        await self.uploads.insert_one(doc)
        await asyncio.to_thread(partials.prepare, self.spool(doc), 0)
        return doc

    async def get(self, upload_id: str) -> dict[str, Any]:
        doc = await self.uploads.find_one({"_id": upload_id})
        if doc is None:
            raise ServiceError(
                404, "上传任务不存在或已被清理，请重新上传", "no such upload (it may have expired)"
            )
        if doc["state"] == "receiving" and doc["expires_at"] < datetime.now(UTC):
            raise ServiceError(410, "上传任务已过期，请重新上传", "the upload has expired; start again")
        return doc

    async def offset_of(self, doc: dict[str, Any]) -> int:
        """The offset a client may resume from (HEAD). Read only: a PATCH may be writing."""
        if doc["state"] != "receiving":
            return int(doc["length"])
        size = await asyncio.to_thread(partials.size, self.spool(doc))
        return min(stored(doc) + size, int(doc["offset"]))

    async def _take(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Lease the upload to this request and make its file hold exactly the recorded bytes."""
        now = datetime.now(UTC)
        leased = await self.uploads.find_one_and_update(
            {
                "_id": doc["_id"],
                "state": "receiving",
                "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}],
            },
            {"$set": {"lease_until": now + timedelta(seconds=LEASE_S)}},
            return_document=ReturnDocument.AFTER,
        )
        if leased is None:
            raise offset_error(
                423,
                "该文件正在另一个连接中上传，请稍后再试",
                "another request is writing this upload",
                doc["offset"],
            )
        recorded, base = int(leased["offset"]), stored(leased)
        # Only the lease holder touches the file: bytes past the offset (a crash mid-request) go.
        size = base + await asyncio.to_thread(partials.prepare, self.spool(leased), recorded - base)
        if size < recorded:  # the machine (or the host) lost the bytes: resume from what is there
            await self.uploads.update_one({"_id": doc["_id"]}, {"$set": {"offset": size}})
            self._digests.pop(doc["_id"], None)
        return size, leased

    async def _release(self, uid: str) -> None:
        await self.uploads.update_one({"_id": uid}, {"$set": {"lease_until": None}})

    async def receive(
        self, doc: dict[str, Any], offset: int, chunks: AsyncIterator[bytes], declared: int | None
    ) -> dict[str, Any]:
        """Append one PATCH's body at ``offset``; returns the upload as it then stands."""
        uid, length = doc["_id"], int(doc["length"])
        if doc["state"] != "receiving":
            raise offset_error(409, "该文件已上传完成", "this upload is already complete", length)
        current, leased = await self._take(doc)
        try:
            if offset != current:
                raise offset_error(
                    409,
                    f"续传位置不符：服务器已收到{current}字节，请从该位置继续",
                    f"wrong Upload-Offset {offset}: the server has {current} bytes; resume from there",
                    current,
                )
            if declared is not None and offset + declared > length:
                raise too_large(length, offset + declared)
            digest, whole = await self._digest(leased, offset)
        except BaseException:
            await self._release(uid)
            raise
        written = await self._write(leased, offset, digest, whole, chunks)  # releases the lease
        if written < length:
            return {**doc, "offset": written}
        # A digest of only the bytes since a restart (S3): finish() reads the object back.
        sha256 = digest.hexdigest() if whole else None
        await self.uploads.update_one(
            {"_id": uid, "state": "receiving"},
            {"$set": {"state": "finishing", "sha256": sha256, "updated_at": datetime.now(UTC)}},
        )
        self._digests.pop(uid, None)
        return await self.finish(uid)

    async def _digest(self, doc: dict[str, Any], offset: int) -> tuple["hashlib._Hash", bool]:
        """The sha256 state at ``offset``, and whether it covers every byte from the first."""
        cached = self._digests.get(doc["_id"])
        if cached is not None and cached[0] == offset:
            return cached[1], cached[2]
        if stored(doc) > 0:  # the first bytes are in parts the store cannot give back before the end
            return hashlib.sha256(), False
        return await asyncio.to_thread(partials.rehash, self.spool(doc), offset), True

    async def _write(
        self,
        doc: dict[str, Any],
        offset: int,
        digest: "hashlib._Hash",
        whole: bool,
        chunks: AsyncIterator[bytes],
    ) -> int:
        """Stream the body to the file (on S3: part by part into the store); record the offset at
        checkpoints and at the end, always."""
        uid, length = doc["_id"], int(doc["length"])
        multipart = doc.get("multipart") if self.parted is not None else None
        spool = self.spool(doc)
        f = await asyncio.to_thread(partials.open_at, spool, offset - stored(doc))
        writer = BlockWriter(f, digest, offset)
        recorded, last = offset, time.monotonic()
        buffer = Pieces()
        overflow = False

        def room() -> int:
            """Bytes until the part being spooled is full (no parts on a directory)."""
            if multipart is None or self.parted is None:
                return sys.maxsize
            return int(multipart["stored"]) + self.parted.part_bytes - writer.queued

        try:
            if self.parted and multipart and room() == 0 and offset < length:  # its sending failed last time
                f, spool, writer, multipart = await self.parted.next_part(uid, multipart, f, spool, writer)
            async for chunk in chunks:
                if writer.queued + len(buffer) + len(chunk) > length:
                    overflow = True
                    break
                buffer.add(chunk)
                UPLOAD_BYTES.inc(len(chunk))
                while buffer and len(buffer) >= min(WRITE_BLOCK, room()):
                    await writer.put(buffer.take(room()))
                    if room() == 0 and writer.queued < length:
                        assert self.parted is not None and multipart is not None
                        f, spool, writer, multipart = await self.parted.next_part(
                            uid, multipart, f, spool, writer
                        )
                        recorded, last = writer.written, time.monotonic()
                        continue
                    due = time.monotonic() - last > CHECKPOINT_EVERY_S
                    if due or writer.queued - recorded >= self.svc.settings.tus_checkpoint_bytes:
                        # Not waiting for fdatasync: a crashed process leaves its bytes in the page
                        # cache, and after a machine crash _take() finds the file shorter than the offset.
                        written = await writer.drain()
                        await asyncio.to_thread(partials.flush, f)
                        if self.parted is None:  # (a part's spool is sent and deleted, not kept)
                            writer.flush_behind()  # onto the disk while the next bytes arrive
                        await self._record(uid, written, renew=True)
                        recorded, last = written, time.monotonic()
            if self.parted and multipart and not overflow and writer.queued + len(buffer) == length:
                await writer.put(buffer.take(len(buffer)))  # the last part, which may be short
                await self.parted.last_part(uid, multipart, f, writer)
        finally:
            # A dropped connection or a shutdown ends up here too: keep what arrived.
            intact = False
            with contextlib.suppress(Exception):
                if buffer:  # (on S3, never past a full part whose sending failed: it goes first)
                    await writer.put(buffer.take(room()))
                await writer.drain()
                await asyncio.to_thread(partials.checkpoint, f)
                intact = True
            with contextlib.suppress(Exception):
                await self._record(uid, writer.written, renew=False)
            if intact:
                self._digests[uid] = (writer.written, writer.digest, whole)
            else:  # a write failed: the next PATCH recomputes the digest from the file
                self._digests.pop(uid, None)
            await asyncio.to_thread(f.close)
        if overflow:
            raise offset_error(
                413,
                "上传的数据超过了声明的文件大小",
                "more bytes than the declared Upload-Length",
                writer.written,
            )
        return writer.written

    async def _record(self, uid: str, offset: int, renew: bool) -> None:
        lease = datetime.now(UTC) + timedelta(seconds=LEASE_S) if renew else None
        await self.uploads.update_one(
            {"_id": uid, "state": "receiving"},
            {"$set": {"offset": offset, "lease_until": lease, "updated_at": datetime.now(UTC)}},
        )

    async def finish(self, uid: str) -> dict[str, Any]:
        """Attach a fully received upload to its submission, once; safe to call again."""
        return await finish_upload(self, uid)

    async def terminate(self, doc: dict[str, Any]) -> None:
        self._digests.pop(doc["_id"], None)
        if self.parted is not None and "multipart" in doc and doc["state"] == "receiving":
            await self.parted.abort(doc)  # before the record goes: a failed abort is tried again
        await self.uploads.delete_one({"_id": doc["_id"]})
        if doc["state"] == "receiving":
            await asyncio.to_thread(self.path(doc["_id"]).unlink, True)

    async def unfinished(self, submission_id: str) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        query = {"submission_id": submission_id, "state": "receiving", "expires_at": {"$gt": now}}
        return [d async for d in self.uploads.find(query).sort("created_at", ASCENDING)]
