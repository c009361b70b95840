"""Benchmark of scaling transcoders out: `.venv/bin/python bench/bench_scale_out.py [--jobs 6]`.

The transcode stage's throughput with 1, 2 and 3 transcoder processes (`zhengji serve transcoder`,
each with its own data dir, blobs in a bucket on moto's S3 server, the broker and store embedded
on loopback: the set-up of tests/integration/multihost), on the same inputs in one run. Each round
starts one more process (the earlier ones keep running, as in a scale-out: stopping them all
and starting afresh makes the new group members wait for the broker's rebalance), waits until
it is ready, then publishes one ``validated`` event per input at once (fresh submission ids, so
every round does every job) and waits until the job table says all are done. Throughput: jobs
per minute from the first claim to the last finish.

The inputs are 640x360 clips at a high bit rate, against a campaign that asks for 640x360 at
most 1 Mb/s: every job re-encodes its master and writes its streaming ladder. Asserts only that
every job ends done. No thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaProducer

from contracts import (
    CAMPAIGN_TOPIC,
    TOPICS,
    CampaignDefined,
)
from contracts.campaign import Campaign
from services.common.blob_stores import open_blob_store
from services.common.blobs import BlobStore
from services.common.log import configure_logging
from services.common.settings import Settings
from services.common.store import Doc, connect
from services.intake.presets import PRESET_DIR
from tests.integration.multihost.cluster import Cluster, cluster_on
from tests.integration.multihost.hosts import LOOPBACK
from tests.integration.transcoder.clips import clip
from tests.integration.transcoder.conftest import validated

CAMPAIGN = "scale-out-bench"


def campaign() -> Campaign:
    """The Yanbian notice at 640x360 and at most 1 Mb/s."""
    raw = yaml.safe_load((PRESET_DIR / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    raw["id"] = CAMPAIGN
    raw["materials"][0]["video"].update({"width": 640, "height": 360, "bit_rate_kbps": 1000})
    return Campaign.model_validate(raw)


async def make_inputs(folder: Path, blobs: BlobStore, count: int, seconds: float) -> list[Any]:
    """``count`` different clips (a tone each) stored in the bucket; their blob refs."""
    refs = []
    for i in range(count):
        out = folder / f"in-{i}.mp4"
        await clip(out, size="640x360", seconds=seconds, video=("-preset", "ultrafast", "-crf", "10"))
        refs.append(await blobs.put_file(out, "video/mp4"))
    return refs


async def done_jobs(uri: str, sids: list[str], timeout_s: float = 3600) -> list[Doc]:
    client = connect(uri)
    try:
        jobs = client["zhengji_transcoder"]["jobs"]
        deadline = time.monotonic() + timeout_s
        while True:
            found = [j async for j in jobs.find({"payload.submission_id": {"$in": sids}})]
            if len(found) == len(sids) and all(j["state"] in ("done", "failed") for j in found):
                assert all(j["state"] == "done" for j in found), [j.get("reason") for j in found]
                return found
            if time.monotonic() > deadline:
                raise TimeoutError("the round did not finish")
            await asyncio.sleep(0.2)
    finally:
        await client.close()


async def one_round(cluster: Cluster, processes: int, refs: list[Any], seconds: float) -> dict[str, Any]:
    """One more transcoder process (the ones before stay: a scale-out), then every input once."""
    await cluster.start("transcoder", LOOPBACK).ready()
    sids = [f"R{processes}-{i}" for i in range(len(refs))]
    producer = AIOKafkaProducer(bootstrap_servers=cluster.infra.servers.kafka_bootstrap)
    await producer.start()
    try:
        for sid, ref in zip(sids, refs, strict=True):
            upload = {"version": 1, "sha256": ref.sha256, "size": ref.size}
            event = validated(CAMPAIGN, sid, upload, seconds)
            await producer.send_and_wait(
                TOPICS["validated"], event.model_dump_json().encode(), key=sid.encode()
            )
    finally:
        await producer.stop()
    jobs = await done_jobs(cluster.infra.servers.mongodb_uri, sids)
    span = (max(j["finished_at"] for j in jobs) - min(j["started_at"] for j in jobs)).total_seconds()
    workers = {j["worker"] for j in jobs}
    return {"processes": processes, "span": span, "rate": 60 * len(jobs) / span,
            "workers": len(workers)}  # fmt: skip


async def main(count: int, seconds: float) -> None:
    configure_logging(json=False, level="WARNING")
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    async with cluster_on(LOOPBACK, tmp) as cluster:
        os.environ.update(cluster.infra.env())  # the bench's own blob store: the same bucket
        blobs = open_blob_store(
            Settings(data_dir=tmp / "bench", blob_url=cluster.infra.env()["ZHENGJI_BLOB_URL"])
        )
        refs = await make_inputs(tmp, blobs, count, seconds)
        bootstrap = cluster.infra.servers.kafka_bootstrap
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        spec = campaign()
        defined = CampaignDefined(campaign_id=CAMPAIGN, producer="bench", spec=spec)
        await producer.send_and_wait(
            CAMPAIGN_TOPIC, defined.model_dump_json().encode(), key=CAMPAIGN.encode()
        )
        await producer.stop()
        rows = [await one_round(cluster, n, refs, seconds) for n in (1, 2, 3)]
    base = rows[0]
    print(f"\ntranscode stage, {count} jobs of {seconds:g} s 640x360 each, on {os.cpu_count()} CPUs:")
    for r in rows:
        print(
            f"  {r['processes']} process(es): {r['span']:6.1f} s  {r['rate']:5.1f} jobs/min  "
            f"{r['rate'] / base['rate']:4.2f}x  ({r['workers']} workers did jobs)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6, help="inputs per round")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each input")
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.seconds))
