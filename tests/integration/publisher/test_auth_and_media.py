"""Reaching platforms: bearer tokens, HMAC signatures, multipart uploads, field maps, signed webhooks."""

from pathlib import Path

import httpx
import pytest

from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from tests.integration.publisher.harness import (
    campaign_with,
    delivery,
    produce,
    read_published,
    renditions,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, WebhookReceiver, serving

TOKEN = "platform-token-0123456789"
SECRET = "platform-hmac-secret-0123456789"


async def test_multipart_upload_of_the_rendition_with_a_bearer_token(
    api: httpx.AsyncClient,
    settings: Settings,
    blobs: FileBlobStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_PLATFORM_TOKEN", TOKEN)
    kafka = settings.kafka_bootstrap_servers
    media = await renditions(blobs, tmp_path / "media")
    async with serving(StandIn(token=TOKEN)) as platform:
        spec = target(
            "alpha",
            platform.url("/alpha"),
            media="multipart",
            auth="bearer",
            secret_env="TEST_PLATFORM_TOKEN",
            field_map={"title": "name", "media_sha256": "sha256"},
        )
        cid = await campaign_with(kafka, [spec])
        work = reviewed(cid, 1, media=media)
        await produce(kafka, work)
        await settled(api, work.submission_id, {"alpha": "published"})

    (got,) = platform.received
    preview = media[0].blob
    assert got["body"]["file"]["sha256"] == preview.sha256 and got["body"]["file"]["size"] == preview.size
    assert got["body"]["file"]["content_type"] == "video/mp4"
    assert got["body"]["metadata"] == {"name": "红色故事1", "sha256": preview.sha256}
    assert [r["status"] for r in platform.log] == [201]


async def test_hmac_signed_json_with_a_field_map(
    api: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_PLATFORM_SECRET", SECRET)
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(hmac_secret=SECRET)) as platform:
        spec = target(
            "alpha",
            platform.url("/alpha"),
            auth="hmac",
            secret_env="TEST_PLATFORM_SECRET",
            field_map={"title": "resource.title", "unit_name": "resource.producer", "poster_url": "cover"},
            remote_id_field="id",
        )
        cid = await campaign_with(kafka, [spec])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        await settled(api, work.submission_id, {"alpha": "published"})

    (got,) = platform.received
    assert got["body"]["resource"] == {"title": "红色故事1", "producer": "延吉市第一小学"}
    assert "/blobs/" + "b" * 64 + "?expires=" in got["body"]["cover"], "a signed link, not a plain address"
    assert got["headers"]["zhengji-signature"].startswith("t=")


async def test_a_missing_secret_parks_the_delivery_without_calling_the_platform(
    api: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_UNSET_TOKEN", raising=False)
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(token=TOKEN)) as platform:
        spec = target("alpha", platform.url("/alpha"), auth="bearer", secret_env="TEST_UNSET_TOKEN")
        cid = await campaign_with(kafka, [spec])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"alpha": "failed"})
        (event,) = await read_published(kafka, 1)

    assert platform.requests == 0
    assert "TEST_UNSET_TOKEN" in pubs["alpha"]["reason"] and "未设置" in pubs["alpha"]["reason"]
    assert (await delivery(api, f"{work.submission_id}:alpha"))["tries"][0]["status"] is None
    assert event["status"] == "failed" and "TEST_UNSET_TOKEN" in event["reason"]


async def test_the_signed_webhook_adapter_pushes_and_retracts(
    api: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    kafka = settings.kafka_bootstrap_servers
    async with serving(WebhookReceiver(secret=SECRET, fail_first=1)) as platform:
        spec = target("wechat", platform.url("/push"), adapter="webhook", secret_env="TEST_WEBHOOK_SECRET")
        cid = await campaign_with(kafka, [spec])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"wechat": "published"})
        await api.post(
            f"/api/publisher/submissions/{work.submission_id}/retract", json={"reason": "奖项撤销"}
        )
        await settled(api, work.submission_id, {"wechat": "retracted"})

    pushes = [(d["status"], d["verified"], d["body"]["type"]) for d in platform.deliveries]
    assert pushes == [
        (503, True, "work.published"),
        (200, True, "work.published"),
        (200, True, "work.retracted"),
    ]
    published = platform.deliveries[1]["body"]
    assert published["id"] == f"{work.submission_id}:wechat" == pubs["wechat"]["remote_id"]
    assert published["work"]["metadata"]["title"] == "红色故事1"
    assert platform.deliveries[2]["body"]["remote_id"] == pubs["wechat"]["remote_id"]
