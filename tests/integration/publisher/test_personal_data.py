"""Personal data never leaves zhengji: every outgoing payload and every published event is inspected."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.campaign import PUBLIC_METADATA
from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from tests.conftest import eventually
from tests.integration.publisher.harness import (
    campaign_with,
    produce,
    read_published,
    renditions,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, WebhookReceiver, serving

SECRET = "privacy-test-secret-0123456789"
PHONE, ID_NUMBER, LANDLINE, AUTHOR = "13904330001", "222401201005120023", "2512345", "金英姬"
PERSONAL = [PHONE, "139-0433-0001", ID_NUMBER, LANDLINE, AUTHOR]


def leaks(things: list[Any]) -> list[str]:
    text = json.dumps(things, ensure_ascii=False, default=str)
    return [p for p in PERSONAL if p in text]


async def test_no_phone_id_number_or_private_name_in_any_payload_or_event(
    api: httpx.AsyncClient,
    settings: Settings,
    blobs: FileBlobStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_PRIVACY_SECRET", SECRET)
    kafka = settings.kafka_bootstrap_servers
    media = await renditions(blobs, tmp_path / "media")
    everything = list(PUBLIC_METADATA)
    async with (
        serving(StandIn()) as platform,
        serving(WebhookReceiver(secret=SECRET)) as pushed,
        serving(WebhookReceiver(secret=SECRET)) as subscriber,
    ):
        await api.post("/api/publisher/subscriptions", json={"url": subscriber.url(), "secret": SECRET})
        targets = [
            target("standard", platform.url("/standard"), fields=[*everything, "name", "phone", "id_number"]),
            target("mapped", platform.url("/mapped"), field_map={k: f"x.{k}" for k in everything}),
            target(
                "upload", platform.url("/upload"), media="multipart", field_map={k: k for k in everything}
            ),
            target("push", pushed.url("/push"), adapter="webhook", secret_env="TEST_PRIVACY_SECRET"),
        ]
        cid = await campaign_with(kafka, targets)
        assert cid  # a campaign whose entrants are minors: names stay private
        # What an entrant typed: contact details in the title and summary, and the author's name,
        # which events carry even where names are private (decision 0028).
        work = reviewed(
            cid,
            1,
            summary=f"作者{AUTHOR}，电话139-0433-0001 / {PHONE}，身份证{ID_NUMBER}，学校0433-{LANDLINE}",
            author=AUTHOR,
            media=media,
        )
        work = work.model_copy(
            update={"entry": work.entry.model_copy(update={"title": f"红色故事 联系{PHONE}"})}
        )
        await produce(kafka, work)
        every = {t["key"]: "published" for t in targets}
        await settled(api, work.submission_id, every)
        await api.post(f"/api/publisher/submissions/{work.submission_id}/retract", json={"reason": "撤稿"})
        await settled(api, work.submission_id, {k: "retracted" for k in every})
        events = await read_published(kafka, 8)
        await eventually(lambda: _delivered(subscriber, 8), 30, "every event at the subscriber")

    outgoing = [platform.received, platform.retracted, pushed.deliveries, subscriber.deliveries]
    assert len(platform.received) == 3 and len(pushed.deliveries) == 2
    assert leaks(outgoing + events) == []
    for event in events:
        assert event["attribution"]["author"] is None
    for item in platform.received:
        body = item["body"]
        meta = body.get("metadata") or body.get("x") or body
        assert meta.get("author") is None
        assert "name" not in meta and "phone" not in meta and "id_number" not in meta
        assert PHONE not in json.dumps(meta, ensure_ascii=False)


async def _delivered(receiver: WebhookReceiver, n: int) -> bool:
    return len(receiver.deliveries) >= n
