"""Driving the publisher on the real broker and store, with platforms replaced by stand-ins.

Campaign definitions and ``reviewed`` events are produced to Kafka as intake
and review would produce them; ``published`` events are read back from the
topic; the publisher's own API shows publications and deliveries."""

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import (
    CAMPAIGN_TOPIC,
    TOPICS,
    Attribution,
    BlobRef,
    CampaignDefined,
    EntryInfo,
    Rendition,
    SubmissionReviewed,
)
from contracts.campaign import Campaign
from services.common.blob_files import FileBlobStore
from services.intake.presets import load_preset
from services.media.process import run
from services.transcoder.packages import store_package
from tests.conftest import eventually

UNIT_NAME = "延吉市第一小学"


async def campaign_with(bootstrap: str, targets: list[dict[str, Any]], **changes: Any) -> str:
    """The Yanbian preset with these publication targets, under a fresh id, announced as intake does."""
    spec = load_preset("yanbian-2024").model_dump(mode="json")
    spec |= {"id": f"yanbian-{uuid4().hex[:8]}", "publication_targets": targets, **changes}
    campaign = Campaign.model_validate(spec)
    defined = CampaignDefined(campaign_id=campaign.id, producer="intake", spec=campaign)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            CAMPAIGN_TOPIC, defined.model_dump_json().encode(), key=campaign.id.encode()
        )
    finally:
        await producer.stop()
    return campaign.id


def target(key: str, url: str, **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"平台{key}",
        "url": url,
        "qualifies": ["awarded"],
        "level": "prefecture",
        **fields,
    }


async def renditions(store: FileBlobStore, folder: Path) -> list[Rendition]:
    """A real (tiny) MP4 master, an HLS package of it (fMP4 segments) and a JPEG poster."""
    folder.mkdir(parents=True, exist_ok=True)
    video, poster = folder / "preview.mp4", folder / "poster.jpg"
    ladder = store.root / "tmp" / f"hls-{folder.name}"  # beside the blob root, as the transcoder works
    ladder.mkdir(parents=True, exist_ok=True)
    base = ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y"]
    source = ["-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=2"]
    for argv in (
        [*base, *source, "-f", "lavfi", "-i", "sine=f=440:d=2", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(video)],
        [*base, *source, "-frames:v", "1", str(poster)],
        [*base, "-i", str(video), "-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
         "-hls_segment_type", "fmp4", "-master_pl_name", "master.m3u8", str(ladder / "stream.m3u8")],
    ):  # fmt: skip
        done = await run(argv, 60)
        assert done.returncode == 0, done.stderr
    package = await store_package(store, ladder)
    return [
        Rendition(name="master", blob=await store.put_file(video, "video/mp4"), width=320, height=180),
        Rendition(
            name="hls", kind="hls", blob=package.ref("master.m3u8"), package_sha256=package.sha256, height=180
        ),
        Rendition(name="poster", blob=await store.put_file(poster, "image/jpeg"), width=320, height=180),
    ]


def fake_renditions() -> list[Rendition]:
    def ref(seed: str, media_type: str) -> BlobRef:
        return BlobRef(uri=f"blob://sha256/{seed * 64}", sha256=seed * 64, size=1000, media_type=media_type)

    return [
        Rendition(name="master", blob=ref("a", "video/mp4"), height=720),
        Rendition(name="poster", blob=ref("b", "image/jpeg"), height=720),
    ]


def reviewed(
    campaign_id: str,
    n: int,
    *,
    outcome: str = "awarded",
    level: str = "prefecture",
    award_tier: str | None = "优秀资源奖",
    group: str = "小学组",
    category: str = "英雄故事",
    summary: str = "红色资源微视频",
    author: str | None = None,
    media: list[Rendition] | None = None,
    submission_id: str | None = None,
) -> SubmissionReviewed:
    sid = submission_id or f"S{uuid4().hex[:12].upper()}"
    return SubmissionReviewed(
        submission_id=sid,
        campaign_id=campaign_id,
        correlation_id=f"{sid}:v1",
        producer="review",
        entry=EntryInfo(title=f"红色故事{n}", group=group, category=category, summary=summary),
        attribution=Attribution(unit_code="222401001", unit_name=UNIT_NAME, author=author),
        level=level,
        outcome=outcome,
        award_tier=award_tier if outcome == "awarded" else None,
        rank=n,
        score=90.0,
        renditions=media if media is not None else fake_renditions(),
    )


async def produce(bootstrap: str, *events: SubmissionReviewed, raw: list[bytes] | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                TOPICS["reviewed"], event.model_dump_json().encode(), key=event.submission_id.encode()
            )
        for value in raw or []:
            await producer.send_and_wait(TOPICS["reviewed"], value, key=b"raw")
    finally:
        await producer.stop()


async def read_published(bootstrap: str, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
    """Every event on the published topic, once at least ``count`` have arrived, each once.

    Deduplicated on ``event_id`` as docs/asyncapi.yaml tells a consumer to: a duplicate delivery
    to the publisher re-sends the events it caused (in case the broker lost them), so the same
    event may be on the topic twice; a second event with a new ``event_id`` still counts."""
    consumer = AIOKafkaConsumer(
        TOPICS["published"],
        bootstrap_servers=bootstrap,
        group_id=f"test-published-{uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        found: list[dict[str, Any]] = []
        seen: set[str] = set()

        async def more() -> bool:
            batch = await consumer.getmany(timeout_ms=300)
            for event in (json.loads(r.value) for records in batch.values() for r in records):
                if event["event_id"] not in seen:
                    seen.add(event["event_id"])
                    found.append(event)
            return len(found) >= count

        await eventually(more, timeout_s, f"{count} published events")
        return found
    finally:
        await consumer.stop()


async def publications(api: httpx.AsyncClient, sid: str) -> dict[str, dict[str, Any]]:
    return {p["target"]: p for p in (await api.get(f"/api/publisher/submissions/{sid}/publications")).json()}


async def settled(
    api: httpx.AsyncClient, sid: str, statuses: dict[str, str], timeout_s: float = 60
) -> dict[str, Any]:
    """Wait until each target's publication of ``sid`` has the given status."""

    async def probe() -> dict[str, Any] | None:
        pubs = await publications(api, sid)
        ok = all(pubs.get(t, {}).get("status") == s for t, s in statuses.items())
        return pubs if ok else None

    pubs: dict[str, Any] = await eventually(probe, timeout_s, f"{sid} to reach {statuses}")
    return pubs


async def delivery(api: httpx.AsyncClient, delivery_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/publisher/deliveries/{delivery_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def parked_after_three_tries(api: httpx.AsyncClient, kafka: str, platform_url: str) -> str:
    """An awarded work for a target allowed three tries, on a platform that fails them all: the
    delivery's id, once it is parked (failed)."""
    cid = await campaign_with(kafka, [target("alpha", platform_url, max_attempts=3)])
    work = reviewed(cid, 1)
    await produce(kafka, work)
    await settled(api, work.submission_id, {"alpha": "failed"})
    return f"{work.submission_id}:alpha"
