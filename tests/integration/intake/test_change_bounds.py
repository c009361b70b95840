"""A live change is a few dates, settings and addresses: a body of megabytes is refused before it
is read whole (413), and a change naming more levels or targets than any campaign has is refused
(422); neither changes the campaign."""

import httpx

from tests.integration.intake.conftest import create_tiny


async def test_an_oversized_or_overlong_change_is_refused_and_changes_nothing(
    admin: httpx.AsyncClient,
) -> None:
    cid = await create_tiny(admin)
    url = f"/api/campaigns/{cid}/changes"
    huge = {"reason": "x" * 200_000}
    refused = await admin.post(url, json=huge)
    assert refused.status_code == 413 and "请求内容过大" in refused.json()["detail"]["message_zh"]
    targets = {f"t{i}": {"url": "https://example.cn/"} for i in range(51)}
    assert (await admin.post(url, json={"reason": "改地址", "targets": targets})).status_code == 422
    long_url = {"t": {"url": "https://example.cn/" + "a" * 3000}}
    assert (await admin.post(url, json={"reason": "改地址", "targets": long_url})).status_code == 422
    assert (await admin.get(url)).json() == []
