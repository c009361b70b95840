"""An appeal (公示异议) holds up the final freeze, so nobody can file one anonymously, endlessly or
at any length: it needs a login, which it names, and is counted per account and per address."""

from typing import Any

import httpx

from services.common.rate_limit import RateLimit
from services.common.settings import Settings
from services.common.store import connect, service_db
from services.intake.presets import load_preset
from tests.conftest import admin_client, client_as
from tests.integration.review.feed import PANEL, YANJI, Work, bearer, round_of, score_everything

WORKS = [Work(f"SA{i}", f"红色故事{i}", YANJI, i) for i in range(1, 5)]
MARKS = {"SA1": 95, "SA2": 90, "SA3": 85, "SA4": 80}


async def test_appeals_need_a_login_are_bounded_and_limited_per_account_and_address(
    settings: Settings,
) -> None:
    limited = settings.model_copy(update={"appeal_max_per_window": 2})
    base = load_preset("yanbian-2024")
    level = base.review_levels[1].model_copy(update={"public_notice_days": 5})
    campaign = base.model_copy(update={"id": "appeals", "review_levels": [level]})
    async with admin_client(limited, ["review"]) as api:
        bootstrap = limited.kafka_bootstrap_servers
        rid, tokens = await round_of(api, bootstrap, campaign, WORKS, "prefecture", PANEL)
        await score_everything(api, rid, tokens, MARKS)
        chair = bearer(tokens["金老师"])
        assert (await api.post(f"/api/review/rounds/{rid}/notice", headers=chair, json={})).status_code == 200
        appeals = f"/api/review/rounds/{rid}/appeals"

        def body(sid: str, reason: str = "评分有误，请复核") -> dict[str, Any]:
            return {"submission_id": sid, "reason": reason, "contact": "13800000000"}

        async with httpx.AsyncClient(base_url=str(api.base_url), timeout=30) as stranger:
            anonymous = await stranger.post(appeals, json=body("SA3"))
            assert anonymous.status_code == 401

        async with (
            client_as(api, "parent", "entrant") as parent,
            client_as(api, "neighbour", "entrant") as neighbour,
        ):
            too_long = await parent.post(appeals, json=body("SA3", "长" * 2001))
            assert too_long.status_code == 422
            assert (await parent.post(appeals, json=body("SA3", "   "))).status_code == 422
            no_contact = await parent.post(appeals, json={**body("SA3"), "contact": " "})
            assert no_contact.status_code == 422 and "联系方式" in no_contact.json()["detail"]["message_zh"]
            first = await parent.post(appeals, json=body("SA3", "长" * 2000))
            assert first.status_code == 201, first.text
            again = await parent.post(appeals, json=body("SA3"))
            assert again.status_code == 409, "one open appeal per account and entry"
            assert (await parent.post(appeals, json=body("SA4"))).status_code == 201
            over = await parent.post(appeals, json=body("SA1"))
            assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
            assert over.json()["detail"]["message_zh"].startswith("提出异议过于频繁")
            same_address = await neighbour.post(appeals, json=body("SA1"))
            assert same_address.status_code == 429, "the address has used its appeals too"

        audit = (await api.get(f"/api/review/rounds/{rid}/audit", headers=chair)).json()
        lodged = [a for a in audit if a["action"] == "appeal.lodged"]
        assert [(a["who"]["name"], a["what"]["submission_id"]) for a in lodged] == [
            ("parent", "SA3"),
            ("parent", "SA4"),
        ], "only the two accepted appeals, each naming its account"

    client = connect(limited.mongodb_uri)
    try:
        counted = RateLimit(service_db(client, limited.db_prefix, "review")["appeal_counts"], 2, 3600)
        parent_id = lodged[0]["who"]["id"]
        assert await counted.wait_s([f"account:{parent_id}"]) is not None, "the account, from anywhere"
        assert await counted.wait_s(["address:203.0.113.9"]) is None, "other addresses are not held up"
    finally:
        await client.close()
