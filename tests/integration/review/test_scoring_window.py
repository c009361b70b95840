"""A level's review window is enforced on scoring (in the campaign's calendar), and the chair's
late-scoring override lets the panel score after it, recorded in the round's audit; reviewers'
shares then carry no last day (the notifier reminds of none) and the scored count."""

import json
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from contracts import REVIEWER_TOPIC
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.integration.review.feed import TUMEN, YANJI, Work, bearer, feed, import_experts, until_ready
from tests.integration.review.test_review_refusals import EXPERTS, FULL, assigned_to

WORKS = [Work("SW1", "作品甲", YANJI, 1), Work("SW2", "作品乙", TUMEN, 1)]


async def test_scoring_after_the_window_needs_the_chairs_override_which_is_audited(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    api, cid = review_api, "late-scoring"
    campaign = load_preset("yanbian-2024").model_copy(update={"id": cid})  # county: 2024-11-20 to 25
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS, keep_windows=True)
    await until_ready(api, cid, len(WORKS))
    tokens = await import_experts(api, cid, "county", EXPERTS)
    opened = await api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": "county"})
    assert opened.status_code == 201 and opened.json()["warnings"], opened.text  # opening only warns
    rid = opened.json()["round_id"]
    me = bearer(tokens["朴老师"])
    sid = (await assigned_to(api, tokens["朴老师"]))[0]
    url = f"/api/review/rounds/{rid}/entries/{sid}/sheet"

    refused = await api.put(url, json={"sheet": FULL}, headers=me)
    assert refused.status_code == 403, refused.text
    detail = refused.json()["detail"]
    assert "县区评审评审时间（2024-11-20—2024-11-25，北京时间）已结束" in detail["message_zh"]
    assert detail["window"] == {"starts": "2024-11-20", "ends": "2024-11-25"}
    assert (await api.get(f"/api/review/rounds/{rid}/entries/{sid}", headers=me)).json()["sheet"][
        "status"
    ] == "empty"

    # Only the chair may allow it.
    reason = {"reason": "专家因暴雪未能按时评审"}
    late = f"/api/review/rounds/{rid}/late-scoring"
    assert (await api.post(late, json=reason, headers=me)).status_code == 403
    chair = bearer(tokens["金老师"])
    allowed = await api.post(late, json=reason, headers=chair)
    assert allowed.status_code == 201, allowed.text

    saved = await api.put(url, json={"sheet": FULL}, headers=me)
    assert saved.status_code == 200 and saved.json()["status"] == "complete", saved.text
    audit = (await api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
    override = next(a for a in audit if a["action"] == "late_scoring.allowed")
    assert override["what"]["reason"] == "专家因暴雪未能按时评审" and override["who"]["name"] == "金老师"
    score = next(a for a in audit if a["action"] == "score.saved")
    assert score["what"]["late"] is True

    # The shares review sends the notifier: the window's last day at opening; none once late
    # scoring is allowed, and then 朴老师's scored count when his sheet is complete.
    outbox = AsyncMongoClient[dict[str, Any]](settings.mongodb_uri)[f"{settings.db_prefix}_review"]["outbox"]
    sent = [json.loads(d["payload"]) async for d in outbox.find({"topic": REVIEWER_TOPIC})]
    staffed = {(e["window_ends"], e["scored"]) for e in sent if e["change"] == "staffing"}
    progress = [(e["window_ends"], e["scored"]) for e in sent if e["change"] == "progress"]
    assert staffed == {("2024-11-25", 0)} and (None, 1) in progress, sent
    assert all(ends is None for ends, _ in progress), sent
