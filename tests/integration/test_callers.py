"""Every service's admin API asks intake who the caller is: no login, no entry; wrong role, 403."""

import httpx

from services.common.settings import Settings
from tests.conftest import admin_client, client_as

ADMIN_ONLY = [
    ("POST", "/api/review/campaigns/yanbian-2024/rounds", {"level": "county"}),
    ("GET", "/api/review/campaigns/yanbian-2024/ready", None),
    ("GET", "/api/publisher/deliveries", None),
    ("POST", "/api/publisher/subscriptions", {"url": "http://127.0.0.1:9/hook", "events": ["published"]}),
    ("POST", "/api/transcoder/jobs/S0000000000000000/cancel", None),
    ("GET", "/api/transcoder/hardware", None),
]


async def test_admin_endpoints_refuse_strangers_and_entrants_and_serve_admins(settings: Settings) -> None:
    async with admin_client(settings, ["review", "publisher", "transcoder"]) as admin:
        async with httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as stranger:
            for method, path, body in ADMIN_ONLY:
                r = await stranger.request(method, path, json=body)
                assert r.status_code == 401, (path, r.text)
                assert r.json()["detail"]["message_zh"] == "请先登录"
            forged = await stranger.get("/api/publisher/deliveries", headers={"Authorization": "Bearer nope"})
            assert forged.status_code == 401
        async with client_as(admin, "teacher1", "entrant") as entrant:
            for method, path, body in ADMIN_ONLY:
                r = await entrant.request(method, path, json=body)
                assert r.status_code == 403, (path, r.text)
                assert "无权操作" in r.json()["detail"]["message_zh"]
            # Progress is not secret: the entrant's own page shows it.
            progress = await entrant.get("/api/transcoder/jobs/S0000000000000000")
            assert progress.status_code == 404
        for method, path, body in ADMIN_ONLY:
            r = await admin.request(method, path, json=body)
            assert r.status_code not in (401, 403), (path, r.text)
