"""A campaign halfway through review (a round open, some sheets scored) is backed up with
`zhengji admin backup`, restored with `zhengji admin restore` into an empty store on a new
broker, and the services started there show the same entries, experts, sheets and chair's table;
restoring over data is refused."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from services.common.settings import Settings
from tests.conftest import admin_client
from tests.integration.admin_command import admin_command
from tests.integration.review.feed import PANEL, YANJI, Work, bearer, round_of
from tests.integration.review.test_review_flow import yanbian
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.server import embedded_settings

WORKS = [Work(f"SB{i}", f"红色故事{i}", YANJI, i) for i in range(1, 5)]


@contextlib.asynccontextmanager
async def restored_elsewhere(settings: Settings, tmp_path: Path, backup: Path) -> AsyncIterator[Settings]:
    """A new, empty store and broker with ``backup`` restored into it by `zhengji admin restore`;
    the same blob store (it outlives the database). The settings of a deployment there."""
    elsewhere = EmbeddedServers(tmp_path / "new-store")
    await elsewhere.astart()
    try:
        restored = embedded_settings(
            tmp_path / "new-data",
            elsewhere,
            "127.0.0.1",
            free_port(),
            blob_url=settings.blobs_path().as_uri(),
            job_lease_s=3.0,
            kafka_session_timeout_ms=3000,
            outbound_allow=settings.outbound_allow,
        )
        code, _, said = await admin_command(restored, "restore", str(backup))
        assert code == 0, said
        yield restored
    finally:
        elsewhere.stop()


async def state(api: httpx.AsyncClient, round_id: str) -> tuple[object, object]:
    progress = (await api.get(f"/api/review/rounds/{round_id}/progress")).json()
    table = (await api.get(f"/api/review/rounds/{round_id}/table")).json()
    return progress, table


async def test_a_campaign_halfway_through_review_comes_back_whole(settings: Settings, tmp_path: Path) -> None:
    campaign = yanbian("backup-mid-review")
    async with admin_client(settings, ["review"]) as api:
        round_id, tokens = await round_of(
            api, settings.kafka_bootstrap_servers, campaign, WORKS, "county", PANEL
        )
        first = next(iter(tokens.values()))  # one expert has scored, the others not yet
        rubric = [
            c["key"] for c in (await api.get(f"/api/review/campaigns/{campaign.id}/plan")).json()["rubric"]
        ]
        assigned = (await api.get("/api/review/me/assignments", headers=bearer(first))).json()
        assert assigned, "the first expert has entries to score"
        for item in assigned:
            sid = item["entry"]["submission_id"]
            r = await api.put(
                f"/api/review/rounds/{round_id}/entries/{sid}/sheet",
                json={"sheet": dict.fromkeys(rubric, "88"), "comment": "好"},
                headers=bearer(first),
            )
            assert r.status_code == 200, r.text
        before = await state(api, round_id)

    code, _, said = await admin_command(settings, "backup", str(tmp_path / "backup"))
    assert code == 0, said

    async with restored_elsewhere(settings, tmp_path, tmp_path / "backup") as restored:
        async with admin_client(restored, ["review"]) as api:
            assert await state(api, round_id) == before
            # The expert who had not scored yet still can, with the token issued before the backup.
            later = list(tokens.values())[1]
            assert (await api.get("/api/review/me/assignments", headers=bearer(later))).status_code == 200
        # Restoring over a store that now holds data is refused: a backup never mixes with it.
        code, _, said = await admin_command(restored, "restore", str(tmp_path / "backup"))
        assert code == 1 and "已有数据" in said
