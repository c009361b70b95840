"""Garbage collection of stored files that nothing refers to (``zhengji admin gc-blobs``).

What counts as a reference is deliberately wide, because a blob removed wrongly is a teacher's
work lost while a blob kept wrongly costs only disk: any 64-hex-digit string anywhere in any
document of any of zhengji's databases (``<db prefix>_*``) keeps the blob or package of that
name. That covers every submission version (a replaced upload stays, as the audit trail needs
it), materials, renditions and packages, publications, reports, audit entries, and events still
in an outbox or inbox. A blob younger than ``min_age`` is kept whatever the scan says: it may
belong to an event on its way (an upload just finished, a transcode just stored) that no
document names yet. The default age (7 days) is longer than any stage's retries.

The scan reads the store before the listing, so a blob stored during the run is either named
by then or young; nothing is deleted unless ``apply`` is set (a dry run reports the same)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from services.common.blobs import BlobStore, StoredObject

HEX64 = re.compile(r"[0-9a-f]{64}")
PREFIXES = ("sha256/", "packages/")


@dataclass
class GcReport:
    referenced: int = 0  # distinct names found in the databases
    kept: int = 0  # objects kept because something names them
    young: int = 0  # objects kept because they are younger than the minimum age
    removed: list[str] = field(default_factory=list)  # keys removed (or, dry run, to remove)
    removed_bytes: int = 0
    applied: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "referenced": self.referenced,
            "kept": self.kept,
            "young": self.young,
            "removed": len(self.removed),
            "removed_bytes": self.removed_bytes,
            "applied": self.applied,
        }


def names_in(value: Any, found: set[str]) -> None:
    """Every 64-hex name in a document, at any depth, in keys and values alike."""
    if isinstance(value, str):
        found.update(HEX64.findall(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            names_in(key, found)
            names_in(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            names_in(item, found)


async def referenced_names(client: AsyncMongoClient[dict[str, Any]], db_prefix: str) -> set[str]:
    found: set[str] = set()
    for db_name in await client.list_database_names():
        if not db_name.startswith(f"{db_prefix}_"):
            continue
        db = client[db_name]
        for collection in await db.list_collection_names():
            async for doc in db[collection].find({}):
                names_in(doc, found)
    return found


def owner(key: str) -> str | None:
    """The name a key belongs to: a blob's sha256, or the package's for a package member."""
    parts = key.split("/")
    if parts[0] == "sha256" and len(parts) == 3:
        return parts[1] + parts[2]
    if parts[0] == "packages" and len(parts) >= 3:
        return parts[1]
    return None  # not a blob layout key: never ours to remove


async def collect_garbage(
    blobs: BlobStore,
    referenced: Iterable[str],
    min_age: timedelta = timedelta(days=7),
    apply: bool = False,
    now: datetime | None = None,
) -> GcReport:
    named = set(referenced)
    report = GcReport(referenced=len(named), applied=apply)
    cutoff = (now or datetime.now(UTC)) - min_age
    groups: dict[str, list[StoredObject]] = {}
    for prefix in PREFIXES:
        async for item in blobs.objects(prefix):
            name = owner(item.key)
            if name is not None:
                groups.setdefault(name, []).append(item)
    for name, items in sorted(groups.items()):
        if name in named:
            report.kept += len(items)
        elif max(i.modified for i in items) > cutoff:
            report.young += len(items)
        else:
            for item in items:
                if apply:
                    await blobs.delete_object(item.key)
                report.removed.append(item.key)
                report.removed_bytes += item.size
    return report
