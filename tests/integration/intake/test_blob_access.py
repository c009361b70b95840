"""Who may fetch a stored file (issue 12): a stamped registration form goes to its entrant and the
admins above it, or to whoever holds an unexpired signed link; nobody else learns it exists."""

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.common.blob_links import BlobLinks
from services.common.blob_stores import open_blob_store
from services.common.settings import Settings
from tests.conftest import admin_login, client_as, import_tree
from tests.integration.blobs.conftest import new_bucket, s3_endpoint, s3_settings  # noqa: F401
from tests.integration.intake.conftest import Intake, create_tiny, fake_pdf, tiny_video, tus_upload
from zhengji.samples import yanbian_form

MISSING = "0" * 64
STAMPED_FORM = {"material": "registration_form", "filetype": "application/pdf"}  # tus metadata


async def entrant_with_form(
    admin: httpx.AsyncClient, entrant: httpx.AsyncClient, pdf: Path, video: Path | None = None
) -> str:
    """The entrant registers, uploads its stamped form (and its work); the form's sha256."""
    cid = await create_tiny(admin)
    made = await entrant.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(1), "group": "小学组"}
    )
    assert made.status_code == 201, made.text
    sid = made.json()["submission_id"]
    if video is not None:
        put = await entrant.put(f"/api/submissions/{sid}/media", content=video.read_bytes())
        assert put.status_code == 202, put.text
    meta = {"submission_id": sid, "filename": pdf.name, **STAMPED_FORM}
    await tus_upload(entrant, pdf, meta)
    return hashlib.sha256(pdf.read_bytes()).hexdigest()


def message_zh(answer: httpx.Response) -> str:
    return str(answer.json()["detail"]["message_zh"])


async def test_a_form_is_served_to_its_entrant_and_admins_above_and_to_no_one_else(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    pdf = fake_pdf(tmp_path / "报名表.pdf", "身份证号 220102199001011234")
    video = await tiny_video(tmp_path / "work.mp4")
    work = hashlib.sha256(video.read_bytes()).hexdigest()
    async with (
        client_as(admin, "wang", "entrant", "222401001") as wang,
        client_as(admin, "zhao", "entrant", "222401001") as zhao,
        client_as(admin, "yanji-admin", "unit_admin", "222401") as yanji,
        client_as(admin, "tumen-admin", "unit_admin", "222402") as tumen,
        httpx.AsyncClient(base_url=str(admin.base_url), timeout=30) as anonymous,
    ):
        sha = await entrant_with_form(admin, wang, pdf, video)
        for allowed in (wang, yanji, admin):
            got = await allowed.get(f"/blobs/{sha}")
            assert got.status_code == 200 and got.content == pdf.read_bytes()
            assert (await allowed.get(f"/blobs/{work}")).content == video.read_bytes()

        # A stranger is refused, and told the same for a file that is not there.
        refused, absent = await anonymous.get(f"/blobs/{sha}"), await anonymous.get(f"/blobs/{MISSING}")
        assert refused.status_code == absent.status_code == 403
        assert refused.json() == absent.json() and message_zh(refused).startswith("无权查看该文件")
        for other in (zhao, tumen):
            assert (await other.get(f"/blobs/{work}")).status_code == 404
            refused, absent = await other.get(f"/blobs/{sha}"), await other.get(f"/blobs/{MISSING}")
            assert refused.status_code == absent.status_code == 404
            assert refused.json() == absent.json() and "无权查看" in message_zh(refused)
        assert pdf.read_bytes() not in refused.content


async def test_a_signed_link_works_until_it_expires_and_only_as_signed(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    pdf = fake_pdf(tmp_path / "报名表.pdf")
    async with (
        client_as(admin, "wang", "entrant", "222401001") as wang,
        httpx.AsyncClient(timeout=30) as anonymous,
    ):
        sha = await entrant_with_form(admin, wang, pdf)
        # Another process on the same store (the publisher) signs with the key kept in the store.
        links = BlobLinks(open_blob_store(settings), settings)
        link = await links.blob(sha, ttl_s=3600)
        got = await anonymous.get(link)
        assert got.status_code == 200 and got.content == pdf.read_bytes()

        expired = await anonymous.get(await links.blob(sha, ttl_s=-1))
        assert expired.status_code == 403 and "过期" in message_zh(expired)
        tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
        assert (await anonymous.get(tampered)).status_code == 403
        stretched = link.replace("expires=", "expires=9")  # a later expiry under the same signature
        assert (await anonymous.get(stretched)).status_code == 403
        elsewhere = link.replace(sha, MISSING)  # the signature of one file opens no other
        answer = await anonymous.get(elsewhere)
        assert answer.status_code == 403 and "无效" in message_zh(answer)


@pytest.fixture
async def s3_intake(
    settings: Settings, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[Intake]:
    endpoint = request.getfixturevalue("s3_endpoint")  # moto's S3 server (tests/integration/blobs)
    blob_url = s3_settings(monkeypatch, tmp_path, endpoint, new_bucket(endpoint)).blob_url
    service = Intake(settings.model_copy(update={"blob_url": blob_url}))
    await service.start()
    yield service
    await service.stop()


async def test_on_object_storage_the_entrant_is_sent_to_a_presigned_url_and_a_stranger_nowhere(
    s3_intake: Intake, tmp_path: Path
) -> None:
    pdf = fake_pdf(tmp_path / "报名表.pdf")
    async with httpx.AsyncClient(base_url=s3_intake.url, timeout=30) as admin:
        await admin_login(admin)
        await import_tree(admin)
        async with (
            client_as(admin, "wang", "entrant", "222401001") as wang,
            httpx.AsyncClient(base_url=s3_intake.url, timeout=30) as anonymous,
        ):
            sha = await entrant_with_form(admin, wang, pdf)
            sent = await wang.get(f"/blobs/{sha}")
            assert sent.status_code == 307 and "X-Amz-Signature=" in sent.headers["location"]
            async with httpx.AsyncClient(timeout=30) as store:
                assert (await store.get(sent.headers["location"])).content == pdf.read_bytes()
            assert (await anonymous.get(f"/blobs/{sha}")).status_code == 403
            # A platform's link is presigned by the store itself, not routed through intake.
            link = await BlobLinks(open_blob_store(s3_intake.settings), s3_intake.settings).blob(sha)
            assert not link.startswith(s3_intake.url)
            async with httpx.AsyncClient(timeout=30) as platform:
                assert (await platform.get(link)).content == pdf.read_bytes()
