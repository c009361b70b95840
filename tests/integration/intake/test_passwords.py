"""Passwords change: the owner changes its own (giving the old one), an admin sets a temporary one
for an account below it, which must be changed at the next login; either way the account's other
sessions end."""

import httpx
from playwright.async_api import Page, expect

from tests.browser import browser, page
from tests.conftest import ADMIN_PASSWORD, client_as, login
from tests.integration.intake.conftest import Intake

__all__ = ["browser", "page"]

NOT_A_SUBMISSION = "/api/submissions/SNOSUCHENTRY"  # 404 for anyone logged in, before the 404: the login


async def test_an_account_changes_its_own_password_and_its_other_sessions_end(
    admin: httpx.AsyncClient,
) -> None:
    async with client_as(admin, "teacher", "entrant") as teacher:
        on_another_device = await login(teacher, "teacher", "pw-teacher-2024")
        wrong = await teacher.post(
            "/api/auth/password", json={"old_password": "not-my-password", "new_password": "brand-new-2025"}
        )
        assert wrong.status_code == 403 and wrong.json()["detail"]["field"] == "old_password"
        short = await teacher.post(
            "/api/auth/password", json={"old_password": "pw-teacher-2024", "new_password": "short"}
        )
        assert short.status_code == 422 and short.json()["detail"]["message_zh"] == "密码至少8位"

        changed = await teacher.post(
            "/api/auth/password", json={"old_password": "pw-teacher-2024", "new_password": "brand-new-2025"}
        )
        assert changed.status_code == 200, changed.text
        assert "zhengji_session=" in changed.headers["set-cookie"], "the page's session goes on"
        other = await teacher.get("/api/auth/me", headers={"Authorization": f"Bearer {on_another_device}"})
        assert other.status_code == 401, "every other session ended"
        assert (await teacher.get("/api/auth/me")).status_code == 401, "this client's old token too"
        teacher.headers["Authorization"] = "Bearer " + changed.json()["token"]
        assert (await teacher.get("/api/auth/me")).json()["username"] == "teacher"

    old = await admin.post("/api/auth/login", json={"username": "teacher", "password": "pw-teacher-2024"})
    assert old.status_code == 401
    await login(admin, "teacher", "brand-new-2025")


async def test_an_admin_resets_a_password_below_it_and_the_owner_must_change_it_first(
    admin: httpx.AsyncClient, intake: Intake
) -> None:
    async with (
        client_as(admin, "teacher", "entrant") as teacher,
        client_as(admin, "county.admin", "unit_admin", unit_code="222401") as county,
        client_as(admin, "school.admin", "unit_admin") as school,
        client_as(admin, "elsewhere", "entrant", unit_code="222402001"),
    ):
        refused = {
            (county, "elsewhere"): 403,  # an entrant of another county
            (school, "county.admin"): 403,  # an admin above
            (teacher, "school.admin"): 403,  # not an admin at all
            (admin, "admin"): 403,  # campaign admins are nobody's below
            (admin, "nobody"): 404,
        }
        for (by, username), status in refused.items():
            r = await by.post(f"/api/users/{username}/password", json={})
            assert r.status_code == status, (username, r.text)
        reset = await school.post("/api/users/teacher/password", json={})
        assert reset.status_code == 200, reset.text
        temporary = reset.json()["temporary_password"]
        assert reset.json()["must_change_password"] and len(temporary) >= 8
        given = await county.post(
            "/api/users/school.admin/password", json={"temporary_password": "given-temp-2025"}
        )
        assert given.status_code == 200 and given.json()["temporary_password"] == "given-temp-2025"
        assert (await teacher.get("/api/auth/me")).status_code == 401, "the teacher's session ended"
        assert (await school.get("/api/auth/me")).status_code == 401, "so did the school admin's"

    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as browser:
        r = await browser.post("/api/auth/login", json={"username": "teacher", "password": temporary})
        assert r.status_code == 200 and r.json()["user"]["must_change_password"] is True
        assert (await browser.get("/api/auth/me")).json()["must_change_password"] is True
        blocked = await browser.get(NOT_A_SUBMISSION)
        assert blocked.status_code == 403 and blocked.json()["detail"]["reason"] == "must_change_password"
        page = await browser.get("/my", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/account?next=/my"
        assert "修改密码" in (await browser.get("/account")).text

        r = await browser.post(
            "/api/auth/password", json={"old_password": temporary, "new_password": "teacher-own-2025"}
        )
        assert r.status_code == 200 and r.json()["user"]["must_change_password"] is False
        assert (await browser.get(NOT_A_SUBMISSION)).status_code == 404, "everything else opens again"
        assert (await browser.get("/my", follow_redirects=False)).status_code == 200


async def test_the_pages_take_a_temporary_password_to_a_new_one_and_an_admin_resets_on_them(
    admin: httpx.AsyncClient, intake: Intake, page: Page
) -> None:
    async with client_as(admin, "teacher", "entrant"):
        pass
    temporary = (await admin.post("/api/users/teacher/password", json={})).json()["temporary_password"]
    base = intake.url
    await page.goto(f"{base}/login?next=/my")
    await page.fill("#username", "teacher")
    await page.fill("#password", temporary)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url(f"{base}/account?next=%2Fmy")
    await expect(page.locator("#must-change")).to_be_visible()
    await page.fill("#old_password", temporary)
    await page.fill("#new_password", "teacher-own-2025")
    await page.fill("#new_password2", "teacher-own-2025")
    await page.click("#password-form button[type=submit]")
    await page.wait_for_url(f"{base}/my")
    await login(admin, "teacher", "teacher-own-2025")

    await page.click("#logout")
    await page.wait_for_url(f"{base}/")
    await page.goto(f"{base}/login?next=/account")
    await page.fill("#username", "admin")
    await page.fill("#password", ADMIN_PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url(f"{base}/account")
    await page.fill("#reset-username", "teacher")
    await page.click("#reset-form button[type=submit]")
    done = page.locator("#reset-done")
    await expect(done).to_contain_text("临时密码")
    shown = (await done.inner_text()).split("临时密码：")[1].split("（")[0]
    again = await admin.post("/api/auth/login", json={"username": "teacher", "password": shown})
    assert again.status_code == 200 and again.json()["user"]["must_change_password"] is True
