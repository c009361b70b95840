"""The pre-check endpoint: findings with fixes for the headers a browser read, and a body treated
as hostile (capped before it is parsed, bounded fields, unknown fields refused, a rate per account).
The headers are those the page's reader gets from a real clip (node, as in the equality test)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.common.settings import Settings
from tests.integration.intake import precheck_corpus
from tests.integration.intake.conftest import Intake, create_tiny, register
from tests.integration.validator import defects


@pytest.fixture
async def intake(settings: Settings) -> AsyncIterator[Intake]:
    """Intake allowing two pre-checks per account in the window."""
    service = Intake(settings.model_copy(update={"precheck_max_per_window": 2}))
    await service.start()
    yield service
    await service.stop()


async def test_the_pre_check_answers_with_the_header_findings_and_refuses_hostile_bodies(
    intake: Intake, admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    sid = await register(admin, await create_tiny(admin), 1)
    clip = defects.conforming(tmp_path / "long.mp4", seconds=12)  # the tiny campaign allows 10 s
    headers = precheck_corpus.browser_headers([clip])[str(clip)]
    url = f"/api/submissions/{sid}/precheck"

    answer = await admin.post(url, json={"headers": headers})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["checked"], body["passed"]) == (True, False)
    assert [(f["rule_id"], f["measured"]) for f in body["findings"]] == [("video.duration", "12秒")]
    assert "以上传后服务器的检测结果为准" in body["note_zh"]

    too_big = {"headers": {**headers, "padding": "x" * 70_000}}
    assert (await admin.post(url, json=too_big)).status_code == 413
    unknown = {"headers": {**headers, "tracks": [{"kind": "General", "Evil": "1"}]}}
    assert (await admin.post(url, json=unknown)).status_code == 422
    many = {"headers": {**headers, "tracks": [{"kind": "Video"}] * 17}}
    assert (await admin.post(url, json=many)).status_code == 422
    # Bodies refused before the rules ran are not counted: one more may run, then none.
    assert (await admin.post(url, json={"headers": headers})).status_code == 200
    refused = await admin.post(url, json={"headers": headers})
    assert refused.status_code == 429 and "预检过于频繁" in refused.json()["detail"]["message_zh"]

    async with httpx.AsyncClient(base_url=intake.url) as anonymous:
        assert (await anonymous.post(url, json={"headers": headers})).status_code == 401
