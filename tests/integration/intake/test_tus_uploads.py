"""tus 1.0 uploads with the official Python client (tuspy), on the real store and blob directory."""

import asyncio
import base64
import hashlib
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tusclient.exceptions import TusCommunicationError

from services.common.settings import Settings
from services.common.store import connect
from tests.conftest import eventually
from tests.integration.intake.conftest import Intake, create_tiny, fake_pdf, register, tus_client, tus_upload

TUS = {"Tus-Resumable": "1.0.0"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def stored_blobs(settings: Settings) -> list[Path]:
    root = settings.blobs_path() / "sha256"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_options_tells_the_version_extensions_and_max_size(admin: httpx.AsyncClient) -> None:
    r = await admin.options("/api/tus/")
    assert r.status_code == 204
    assert r.headers["Tus-Resumable"] == "1.0.0" and r.headers["Tus-Version"] == "1.0.0"
    assert set(r.headers["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert int(r.headers["Tus-Max-Size"]) >= 500 * 1024 * 1024


async def test_a_whole_upload_makes_version_one_with_the_right_digest_and_a_derived_name(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    source = random_file(tmp_path / "my clip.mp4", 3 * 1024 * 1024 + 17)
    meta = {"submission_id": sid, "filename": source.name, "filetype": "video/mp4"}
    await tus_upload(admin, source, meta)

    sub = (await admin.get(f"/api/submissions/{sid}")).json()
    assert sub["version"] == 1 and sub["stage"] == "validating"
    (version,) = sub["versions"]
    assert version["media"]["sha256"] == sha256(source)
    assert version["media"]["size"] == source.stat().st_size
    # Yanbian's rule 作品名称—学校姓名 is derived for the entrant, whatever the file was called.
    assert version["filename"] == "红色故事1—延吉市第一小学教师1.mp4"
    assert sub["file_name"]["expected"] == "红色故事1—延吉市第一小学教师1"
    assert (await admin.get(f"/api/submissions/{sid}/uploads")).json() == []


async def test_an_upload_resumes_where_it_stopped_after_the_service_restarts(
    admin: httpx.AsyncClient, intake: Intake, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    source = random_file(tmp_path / "clip.mp4", 5 * 1024 * 1024 + 3)
    meta = {"submission_id": sid, "filename": "clip.mp4"}
    first = tus_client(admin).uploader(file_path=str(source), chunk_size=1 << 20, metadata=meta)
    half = 3 * 1024 * 1024
    await asyncio.to_thread(first.upload, half)
    assert first.url is not None

    await intake.stop()
    await intake.start()

    head = await admin.head(first.url, headers=TUS)
    assert head.status_code == 200 and int(head.headers["Upload-Offset"]) == half
    listed = (await admin.get(f"/api/submissions/{sid}/uploads")).json()
    assert [(u["offset"], u["length"]) for u in listed] == [(half, source.stat().st_size)]
    # A new client (a page reload, a new process) resumes from the URL: HEAD, then PATCH the rest.
    # (the constructor asks the server for the offset with a blocking HEAD: not on the loop serving it)
    again = await asyncio.to_thread(
        tus_client(admin).uploader, file_path=str(source), chunk_size=1 << 20, url=first.url
    )
    assert again.offset == half
    await asyncio.to_thread(again.upload)

    sub = (await admin.get(f"/api/submissions/{sid}")).json()
    assert sub["version"] == 1
    assert sub["versions"][0]["media"]["sha256"] == sha256(source), "digest recomputed after the restart"
    assert not list((settings.blobs_path() / "tus").iterdir()), "the partial file moved into the blob store"


async def test_a_dropped_connection_keeps_the_bytes_received_and_the_upload_resumes(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    source = random_file(tmp_path / "clip.mp4", 4 * 1024 * 1024)
    created = tus_client(admin).uploader(
        file_path=str(source), metadata={"submission_id": sid, "filename": "a.mp4"}
    )
    url = await asyncio.to_thread(created.create_url)
    sent = 1536 * 1024
    head = (
        f"PATCH {httpx.URL(url).path} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
        f"Authorization: {admin.headers['Authorization']}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
        f"Content-Length: {source.stat().st_size}\r\n\r\n"
    ).encode()

    def drop_mid_body() -> None:
        with socket.create_connection(("127.0.0.1", settings.http_port), timeout=10) as s:
            s.sendall(head + source.read_bytes()[:sent])
        # closed with three quarters of the body still unsent

    await asyncio.to_thread(drop_mid_body)

    async def recorded() -> bool:
        r = await admin.head(url, headers=TUS)
        return r.status_code == 200 and int(r.headers["Upload-Offset"]) == sent

    await eventually(recorded, 30, "the received bytes recorded")
    resumed = await asyncio.to_thread(
        tus_client(admin).uploader, file_path=str(source), chunk_size=1 << 20, url=url
    )
    assert resumed.offset == sent
    await asyncio.to_thread(resumed.upload)
    sub = (await admin.get(f"/api/submissions/{sid}")).json()
    assert sub["versions"][0]["media"]["sha256"] == sha256(source)


async def test_the_same_file_uploaded_twice_is_stored_once(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    source = random_file(tmp_path / "same.mp4", 1024 * 1024 + 5)
    before = len(stored_blobs(settings))
    for i in (1, 2):
        sid = await register(admin, cid, i)
        await tus_upload(admin, source, {"submission_id": sid, "filename": "same.mp4"})
        assert (await admin.get(f"/api/submissions/{sid}")).json()["media"]["sha256"] == sha256(source)
    assert len(stored_blobs(settings)) == before + 1


async def test_other_materials_are_kept_on_the_entry_without_a_new_version(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    pdf = fake_pdf(tmp_path / "报名表.pdf")
    meta = {
        "submission_id": sid,
        "filename": pdf.name,
        "material": "registration_form",
        "filetype": "application/pdf",
    }
    await tus_upload(admin, pdf, meta)
    sub = (await admin.get(f"/api/submissions/{sid}")).json()
    assert sub["version"] == 0 and sub["stage"] == "registered"
    (held,) = sub["materials"]["registration_form"]["files"]
    assert held["blob"]["sha256"] == sha256(pdf) and held["blob"]["media_type"] == "application/pdf"
    assert held["filename"] == "红色故事1—延吉市第一小学教师1（参赛报名表（盖章扫描件））.pdf"
    uploaded = {m["key"]: m["uploaded"] for m in sub["required_materials"]}
    assert uploaded == {"video": False, "courseware": False, "registration_form": True}


async def test_termination_removes_the_partial_upload(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    source = random_file(tmp_path / "clip.mp4", 2 * 1024 * 1024)
    uploader = tus_client(admin).uploader(
        file_path=str(source), chunk_size=1 << 20, metadata={"submission_id": sid, "filename": "c.mp4"}
    )
    await asyncio.to_thread(uploader.upload, 1 << 20)
    assert uploader.url is not None
    gone = await admin.delete(uploader.url, headers=TUS)
    assert gone.status_code == 204 and gone.headers["Tus-Resumable"] == "1.0.0"
    assert (await admin.head(uploader.url, headers=TUS)).status_code == 404
    assert not list((settings.blobs_path() / "tus").iterdir())
    assert (await admin.get(f"/api/submissions/{sid}")).json()["version"] == 0


async def test_an_expired_partial_upload_is_swept_away(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    source = random_file(tmp_path / "clip.mp4", 2 * 1024 * 1024)
    uploader = tus_client(admin).uploader(
        file_path=str(source), chunk_size=1 << 20, metadata={"submission_id": sid, "filename": "c.mp4"}
    )
    await asyncio.to_thread(uploader.upload, 1 << 20)
    assert uploader.url is not None
    head = await admin.head(uploader.url, headers=TUS)
    assert "GMT" in head.headers["Upload-Expires"]
    upload_id = uploader.url.rsplit("/", 1)[1]
    client = connect(settings.mongodb_uri)
    try:
        # A day later, as far as the upload's expiry is concerned.
        await client[f"{settings.db_prefix}_intake"]["uploads"].update_one(
            {"_id": upload_id}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
        )
    finally:
        await client.close()
    partial = settings.blobs_path() / "tus" / upload_id

    async def swept() -> bool:
        return not partial.exists() and (await admin.head(uploader.url, headers=TUS)).status_code == 404

    await eventually(swept, 30, "the sweeper removing the expired upload")
    with pytest.raises(TusCommunicationError):
        await asyncio.to_thread(uploader.upload)


async def test_a_second_patch_while_one_is_writing_is_refused_and_harms_nothing(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    sid = await register(admin, cid)
    data = os.urandom(3 * 1024 * 1024)
    made = await admin.post(
        "/api/tus/",
        headers={
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": f"submission_id {_b64(sid)},filename {_b64('a.mp4')}",
        },
    )
    url = made.headers["Location"]
    head = (
        f"PATCH {url} HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
        f"Authorization: {admin.headers['Authorization']}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    first_half_sent, go_on = threading.Event(), threading.Event()

    def slow_patch() -> str:
        with socket.create_connection(("127.0.0.1", settings.http_port), timeout=30) as s:
            s.sendall(head + data[: len(data) // 2])
            first_half_sent.set()
            go_on.wait(30)
            s.sendall(data[len(data) // 2 :])
            return s.recv(4096).decode()

    writing = asyncio.create_task(asyncio.to_thread(slow_patch))
    await asyncio.to_thread(first_half_sent.wait, 30)

    client = connect(settings.mongodb_uri)
    uploads = client[f"{settings.db_prefix}_intake"]["uploads"]
    upload_id = url.rsplit("/", 1)[1]

    async def leased() -> bool:
        doc = await uploads.find_one({"_id": upload_id})
        return doc is not None and doc["lease_until"] is not None

    try:
        await eventually(leased, 30, "the first PATCH holding the upload")
    finally:
        await client.close()
    clash = await admin.patch(
        url,
        content=b"y" * 10,
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert clash.status_code == 423 and "另一个连接" in clash.json()["detail"]["message_zh"]
    seen = await admin.head(url, headers=TUS)  # read only: the file being written is not touched
    assert seen.status_code == 200 and int(seen.headers["Upload-Offset"]) <= len(data) // 2
    go_on.set()
    answer = await writing
    assert answer.startswith("HTTP/1.1 204") and f"upload-offset: {len(data)}" in answer.lower()
    sha = hashlib.sha256(data).hexdigest()
    assert (await admin.get(f"/api/submissions/{sid}")).json()["media"]["sha256"] == sha
    blob = settings.blobs_path() / "sha256" / sha[:2] / sha[2:]
    assert blob.read_bytes() == data, "the stored bytes are the bytes sent, not a file cut under the writer"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
