"""Distributed mode: `zhengji serve validator` alone, in its own process, against external
Kafka and MongoDB (here the embedded servers), with the other four services elsewhere."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.common.settings import Settings
from tests.conftest import ADMIN_PASSWORD, UNIT, admin_login, create_campaign, eventually, import_tree
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.samples import yanbian_form
from zhengji.server import running


async def test_a_validator_serving_alone_checks_uploads_made_elsewhere(
    servers: EmbeddedServers, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHENGJI_ADMIN_PASSWORD", ADMIN_PASSWORD)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
        "MONGODB_URI": servers.mongodb_uri,
        "ZHENGJI_BLOB_DIR": str(settings.blobs_path()),
        "ZHENGJI_HTTP_PORT": str(free_port()),
        "ZHENGJI_PUBLIC_BASE_URL": settings.base_url(),  # the other four's origin: where links point
    }
    validator = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("zhengji")),
        "serve",
        "validator",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        others = ["intake", "transcoder", "review", "publisher"]
        async with (
            running(settings, others),
            httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as api,
        ):
            assert (await api.get("/healthz")).json()["services"] == others
            await admin_login(api)
            await import_tree(api)
            cid = await create_campaign(api)
            reg = await api.post(
                f"/api/campaigns/{cid}/entries",
                json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"},
            )
            sid = reg.json()["submission_id"]
            assert (await api.put(f"/api/submissions/{sid}/media", content=b"not a video")).status_code == 202

            async def checked() -> dict[str, object] | None:
                status = (await api.get(f"/api/submissions/{sid}")).json()
                return status if status["stage"] == "failed_validation" else None

            status = await eventually(checked, 90, "the separate validator's verdict")
            assert [f["rule_id"] for f in status["findings"]] == ["file.readable"]
    finally:
        validator.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught.
        code = await asyncio.wait_for(validator.wait(), 20)
    assert code in (0, -signal.SIGTERM), f"the service stops on SIGTERM, exit {code}"
