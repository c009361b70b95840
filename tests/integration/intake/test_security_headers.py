"""Every answer, page, API, static file, error or health check, tells the browser to sniff
nothing, keep referrers on the site, run only the site's own scripts and refuse framing."""

import httpx

from tests.integration.intake.conftest import Intake


async def test_every_kind_of_answer_carries_the_security_headers(intake: Intake) -> None:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as browser:
        answers = {
            "page": await browser.get("/login"),
            "api error": await browser.get("/api/auth/me"),
            "static": await browser.get("/static/common/api.js"),
            "not found": await browser.get("/no-such-page"),
            "health": await browser.get("/healthz"),
            "invalid": await browser.post("/api/auth/login", json={}),
        }
    assert [a.status_code for a in answers.values()] == [200, 401, 200, 404, 200, 422]
    for kind, answer in answers.items():
        assert answer.headers["x-content-type-options"] == "nosniff", kind
        assert answer.headers["referrer-policy"] == "same-origin", kind
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self' 'wasm-unsafe-eval';" in policy, kind
