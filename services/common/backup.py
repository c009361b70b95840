"""Backing up and restoring zhengji's store (``zhengji admin backup|restore``).

A backup is a folder: one JSON-lines file per collection of every zhengji database
(``<db prefix>_<service>/<collection>.jsonl``, MongoDB Extended JSON, so dates, ids and binary
values come back as they were), the list of stored files (``blobs.jsonl``: the objects
themselves stay in the blob store, whose own replication or versioning keeps them), and a
manifest with the counts. It works the same on MongoDB and on the embedded SecantusDB, which
has no mongodump. Indexes are not saved: every service makes its own at start.

It is a copy collection by collection, not a point-in-time snapshot: take it with the services
stopped or scaled to zero (on a MongoDB replica set, ``mongodump --oplog`` is the live
alternative). Restoring refuses a store that already holds zhengji data, so a backup never mixes
with what is there; after a restore, intake's broker watch finds the broker without its marker
and re-announces the campaigns and re-drives whatever was in flight."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import json_util
from pymongo import AsyncMongoClient

from services.common.blob_gc import owner
from services.common.blobs import BlobStore

MANIFEST = "manifest.json"
BLOB_LIST = "blobs.jsonl"
BATCH = 500
EJSON = json_util.JSONOptions(json_mode=json_util.JSONMode.CANONICAL, tz_aware=True, tzinfo=UTC)


class RestoreRefused(Exception):
    pass


async def databases(client: AsyncMongoClient[dict[str, Any]], db_prefix: str) -> list[str]:
    return sorted(n for n in await client.list_database_names() if n.startswith(f"{db_prefix}_"))


async def backup(
    client: AsyncMongoClient[dict[str, Any]], db_prefix: str, blobs: BlobStore, folder: Path
) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=False)  # never over an older backup
    counts: dict[str, int] = {}
    for db_name in await databases(client, db_prefix):
        (folder / db_name).mkdir()
        db = client[db_name]
        for name in sorted(await db.list_collection_names()):
            written = 0
            with (folder / db_name / f"{name}.jsonl").open("w", encoding="utf-8") as out:
                async for doc in db[name].find({}):
                    out.write(json_util.dumps(doc, json_options=EJSON) + "\n")
                    written += 1
            counts[f"{db_name}.{name}"] = written
    stored = 0
    with (folder / BLOB_LIST).open("w", encoding="utf-8") as out:
        for prefix in ("sha256/", "packages/"):
            async for item in blobs.objects(prefix):
                out.write(json.dumps({"key": item.key, "size": item.size}) + "\n")
                stored += 1
    manifest = {"taken_at": datetime.now(UTC).isoformat(), "documents": counts, "blobs": stored}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


async def restore(
    client: AsyncMongoClient[dict[str, Any]], db_prefix: str, blobs: BlobStore, folder: Path
) -> dict[str, Any]:
    """Load a backup into a store without zhengji data; the counts, and the stored files the
    backup lists that the blob store lacks (they must be brought back from its own copy)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for db_name in await databases(client, db_prefix):
        for name in await client[db_name].list_collection_names():
            if await client[db_name][name].estimated_document_count():
                raise RestoreRefused(
                    f"目标存储已有数据（{db_name}.{name}），不会覆盖 / the store already holds data"
                    f" ({db_name}.{name}); restore into an empty one"
                )
    restored: dict[str, int] = {}
    for key in manifest["documents"]:
        db_name, name = key.split(".", 1)
        if not db_name.startswith(f"{db_prefix}_"):
            continue
        batch: list[dict[str, Any]] = []
        with (folder / db_name / f"{name}.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                batch.append(json_util.loads(line, json_options=EJSON))
                if len(batch) == BATCH:
                    await client[db_name][name].insert_many(batch)
                    batch.clear()
        if batch:
            await client[db_name][name].insert_many(batch)
        restored[key] = await client[db_name][name].count_documents({})
    missing = []
    with (folder / BLOB_LIST).open(encoding="utf-8") as lines:
        for line in lines:
            key = json.loads(line)["key"]
            sha256 = owner(key)
            if key.startswith("sha256/") and sha256 and not await blobs.exists(sha256):
                missing.append(key)
    return {"documents": restored, "missing_blobs": missing}
