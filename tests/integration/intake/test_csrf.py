"""A page on another site cannot make a logged-in browser change anything: a state-changing
request with this site's cookie is refused unless it comes from this site's own pages."""

import httpx

from services.common.settings import Settings
from tests.conftest import ADMIN_PASSWORD, import_tree, login
from tests.integration.intake.conftest import Intake

EVIL = "https://evil.example"


def new_user(username: str) -> dict[str, str]:
    return {
        "username": username,
        "password": f"pw-{username}-2024",
        "display_name": username,
        "role": "entrant",
        "unit_code": "222401001",
    }


async def usernames(api: httpx.AsyncClient) -> set[str]:
    return {u["username"] for u in (await api.get("/api/users")).json()}


async def test_a_cross_site_post_with_the_session_cookie_is_refused_and_changes_nothing(
    admin: httpx.AsyncClient,
) -> None:
    own = str(admin.base_url).rstrip("/")
    async with httpx.AsyncClient(base_url=own, timeout=30) as browser:
        await login(browser, "admin", ADMIN_PASSWORD)  # the session cookie, as a browser keeps it
        forged = {
            "a foreign Origin": {"origin": EVIL},
            "an opaque Origin": {"origin": "null"},
            "a sibling site, no Origin": {"sec-fetch-site": "same-site"},
            "a cross-site fetch, no Origin": {"sec-fetch-site": "cross-site"},
            "a foreign Referer, no Origin": {"referer": EVIL + "/form.html"},
        }
        for n, (how, headers) in enumerate(forged.items()):
            r = await browser.post("/api/users", json=new_user(f"forged{n}"), headers=headers)
            assert r.status_code == 403, how
            assert r.json()["detail"]["message_zh"].startswith("请求被拒绝"), how
            assert r.headers["x-content-type-options"] == "nosniff", "refusals carry the security headers"
        # A bodyless POST and a form POST are refused the same way, before anything is read.
        assert (await browser.post("/api/auth/logout", headers={"origin": EVIL})).status_code == 403
        form = await browser.post("/api/units/import", data={"x": "1"}, headers={"origin": EVIL})
        assert form.status_code == 403
        still = await browser.get("/api/auth/me")
        assert still.status_code == 200, "the session outlived the forged logout"

        same = {
            "its own Origin": {"origin": own},
            "same-origin, no Origin": {"sec-fetch-site": "same-origin", "referer": own + "/admin"},
            "no browser headers at all": {},
        }
        for n, (how, headers) in enumerate(same.items()):
            r = await browser.post("/api/users", json=new_user(f"genuine{n}"), headers=headers)
            assert r.status_code == 201, (how, r.text)
    made = await usernames(admin)
    assert not {u for u in made if u.startswith("forged")}, "no forged request made an account"
    assert {"genuine0", "genuine1", "genuine2"} <= made


async def test_requests_without_cookies_pass_whatever_their_origin(admin: httpx.AsyncClient) -> None:
    """An API client's bearer token cannot be sent by another site's page: no cookie, no check."""
    r = await admin.post("/api/users", json=new_user("from.a.script"), headers={"origin": EVIL})
    assert r.status_code == 201, r.text
    logged_out = await admin.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}, headers={"origin": EVIL}
    )
    assert logged_out.status_code == 200, "logging in needs no cookie yet"


async def test_the_public_base_url_and_listed_origins_are_this_site(settings: Settings) -> None:
    behind_proxy = settings.model_copy(
        update={
            "public_base_url": "https://zhengji.example.edu.cn/",
            "csrf_trusted_origins": "https://admin.example.edu.cn, https://other.example:8443",
        }
    )
    intake = Intake(behind_proxy)
    await intake.start()
    try:
        direct = f"http://127.0.0.1:{settings.http_port}"
        async with httpx.AsyncClient(base_url=direct, timeout=30) as browser:
            browser.headers["Authorization"] = "Bearer " + await login(browser, "admin", ADMIN_PASSWORD)
            await import_tree(browser)
            del browser.headers["Authorization"]
            await login(browser, "admin", ADMIN_PASSWORD)
            for n, origin in enumerate(
                [
                    "https://zhengji.example.edu.cn",
                    "https://admin.example.edu.cn",
                    "https://other.example:8443",
                ]
            ):
                r = await browser.post("/api/users", json=new_user(f"trusted{n}"), headers={"origin": origin})
                assert r.status_code == 201, (origin, r.text)
            for origin in ["http://zhengji.example.edu.cn", "https://other.example", "https://evil.example"]:
                r = await browser.post("/api/users", json=new_user("untrusted"), headers={"origin": origin})
                assert r.status_code == 403, origin
    finally:
        await intake.stop()
