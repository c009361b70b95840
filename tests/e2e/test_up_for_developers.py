"""A downstream developer's first hour: `zhengji up` on fixed ports says where its broker and
store are, and a plain Kafka client subscribed there sees the events zhengji emits."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

from contracts import CAMPAIGN_TOPIC
from tests.conftest import ADMIN_PASSWORD, create_campaign, eventually
from zhengji.ports import free_port


async def test_up_prints_its_broker_and_a_plain_client_reads_the_events(tmp_path: Path) -> None:
    http, kafka, mongo = free_port(), free_port(), free_port()
    argv = [str(Path(sys.executable).with_name("zhengji")), "up", "--data-dir", str(tmp_path / "d")]
    argv += ["--port", str(http), "--kafka-port", str(kafka), "--mongo-port", str(mongo)]
    up = await asyncio.create_subprocess_exec(
        *argv,
        env={**os.environ, "ZHENGJI_ADMIN_PASSWORD": ADMIN_PASSWORD},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert up.stdout is not None
        printed = [(await up.stdout.readline()).decode() for _ in range(3)]
        drain = asyncio.create_task(up.stdout.read())  # its log must not fill the pipe and stall it
        assert f"127.0.0.1:{kafka}" in printed[1] and f"127.0.0.1:{mongo}" in printed[2], printed
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http}", timeout=30) as api:

            async def healthy() -> bool:
                try:
                    return (await api.get("/healthz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(healthy, 90, "zhengji up answering")
            r = await api.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
            api.headers["Authorization"] = "Bearer " + r.json()["token"]
            campaign_id = await create_campaign(api)

        consumer = AIOKafkaConsumer(
            CAMPAIGN_TOPIC,
            bootstrap_servers=printed[1].split()[-1],
            group_id="downstream-developer",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:

            async def defined() -> dict[str, object] | None:
                batch = await consumer.getmany(timeout_ms=500)
                for record in (r for records in batch.values() for r in records):
                    event = json.loads(record.value)
                    if event.get("campaign_id") == campaign_id:
                        return dict(event)
                return None

            event = await eventually(defined, 60, "campaign.defined on the embedded broker")
            assert event["event_type"] == "campaign.defined"
        finally:
            await consumer.stop()
        drain.cancel()
    finally:
        up.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(up.wait(), 30)
        except TimeoutError:
            up.kill()
