"""A tus upload onto S3: its bytes go into a multipart upload, part by part, as they arrive
(docs/decisions/0014-tus-onto-multipart.md).

The upload's record keeps ``multipart``: the staging key (``tus/<upload id>``), the multipart
upload's id, the parts stored (``[number, ETag]``) and the bytes they hold (``stored``). The bytes
since the last full part (less than one part) are spooled to a local file named after the part
they will become (``<upload id>.<n>``): an intake restarted on the same disk resumes at the byte,
one on another disk at the end of the last stored part (tus clients ask with HEAD). When the last
byte arrives the parts are joined into the staging object, copied inside the store to the blob's
key ``sha256/ab/...`` and the staging object removed."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from pymongo.asynchronous.collection import AsyncCollection

from services.common.blobs import PartUploads
from services.intake import partials
from services.intake.block_writer import BlockWriter


def stored(doc: dict[str, Any]) -> int:
    """Bytes of the upload already in the store's parts (S3); none on a directory."""
    return int(doc.get("multipart", {}).get("stored", 0))


class PartedUploads:
    def __init__(
        self, parts: PartUploads, uploads: AsyncCollection[Any], folder: Path, lease_s: float
    ) -> None:
        self.parts, self.uploads, self.folder, self.lease_s = parts, uploads, folder, lease_s

    @property
    def part_bytes(self) -> int:
        return self.parts.part_bytes

    async def begin(self, uid: str, media_type: str) -> dict[str, Any]:
        key = f"tus/{uid}"
        upload_id = await self.parts.create(key, media_type)
        return {"key": key, "upload_id": upload_id, "parts": [], "stored": 0}

    def spool(self, uid: str, multipart: dict[str, Any]) -> Path:
        """The local file of the bytes past the stored parts (the part they will become)."""
        return self.folder / f"{uid}.{len(multipart['parts']) + 1}"

    async def store_part(self, uid: str, multipart: dict[str, Any], end: int) -> dict[str, Any]:
        """Send the spool (its writes flushed; it ends at byte ``end`` of the file) as the next
        part and record it; the multipart state after it. A crash before the record sends the
        same part again later (the same number replaces it)."""
        number = len(multipart["parts"]) + 1
        spool = self.spool(uid, multipart)
        etag = await self.parts.put_part(multipart["key"], multipart["upload_id"], number, spool)
        now = datetime.now(UTC)
        await self.uploads.update_one(
            {"_id": uid, "state": "receiving"},
            {
                "$addToSet": {"multipart.parts": [number, etag]},
                "$set": {
                    "multipart.stored": end,
                    "offset": end,
                    "lease_until": now + timedelta(seconds=self.lease_s),
                    "updated_at": now,
                },
            },
        )
        return {**multipart, "parts": [*multipart["parts"], [number, etag]], "stored": end}

    async def next_part(
        self, uid: str, multipart: dict[str, Any], f: BinaryIO, spool: Path, writer: BlockWriter
    ) -> tuple[BinaryIO, Path, BlockWriter, dict[str, Any]]:
        """The spool ``f`` holds a whole part: send it, and spool the next one in a new file."""
        end = await writer.drain()
        await asyncio.to_thread(partials.flush, f)
        multipart = await self.store_part(uid, multipart, end)
        await asyncio.to_thread(f.close)
        await asyncio.to_thread(spool.unlink, True)
        spool = self.spool(uid, multipart)
        await asyncio.to_thread(partials.prepare, spool, 0)
        f = await asyncio.to_thread(partials.open_at, spool, 0)
        return f, spool, BlockWriter(f, writer.digest, end), multipart

    async def last_part(self, uid: str, multipart: dict[str, Any], f: BinaryIO, writer: BlockWriter) -> None:
        """The file's last byte is spooled: send the rest (it may be short) as the last part."""
        end = await writer.drain()
        await asyncio.to_thread(partials.flush, f)
        if end > multipart["stored"]:  # nothing when the file ends on a part boundary
            await self.store_part(uid, multipart, end)

    async def finish(self, doc: dict[str, Any]) -> str | None:
        """Join the parts into the staging object and make it the blob; its sha256 (read back
        when the digest was lost with a restart), or None when the bytes are gone."""
        multipart, sha256 = doc["multipart"], doc.get("sha256")
        parts = sorted({(int(n), str(etag)) for n, etag in multipart["parts"]})
        joined = await self.parts.complete(multipart["key"], multipart["upload_id"], parts)
        if sha256 is None:
            if not joined:
                return None
            sha256 = await self.parts.sha256(multipart["key"])
            await self.uploads.update_one({"_id": doc["_id"]}, {"$set": {"sha256": sha256}})
        if not await self.parts.adopt(multipart["key"], sha256):
            return None
        await self.remove_spools(doc["_id"])
        return sha256

    async def abort(self, doc: dict[str, Any]) -> None:
        multipart = doc["multipart"]
        await self.parts.abort(multipart["key"], multipart["upload_id"])
        await self.remove_spools(doc["_id"])

    async def remove_spools(self, uid: str) -> None:
        def remove() -> None:
            for path in self.folder.glob(f"{uid}.*"):
                path.unlink(missing_ok=True)

        await asyncio.to_thread(remove)
