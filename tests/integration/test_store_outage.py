"""A store outage on the real SecantusDB: the process stays live, says it is not ready (naming
the store), and once a store is back on the same data dir its background loops, which kept
retrying with backoff, claim and finish jobs again."""

from pathlib import Path
from typing import Any

import httpx

from services.common.settings import Settings
from tests.conftest import UNIT, create_campaign, eventually
from zhengji import samples
from zhengji.embedded import EmbeddedServers
from zhengji.samples import yanbian_form


async def _checks(api: httpx.AsyncClient, path: str) -> tuple[int, dict[str, dict[str, Any]]]:
    r = await api.get(path)
    return r.status_code, {c["name"]: c for c in r.json()["checks"]}


async def test_workers_outlive_a_store_outage_and_readiness_says_so(
    system: httpx.AsyncClient, settings: Settings, servers: EmbeddedServers, tmp_path: Path
) -> None:
    cid = await create_campaign(system)
    reg = await system.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"}
    )
    assert reg.status_code == 201, reg.text
    sid = reg.json()["submission_id"]
    status, checks = await _checks(system, "/readyz")
    assert (status, checks["store"]["ok"], checks["broker"]["ok"]) == (200, True, True), checks
    claiming = "validator.jobs:jobs"
    assert checks[claiming]["ok"], checks

    await servers.stop_store()

    async def unready() -> dict[str, dict[str, Any]] | None:
        status, checks = await _checks(system, "/readyz")
        return checks if status == 503 and not checks["store"]["ok"] else None

    checks = await eventually(unready, 30, "/readyz to say 503 naming the store")
    assert checks["broker"]["ok"], checks

    async def backing_off() -> bool:
        _, checks = await _checks(system, "/readyz")
        return bool(checks[claiming]["consecutive_failures"] > 0)

    await eventually(backing_off, 60, "the job claims to fail and back off")
    # Alive all along: a restart of this process would not bring the store back.
    live = await system.get("/healthz")
    assert live.status_code == 200, live.text

    await servers.start_store()

    async def ready() -> bool:
        status, checks = await _checks(system, "/readyz")
        return status == 200 and checks[claiming]["consecutive_failures"] == 0

    await eventually(ready, 60, "/readyz to say 200 once the store is back")

    # The job loops picked up again: a real upload is checked (a leased quality job) and transcoded.
    media = await samples.conforming(tmp_path / "ok.mp4", seconds=2)
    put = await system.put(f"/api/submissions/{sid}/media", content=media.read_bytes())
    assert put.status_code == 202, put.text

    async def passed() -> bool:
        stage = (await system.get(f"/api/submissions/{sid}")).json()["stage"]
        return bool(stage == "awaiting_approval")

    await eventually(passed, 120, "the upload to pass its checks and be transcoded")
    status, checks = await _checks(system, "/readyz")
    assert status == 200 and checks[claiming]["last_success"] is not None, checks
    assert all(c["ok"] for c in checks.values()), checks
