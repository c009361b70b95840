"""tus uploads through intake's HTTP API onto S3 (moto's server on loopback): the bytes go into a
multipart upload as they arrive, survive a restart of intake, and an expired upload's parts go."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from services.common.blobs import blob_key
from services.common.settings import Settings
from services.common.store import connect
from tests.conftest import admin_login, eventually, import_tree
from tests.integration.blobs.conftest import CREDENTIALS, new_bucket
from tests.integration.blobs.cuttable_link import cuttable_link
from tests.integration.intake.conftest import Intake, create_tiny, register, tus_client

MIB = 1 << 20
TUS = {"Tus-Resumable": "1.0.0"}
PREFIX = "zhengji"


class Bucket:
    def __init__(self, endpoint: str) -> None:
        self.name = new_bucket(endpoint)
        self.s3: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_REGION"],
        )

    def sha256_of(self, key: str) -> str:
        body = self.s3.get_object(Bucket=self.name, Key=f"{PREFIX}/{key}")["Body"]
        digest = hashlib.sha256()
        for block in iter(lambda: body.read(MIB), b""):
            digest.update(block)
        return digest.hexdigest()

    def keys(self, under: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.name, Prefix=f"{PREFIX}/{under}")
        return [o["Key"] for o in listed.get("Contents", [])]

    def multipart_uploads(self) -> list[dict[str, Any]]:
        return list(self.s3.list_multipart_uploads(Bucket=self.name).get("Uploads", []))


@pytest.fixture
def bucket(s3_endpoint: str) -> Bucket:
    return Bucket(s3_endpoint)


def on_s3(settings: Settings, bucket: Bucket, endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)
    return settings.model_copy(
        update={"blob_url": f"s3://{bucket.name}/{PREFIX}", "blob_retry_timeout_s": 2.0, "tus_sweep_s": 0.3}
    )


@pytest.fixture
def s3_intake_settings(
    settings: Settings, bucket: Bucket, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return on_s3(settings, bucket, s3_endpoint, monkeypatch)


@pytest.fixture
async def intake(s3_intake_settings: Settings) -> AsyncIterator[Intake]:
    service = Intake(s3_intake_settings)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def admin(intake: Intake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=60) as api:
        await admin_login(api)
        await import_tree(api)
        yield api


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def entry(admin: httpx.AsyncClient) -> str:
    return await register(admin, await create_tiny(admin))


async def assert_stored_whole(admin: httpx.AsyncClient, bucket: Bucket, sid: str, source: Path) -> None:
    sub = (await admin.get(f"/api/submissions/{sid}")).json()
    assert sub["version"] == 1
    media = sub["versions"][0]["media"]
    assert (media["sha256"], media["size"]) == (sha256(source), source.stat().st_size)
    assert bucket.sha256_of(blob_key(media["sha256"])) == sha256(source), "the stored bytes are the file"
    assert bucket.keys("tus/") == [], "the staging object was removed"
    assert bucket.multipart_uploads() == []


@pytest.mark.parametrize(
    ("size", "patch"),
    [
        (17 * MIB + 5, 3 * MIB),  # parts end in the middle of PATCHes; a short last part
        (16 * MIB, 8 * MIB),  # the pages' PATCH size: every PATCH ends a part, so does the file
    ],
)
async def test_a_large_upload_goes_into_the_bucket_whole_in_parts(
    admin: httpx.AsyncClient,
    bucket: Bucket,
    s3_intake_settings: Settings,
    tmp_path: Path,
    size: int,
    patch: int,
) -> None:
    sid = await entry(admin)
    source = random_file(tmp_path / "clip.mp4", size)
    uploader = tus_client(admin).uploader(
        file_path=str(source), chunk_size=patch, metadata={"submission_id": sid, "filename": "c.mp4"}
    )
    await asyncio.to_thread(uploader.upload, -(-8 * MIB // patch) * patch)  # past the first part
    (pending,) = bucket.multipart_uploads()
    parts = bucket.s3.list_parts(Bucket=bucket.name, Key=pending["Key"], UploadId=pending["UploadId"])
    assert [p["Size"] for p in parts["Parts"]] == [8 * MIB], "a full part went up before the end"
    await asyncio.to_thread(uploader.upload)

    await assert_stored_whole(admin, bucket, sid, source)
    assert list((s3_intake_settings.data_dir / "blob-scratch" / "tus").iterdir()) == []


async def test_an_upload_resumes_after_intake_restarts_on_the_same_disk_or_another(
    admin: httpx.AsyncClient, bucket: Bucket, intake: Intake, tmp_path: Path
) -> None:
    source = random_file(tmp_path / "clip.mp4", 20 * MIB + 7)
    for restarted_elsewhere in (False, True):
        sid = await register(admin, await create_tiny(admin, f"tiny{int(restarted_elsewhere)}"))
        meta = {"submission_id": sid, "filename": "clip.mp4"}
        first = tus_client(admin).uploader(file_path=str(source), chunk_size=3 * MIB, metadata=meta)
        await asyncio.to_thread(first.upload, 12 * MIB)  # one 8 MiB part stored, 4 MiB spooled
        assert first.url is not None

        await intake.stop()
        if restarted_elsewhere:  # a new host: its own data dir, without the spooled tail
            intake.settings = intake.settings.model_copy(update={"data_dir": tmp_path / "other-host"})
        await intake.start()

        head = await admin.head(first.url, headers=TUS)
        # The same disk still has the tail; another host resumes after the last stored part.
        assert int(head.headers["Upload-Offset"]) == (8 * MIB if restarted_elsewhere else 12 * MIB)
        again = await asyncio.to_thread(
            tus_client(admin).uploader, file_path=str(source), chunk_size=3 * MIB, url=first.url
        )
        await asyncio.to_thread(again.upload)
        # The digest did not survive the restart: it is read back from the joined object.
        await assert_stored_whole(admin, bucket, sid, source)


async def test_an_expired_upload_has_its_multipart_upload_aborted(
    admin: httpx.AsyncClient, bucket: Bucket, s3_intake_settings: Settings, tmp_path: Path
) -> None:
    sid = await entry(admin)
    source = random_file(tmp_path / "clip.mp4", 10 * MIB)
    uploader = tus_client(admin).uploader(
        file_path=str(source), chunk_size=3 * MIB, metadata={"submission_id": sid, "filename": "c.mp4"}
    )
    await asyncio.to_thread(uploader.upload, 9 * MIB)
    assert uploader.url is not None and len(bucket.multipart_uploads()) == 1
    client = connect(s3_intake_settings.mongodb_uri)
    try:
        await client[f"{s3_intake_settings.db_prefix}_intake"]["uploads"].update_one(
            {"_id": uploader.url.rsplit("/", 1)[1]},
            {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
        )
    finally:
        await client.close()

    async def aborted() -> bool:
        return bucket.multipart_uploads() == []

    await eventually(aborted, 30, "the sweeper aborting the expired upload's multipart upload")
    assert (await admin.head(uploader.url, headers=TUS)).status_code == 404
    assert list((s3_intake_settings.data_dir / "blob-scratch" / "tus").iterdir()) == []


async def test_an_upload_goes_on_after_the_store_was_away(
    settings: Settings, bucket: Bucket, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with cuttable_link(s3_endpoint) as link:
        service = Intake(on_s3(settings, bucket, f"http://127.0.0.1:{link.port}", monkeypatch))
        await service.start()
        try:
            async with httpx.AsyncClient(base_url=service.url, timeout=60) as admin:
                await admin_login(admin)
                await import_tree(admin)
                sid = await entry(admin)
                source = random_file(tmp_path / "clip.mp4", 12 * MIB)
                uploader = tus_client(admin).uploader(
                    file_path=str(source),
                    chunk_size=3 * MIB,
                    metadata={"submission_id": sid, "filename": "c.mp4"},
                )
                await asyncio.to_thread(uploader.upload, 6 * MIB)
                assert uploader.url is not None

                link.cut()
                # 6 MiB to 10 bytes past 8 MiB: the first part is full and cannot be sent now; the
                # 10 bytes after it are dropped (a part's spool never holds more than the part).
                refused = await admin.patch(
                    uploader.url,
                    content=source.read_bytes()[6 * MIB : 8 * MIB + 10],
                    headers={
                        **TUS,
                        "Upload-Offset": str(6 * MIB),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                assert refused.status_code == 503, refused.text
                head = await admin.head(uploader.url, headers=TUS)
                assert int(head.headers["Upload-Offset"]) == 8 * MIB, "the bytes received are kept"

                link.restore()
                again = await asyncio.to_thread(
                    tus_client(admin).uploader, file_path=str(source), chunk_size=3 * MIB, url=uploader.url
                )
                await asyncio.to_thread(again.upload)
                await assert_stored_whole(admin, bucket, sid, source)
        finally:
            await service.stop()
