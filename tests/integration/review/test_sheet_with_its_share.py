"""A score sheet and the reviewer's share it changes (``review.assigned``, ``progress``: what the
notifier's reminders count) are stored together or not at all: a failure between the two leaves
neither, and saving again stores both, so the notifier never reminds a reviewer who has finished."""

import json
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from contracts import REVIEWER_TOPIC
from services.common.settings import Settings
from services.intake.presets import load_preset
from services.review import assignment_notices, sheets
from tests.integration.review.feed import TUMEN, YANJI, Work, bearer, feed, import_experts, until_ready
from tests.integration.review.test_review_refusals import EXPERTS, FULL, assigned_to

WORKS = [Work("TX1", "作品甲", YANJI, 1), Work("TX2", "作品乙", TUMEN, 1)]


async def test_a_failure_after_the_sheet_leaves_neither_sheet_nor_share(
    review_api: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, cid = review_api, "sheet-with-share"
    await feed(
        settings.kafka_bootstrap_servers, load_preset("yanbian-2024").model_copy(update={"id": cid}), WORKS
    )
    await until_ready(api, cid, len(WORKS))
    tokens = await import_experts(api, cid, "county", EXPERTS)
    opened = await api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": "county"})
    assert opened.status_code == 201, opened.text
    rid, me = opened.json()["round_id"], bearer(tokens["朴老师"])
    sid = (await assigned_to(api, tokens["朴老师"]))[0]
    url = f"/api/review/rounds/{rid}/entries/{sid}/sheet"
    outbox = AsyncMongoClient[dict[str, Any]](settings.mongodb_uri)[f"{settings.db_prefix}_review"]["outbox"]

    async def progress() -> list[int]:
        sent = [json.loads(d["payload"]) async for d in outbox.find({"topic": REVIEWER_TOPIC})]
        return [e["scored"] for e in sent if e["change"] == "progress" and e["round_id"] == rid]

    announce = assignment_notices.announce

    async def crash_after_the_share(*args: Any, **kwargs: Any) -> Any:
        await announce(*args, **kwargs)  # the share written, then the process fails
        raise RuntimeError("crashed between the share and the commit")

    monkeypatch.setattr(sheets, "announce", crash_after_the_share)
    failed = await api.put(url, json={"sheet": FULL}, headers=me)
    assert failed.status_code == 500, failed.text
    entry = await api.get(f"/api/review/rounds/{rid}/entries/{sid}", headers=me)
    assert entry.json()["sheet"]["status"] == "empty" and await progress() == []

    monkeypatch.setattr(sheets, "announce", announce)
    saved = await api.put(url, json={"sheet": FULL}, headers=me)
    assert saved.status_code == 200 and saved.json()["status"] == "complete", saved.text
    assert await progress() == [1]
