"""Review's OpenAPI document is true for the experts too: schemathesis runs every review
operation as a panel chair and as a reviewer, with a real round to name.

The whole-app test (``tests/integration/test_openapi.py``) calls as nobody and as the campaign
admin, so the reviewer's and chair's routes only refuse it (401, 404); here they answer with
score sheets, tables and proposals, whose bodies must match the document."""

import asyncio
import json

import httpx
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from services.common.settings import Settings
from tests.integration.openapi_conformance import CONFIG, exercise, run_order, service_of
from tests.integration.review.feed import bearer, feed, import_experts, until_ready
from tests.integration.review.test_review_flow import EXPERTS, WORKS, yanbian


async def test_review_document_is_true_for_chair_and_reviewer(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = yanbian("openapi-review")
    await feed(settings.kafka_bootstrap_servers, campaign, WORKS)
    await until_ready(review_api, campaign.id, len(WORKS))
    tokens = await import_experts(review_api, campaign.id, "county", EXPERTS)
    opened = await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    assert opened.status_code == 201, opened.text
    known = {
        "campaign_id": campaign.id,
        "level": "county",
        "round_id": opened.json()["round_id"],
        "submission_id": WORKS[0].sid,
    }
    callers = {"chair": bearer(tokens["金老师"]), "reviewer": bearer(tokens["朴老师"])}
    document = (await review_api.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    operations = sorted(
        (r.ok() for r in schema.get_all_operations() if not isinstance(r, Err)),
        key=run_order,
    )
    operations = [op for op in operations if service_of(op.path) == "review"]
    assert operations, "no review operations documented"

    failures: list[str] = []
    for name, headers in callers.items():
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                found = await asyncio.to_thread(
                    exercise, operation, mode, settings.base_url(), headers, known
                )
                if found:
                    failures.append(f"[{name}] {found}")
    report = json.dumps({"service": "review", "callers": list(callers), "operations": len(operations)})
    print(report, "failing:", len(failures))
    assert not failures, report + "\n\n" + "\n\n".join(failures)
