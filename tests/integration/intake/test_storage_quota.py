"""Each entrant's share of the store: unfinished uploads count, so one person cannot fill
intake's disk by opening many large uploads at once; another entrant is not affected."""

from base64 import b64encode

import httpx

from services.common.settings import Settings
from tests.conftest import admin_login, import_tree
from tests.integration.intake.conftest import Intake, create_tiny, register

TUS = {"Tus-Resumable": "1.0.0"}
MB = 1024 * 1024


def creation(sid: str, length: int, name: str = "clip.mp4") -> dict[str, str]:
    meta = ",".join(
        f"{k} {b64encode(v.encode()).decode()}"
        for k, v in {"submission_id": sid, "filename": name, "filetype": "video/mp4"}.items()
    )
    return {**TUS, "Upload-Length": str(length), "Upload-Metadata": meta}


async def test_an_entrants_unfinished_uploads_count_against_their_share(settings: Settings) -> None:
    intake = Intake(settings.model_copy(update={"entrant_storage_max_bytes": 10 * MB}))
    await intake.start()
    try:
        async with httpx.AsyncClient(base_url=intake.url, timeout=30) as api:
            await admin_login(api)
            await import_tree(api)
            cid = await create_tiny(api)
            mine = await register(api, cid, 1)
            first = await api.post("/api/tus/", headers=creation(mine, 6 * MB))
            assert first.status_code == 201, first.text
            # The first upload has not sent a byte, yet its declared 6 MB are held for it.
            second = await api.post("/api/tus/", headers=creation(mine, 6 * MB))
            assert second.status_code == 413
            body = second.json()["detail"]
            assert "存储上限" in body["message_zh"] and body["limit"] == 10 * MB
            assert body["used"] == 6 * MB
            # Someone else's entry has a share of its own.
            theirs = await register(api, cid, 2)
            other = await api.post("/api/tus/", headers=creation(theirs, 6 * MB))
            assert other.status_code == 201, other.text
            # Giving up the unfinished upload frees the share.
            gone = await api.delete(first.headers["Location"], headers=TUS)
            assert gone.status_code == 204
            again = await api.post("/api/tus/", headers=creation(mine, 6 * MB))
            assert again.status_code == 201, again.text
    finally:
        await intake.stop()
