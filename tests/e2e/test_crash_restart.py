"""`zhengji up` killed with SIGKILL mid-pipeline, then started again: nothing is lost.

The embedded broker keeps messages in memory only, so everything in flight at the
kill is gone; the outboxes, the job leases and the reconciler must bring every
submission to its end state from what the store kept."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, OPEN_WINDOW, TREE_CSV, UNIT, eventually
from zhengji import samples
from zhengji.ports import free_port
from zhengji.samples import yanbian_form

ENV = {
    "ZHENGJI_STAGE_DEADLINE_S": "3",
    "ZHENGJI_RECONCILE_EVERY_S": "1",
    "ZHENGJI_JOB_LEASE_S": "3",
    "ZHENGJI_OUTBOX_POLL_S": "0.2",
    "ZHENGJI_ADMIN_PASSWORD": ADMIN_PASSWORD,
}


def _start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    zhengji = Path(sys.executable).with_name("zhengji")
    return subprocess.Popen(
        [str(zhengji), "up", "--data-dir", str(data_dir), "--port", str(port)],
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


async def _log_in(api: httpx.AsyncClient) -> None:
    r = await api.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    api.headers["Authorization"] = "Bearer " + r.json()["token"]


async def _healthy(api: httpx.AsyncClient) -> bool:
    try:
        return (await api.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False


async def test_sigkill_mid_pipeline_then_restart_reaches_every_end_state(
    tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    data = tmp_path / "zj"
    good = [await samples.conforming(tmp_path / f"good{i}.mp4", seconds=4) for i in range(2)]
    bad = samples.not_media(tmp_path / "bad.mp4")

    port = free_port()
    procs.append(_start(data, port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
        await eventually(lambda: _healthy(api), 90, "first start")
        await _log_in(api)
        tree = await api.post(
            "/api/units/import", content=TREE_CSV.encode(), headers={"content-type": "text/csv"}
        )
        assert tree.status_code == 200
        created = await api.post(
            "/api/campaigns", json={"preset": "yanbian-2024", "upload_window": OPEN_WINDOW}
        )
        assert created.status_code == 201
        sids = {}
        for i, path in enumerate([*good, bad]):
            reg = await api.post(
                "/api/campaigns/yanbian-2024/entries",
                json={"form": yanbian_form(i), "unit_code": UNIT["code"], "group": "小学组"},
            )
            sid = reg.json()["submission_id"]
            assert (
                await api.put(f"/api/submissions/{sid}/media", content=path.read_bytes())
            ).status_code == 202
            # Passing the checks, an entry waits for its unit's approval (推荐单位审核).
            sids[sid] = "failed_validation" if path == bad else "awaiting_approval"
        # Mid-pipeline: at least one upload is still being checked or transcoded.
        stages = [(await api.get(f"/api/submissions/{sid}")).json()["stage"] for sid in sids]
        assert any(s in {"registered", "validating", "transcoding"} for s in stages), stages
    procs[0].send_signal(signal.SIGKILL)
    procs[0].wait(10)

    port = free_port()
    procs.append(_start(data, port))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as api:
        await eventually(lambda: _healthy(api), 90, "restart on the same data dir")
        await _log_in(api)

        seen: dict[str, str] = {}

        async def all_ended() -> bool:
            seen.update({sid: (await api.get(f"/api/submissions/{sid}")).json()["stage"] for sid in sids})
            return seen == sids

        await eventually(all_ended, 180, f"every submission at its end state after the restart: {seen}")
        for sid in sids:
            timeline = (await api.get(f"/api/submissions/{sid}")).json()["timeline"]
            kinds = [e["event_type"] for e in timeline]
            # Effects exactly once: one event of each kind per version, however often re-driven.
            assert len(kinds) == len(set(kinds)), kinds
    await asyncio.sleep(0)
