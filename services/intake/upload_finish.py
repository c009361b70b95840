"""Finishing a resumable upload: its bytes become a blob (moved on a directory, joined and copied
inside the store on S3) and are recorded on the submission, once, however often it is tried
(by the last PATCH, or by the sweeper after a crash)."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import BlobRef
from services.common.blobs import URI_PREFIX
from services.common.errors import ServiceError
from services.intake.attach import attach

if TYPE_CHECKING:
    from services.intake.upload_store import UploadStore


MarkDone = Callable[[AsyncClientSession], Awaitable[None]]  # the write attach() joins to its own


class AlreadyFinished(Exception):
    """Another request (or the sweeper) finished this upload first."""


async def finish_upload(store: "UploadStore", uid: str) -> dict[str, Any]:
    """Attach a fully received upload to its submission, once; safe to call again."""
    doc = await store.uploads.find_one({"_id": uid})
    if doc is None or doc["state"] == "done":
        return doc or {}
    if not await _adopt(store, doc):
        await _done(store, uid, None, error="文件数据丢失，请重新上传 / the file's bytes were lost")
        raise ServiceError(410, "文件数据丢失，请重新上传", "the file's bytes were lost; upload it again")
    ref = BlobRef(
        uri=URI_PREFIX + doc["sha256"],
        sha256=doc["sha256"],
        size=doc["length"],
        media_type=doc["media_type"],
    )
    try:
        version = await attach(store.svc, doc, ref, _mark_done(store, uid, ref))
    except AlreadyFinished:
        return await store.uploads.find_one({"_id": uid}) or {}
    except ServiceError as exc:
        await _done(store, uid, ref, error=f"{exc.zh} / {exc.en}")
        raise
    return {
        **doc,
        "state": "done",
        "offset": doc["length"],
        "blob": ref.model_dump(mode="json"),
        "version": version,
    }


async def _adopt(store: "UploadStore", doc: dict[str, Any]) -> bool:
    """Make the received bytes the blob ``doc["sha256"]`` (set here when read back from S3)."""
    if store.parted is not None and "multipart" in doc:
        doc["sha256"] = await store.parted.finish(doc)
        return doc["sha256"] is not None
    return await store.svc.deps.blobs.adopt(store.path(doc["_id"]), doc["sha256"], doc["media_type"])


def _mark_done(store: "UploadStore", uid: str, ref: BlobRef) -> MarkDone:
    async def writes(session: AsyncClientSession) -> None:
        done = await store.uploads.update_one(
            {"_id": uid, "state": "finishing"},
            {
                "$set": {
                    "state": "done",
                    "blob": ref.model_dump(mode="json"),
                    "updated_at": datetime.now(UTC),
                }
            },
            session=session,
        )
        if done.matched_count != 1:
            raise AlreadyFinished(uid)

    return writes


async def _done(store: "UploadStore", uid: str, ref: BlobRef | None, error: str) -> None:
    await store.uploads.update_one(
        {"_id": uid},
        {
            "$set": {
                "state": "done",
                "blob": ref.model_dump(mode="json") if ref else None,
                "error": error,
                "updated_at": datetime.now(UTC),
            }
        },
    )
