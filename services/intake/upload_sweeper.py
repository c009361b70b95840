"""The periodic clean-up of resumable uploads.

- partial uploads past their expiry (``Upload-Expires``) lose their file and their record (on
  S3 their multipart upload is aborted first; while the store cannot be reached, they stay);
- records of finished uploads are forgotten at the same time (a later HEAD answers 404);
- an upload whose last byte arrived but that a crash left unattached is attached now;
- files in the upload folder without a record (a crash between creating the file and
  recording it) are removed once they are an hour old."""

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.common.blobs import BlobUnavailable
from services.common.errors import ServiceError
from services.intake.upload_store import UploadStore

STUCK_FINISHING_S = 60.0
ORPHAN_AGE_S = 3600.0


async def sweep_once(store: UploadStore) -> dict[str, int]:
    now = datetime.now(UTC)
    counts = {"expired": 0, "forgotten": 0, "finished": 0, "orphans": 0, "unreachable": 0}
    async for doc in store.uploads.find(
        {"expires_at": {"$lt": now}, "state": {"$in": ["receiving", "done"]}}
    ):
        try:
            await store.terminate(doc)
        except BlobUnavailable:  # its multipart upload could not be aborted: kept for the next sweep
            counts["unreachable"] += 1
            continue
        counts["expired" if doc["state"] == "receiving" else "forgotten"] += 1
    stuck = {"state": "finishing", "updated_at": {"$lt": now - timedelta(seconds=STUCK_FINISHING_S)}}
    async for doc in store.uploads.find(stuck):
        with contextlib.suppress(ServiceError):
            await store.finish(doc["_id"])
            counts["finished"] += 1
    known = {d["_id"] async for d in store.uploads.find({"state": {"$ne": "done"}}, {"_id": 1})}
    counts["orphans"] = await asyncio.to_thread(_remove_orphans, store.dir, known)
    return counts


async def sweep_and_log(store: UploadStore) -> None:
    """One sweep, logged when it did something (the service runs it every ``tus_sweep_s``)."""
    counts = await sweep_once(store)
    if any(counts.values()):
        store.svc.log.info("uploads_swept", **counts)


def _remove_orphans(folder: Path, known: set[str]) -> int:
    removed = 0
    cutoff = time.time() - ORPHAN_AGE_S
    for path in folder.iterdir() if folder.exists() else []:
        # <upload id>, or <upload id>.<part> for the tail of an upload onto S3
        if path.name.split(".")[0] not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
