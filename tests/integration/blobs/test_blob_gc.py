"""Garbage collection removes what nothing names and keeps everything a submission, a package
or the audit still needs: on both backends, and against a real campaign's store."""

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from services.common.blob_gc import collect_garbage, referenced_names
from services.common.blob_stores import open_blob_store
from services.common.blobs import BlobStore, BlobUnavailable
from services.common.settings import Settings
from services.common.store import connect
from tests.conftest import UNIT, create_campaign
from zhengji.demo import tus_upload
from zhengji.samples import yanbian_form

LATER = datetime.now(UTC) + timedelta(days=30)  # everything stored now is old by then


async def stored(blobs: BlobStore, data: bytes) -> str:
    async def once() -> AsyncIterator[bytes]:
        yield data

    return (await blobs.put_stream(once(), "application/octet-stream")).sha256


async def package(blobs: BlobStore, tmp: Path, name: str) -> str:
    tree = blobs.work_dir("tmp") / name
    (tree / "v0").mkdir(parents=True)
    (tree / "index.m3u8").write_bytes(os.urandom(100))
    (tree / "v0" / "seg0.m4s").write_bytes(os.urandom(1000))
    sha = os.urandom(32).hex()
    await blobs.put_tree(tree, f"packages/{sha}")
    return sha


async def keys(blobs: BlobStore) -> set[str]:
    return {o.key for p in ("sha256/", "packages/") async for o in blobs.objects(p)}


async def test_only_old_unnamed_blobs_and_packages_go(blobs: BlobStore, tmp_path: Path) -> None:
    kept, stray = await stored(blobs, os.urandom(2000)), await stored(blobs, os.urandom(3000))
    kept_package = await package(blobs, tmp_path, "a")
    stray_package = await package(blobs, tmp_path, "b")
    before = await keys(blobs)
    assert len(before) == 6

    named = {kept, kept_package}
    young = await collect_garbage(blobs, named, timedelta(days=7), apply=True)
    assert young.removed == [] and young.young == 3 and await keys(blobs) == before

    dry = await collect_garbage(blobs, named, timedelta(days=7), apply=False, now=LATER)
    assert len(dry.removed) == 3 and dry.removed_bytes == 3000 + 1100
    assert await keys(blobs) == before  # a dry run only reports

    done = await collect_garbage(blobs, named, timedelta(days=7), apply=True, now=LATER)
    assert sorted(done.removed) == sorted(dry.removed) and done.kept == 3
    left = await keys(blobs)
    assert not any(stray in k or stray_package in k for k in left)
    assert await blobs.read(kept) and any(kept_package in k for k in left)
    try:
        await blobs.read(stray)
        raise AssertionError("the stray blob is still readable")
    except BlobUnavailable:
        pass


async def test_a_campaigns_files_survive_and_a_stray_file_goes(
    system: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_campaign(system)
    reg = await system.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"}
    )
    assert reg.status_code == 201, reg.text
    sid = reg.json()["submission_id"]
    work = tmp_path / "作品.mp4"
    work.write_bytes(os.urandom(50_000))  # fails the check; the file must stay all the same
    await tus_upload(system, work, submission_id=sid, filename=work.name, filetype="video/mp4")
    sub = (await system.get(f"/api/submissions/{sid}")).json()
    uploaded = sub["versions"][0]["media"]["sha256"]

    blobs = open_blob_store(settings)
    stray = await stored(blobs, b"nobody names me")
    client = connect(settings.mongodb_uri)
    try:
        names = await referenced_names(client, settings.db_prefix)
    finally:
        await client.close()
    assert uploaded in names and stray not in names
    report = await collect_garbage(blobs, names, timedelta(days=7), apply=True, now=LATER)
    assert [k for k in report.removed if stray[2:] in k] and not [
        k for k in report.removed if uploaded[2:] in k
    ]
    assert await blobs.read(uploaded) == work.read_bytes()
