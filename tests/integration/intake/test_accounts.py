"""Logins, sessions, tokens, the first admin, and the organisation tree imported over the API."""

import io
import logging

import httpx
import pytest
from openpyxl import Workbook
from structlog.testing import capture_logs

from services.common.errors import ServiceError
from services.common.settings import Settings
from services.common.store import connect, service_db
from services.intake import accounts as accounts_module
from services.intake.accounts import Accounts
from services.intake.auth import COOKIE
from services.intake.login_throttle import LoginThrottle
from tests.conftest import ADMIN_PASSWORD, client_as, login
from tests.integration.intake.conftest import Intake


async def test_login_gives_a_token_and_a_session_cookie_and_logout_ends_both(
    admin: httpx.AsyncClient,
) -> None:
    async with client_as(admin, "teacher", "entrant") as teacher:
        me = (await teacher.get("/api/auth/me")).json()
        assert (me["role"], me["unit_code"], me["unit_path"]) == (
            "entrant",
            "222401001",
            ["22", "2224", "222401", "222401001"],
        )
    async with httpx.AsyncClient(base_url=str(admin.base_url)) as browser:
        r = await browser.post("/api/auth/login", json={"username": "teacher", "password": "pw-teacher-2024"})
        assert r.status_code == 200 and COOKIE in browser.cookies
        assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=lax" in r.headers["set-cookie"]
        assert "secure" not in r.headers["set-cookie"].lower(), "plain HTTP unless the site says HTTPS"
        assert (await browser.get("/api/auth/me")).json()["username"] == "teacher", "the cookie alone logs in"
        assert (await browser.post("/api/auth/logout")).status_code == 204
        assert (await browser.get("/api/auth/me")).status_code == 401
        browser.cookies.set(COOKIE, "forged.value.sig")
        assert (await browser.get("/api/auth/me")).status_code == 401
    wrong = await admin.post("/api/auth/login", json={"username": "teacher", "password": "nope-nope"})
    assert wrong.status_code == 401 and wrong.json()["detail"]["message_zh"] == "用户名或密码错误"


async def test_a_teacher_signs_up_into_a_school_of_the_tree(admin: httpx.AsyncClient) -> None:
    body = {
        "username": "li.laoshi",
        "password": "hongse-2024",
        "display_name": "李老师",
        "unit_code": "222402001",
    }
    async with httpx.AsyncClient(base_url=str(admin.base_url)) as browser:
        r = await browser.post("/api/auth/signup", json=body)
        assert r.status_code == 201 and r.json()["user"]["role"] == "entrant"
        assert r.json()["user"]["unit_name"] == "图们市实验小学"
        again = await browser.post("/api/auth/signup", json=body)
        assert again.status_code == 409 and "已被使用" in again.json()["detail"]["message_zh"]
        weak = await browser.post("/api/auth/signup", json={**body, "username": "x.y.z", "password": "123"})
        assert weak.status_code == 422 and "密码至少8位" in weak.json()["detail"]["message_zh"]
        nowhere = await browser.post(
            "/api/auth/signup", json={**body, "username": "a.b.c", "unit_code": "000"}
        )
        assert nowhere.status_code == 422


async def test_a_unit_admin_makes_accounts_only_inside_its_subtree(admin: httpx.AsyncClient) -> None:
    async with client_as(admin, "yanji-admin", "unit_admin", "222401") as yanji:
        ok = await yanji.post(
            "/api/users",
            json={
                "username": "t1",
                "password": "pw-t1-2024",
                "display_name": "t1",
                "role": "entrant",
                "unit_code": "222401002",
            },
        )
        assert ok.status_code == 201
        outside = await yanji.post(
            "/api/users",
            json={
                "username": "t2",
                "password": "pw-t2-2024",
                "display_name": "t2",
                "role": "entrant",
                "unit_code": "222402001",
            },
        )
        assert outside.status_code == 403 and "本单位" in outside.json()["detail"]["message_zh"]
        admin_role = await yanji.post(
            "/api/users",
            json={
                "username": "t3",
                "password": "pw-t3-2024",
                "display_name": "t3",
                "role": "campaign_admin",
                "unit_code": "222401",
            },
        )
        assert admin_role.status_code == 403
        assert {u["username"] for u in (await yanji.get("/api/users")).json()} == {"yanji-admin", "t1"}


async def test_the_tree_imports_from_csv_and_xlsx_with_stable_codes_and_refuses_bad_rows(
    admin: httpx.AsyncClient,
) -> None:
    by_path = "省,市,县,学校\n湖南省,岳阳市,平江县,平江县第一中学\n湖南省,岳阳市,岳阳县,岳阳县第一中学\n"
    first = await admin.post(
        "/api/units/import", content=by_path.encode(), headers={"content-type": "text/csv"}
    )
    assert first.status_code == 200 and first.json()["created"] == 6
    codes = {u["name"]: u["code"] for u in (await admin.get("/api/units")).json()}
    again = await admin.post(
        "/api/units/import", content=by_path.encode(), headers={"content-type": "text/csv"}
    )
    assert again.json()["created"] == 0
    assert {u["name"]: u["code"] for u in (await admin.get("/api/units")).json()} == codes

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [["代码", "名称", "级别", "上级代码"], ["222402002", "图们市第二中学", "学校", "222402"]]:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    files = {
        "file": (
            "units.xlsx",
            data.getvalue(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    }
    xlsx = await admin.post("/api/units/import", files=files)
    assert xlsx.status_code == 200 and xlsx.json()["created"] == 1, xlsx.text
    school = (await admin.get("/api/units/222402002")).json()
    assert school["path"] == ["22", "2224", "222402", "222402002"]
    assert [u["code"] for u in (await admin.get("/api/units?under=222402&level=school")).json()] == [
        "222402001",
        "222402002",
    ]

    bad = "code,name,level,parent\nZ1,某校,school,NOPE\nZ2,某县,county,222401001\n"
    refused = await admin.post(
        "/api/units/import", content=bad.encode(), headers={"content-type": "text/csv"}
    )
    assert refused.status_code == 422
    rows = {p["row"] for p in refused.json()["detail"]["problems"]}
    assert rows == {2, 3} and "未导入" in refused.json()["detail"]["message_zh"]
    assert (await admin.get("/api/units/Z1")).status_code == 404, "nothing of a bad file is imported"
    pdf = await admin.post("/api/units/import", content=b"%PDF", headers={"content-type": "application/pdf"})
    assert pdf.status_code == 415


@pytest.mark.parametrize("given", [None, "s3cret-from-env"])
async def test_the_first_admin_comes_from_the_environment_or_is_printed_once(
    settings: Settings,
    given: str | None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = connect(settings.mongodb_uri)
    try:
        accounts = Accounts(service_db(client, settings.db_prefix, "intake"), 3600)
        await accounts.setup()
        with capture_logs() as logged, caplog.at_level(logging.DEBUG):
            generated = await accounts.bootstrap_admin(given)
        password = given or generated
        assert password is not None
        assert password not in repr(logged) + caplog.text, "never in the log, structlog or stdlib"
        assert (given is None) == (password in capsys.readouterr().err), "printed only when generated"
        assert await accounts.bootstrap_admin(given) is None, "once only"
        first = await accounts.authenticate("admin", password)
        assert first is not None
        assert first.must_change_password == (given is None), "a generated password is changed first"
        if given:
            assert await accounts.bootstrap_admin("rotated-by-env") is None
            assert await accounts.authenticate("admin", "rotated-by-env") is not None
            assert await accounts.authenticate("admin", given) is None
    finally:
        await client.close()


async def test_login_works_across_a_restart_of_the_service(admin: httpx.AsyncClient, intake: Intake) -> None:
    token = await login(admin, "admin", ADMIN_PASSWORD)
    await intake.stop()
    await intake.start()
    r = await admin.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["role"] == "campaign_admin"


async def test_failed_logins_are_throttled_per_account_and_address_without_checking_the_password(
    admin: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with client_as(admin, "teacher", "entrant"):
        pass
    checks: list[str] = []
    real = accounts_module._hasher

    class CountingHasher:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, password_hash: str, password: str) -> bool:
            checks.append(password)
            return real.verify(password_hash, password)

    monkeypatch.setattr(accounts_module, "_hasher", CountingHasher())
    async with httpx.AsyncClient(base_url=str(admin.base_url)) as browser:
        for i in range(5):
            guess = {"username": "teacher", "password": f"guess-{i}"}
            wrong = await browser.post("/api/auth/login", json=guess)
            assert wrong.status_code == 401
        assert len(checks) == 5
        right = {"username": "teacher", "password": "pw-teacher-2024"}
        refused = await browser.post("/api/auth/login", json=right)
        assert refused.status_code == 429, "even the right password waits"
        assert "登录失败次数过多" in refused.json()["detail"]["message_zh"]
        assert "分钟后再试" in refused.json()["detail"]["message_zh"]
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
        other = await browser.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert other.status_code == 429, "the same address is refused for every account"
        assert len(checks) == 5, "a refused try runs no argon2"
    # What another replica sees for the same account, asked from another address.
    client = connect(settings.mongodb_uri)
    try:
        elsewhere = LoginThrottle(service_db(client, settings.db_prefix, "intake"), 5, 15 * 60)
        with pytest.raises(ServiceError) as refusal:
            await elsewhere.check("teacher", "203.0.113.9")
        assert refusal.value.status == 429
        await elsewhere.check("nobody-failed", "203.0.113.9")
    finally:
        await client.close()


async def test_session_cookies_are_secure_when_the_site_is_served_over_https(settings: Settings) -> None:
    intake = Intake(settings.model_copy(update={"cookie_secure": True}))
    await intake.start()
    try:
        async with httpx.AsyncClient(base_url=intake.url, timeout=30) as api:
            r = await api.post("/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200
        assert "; secure" in r.headers["set-cookie"].lower()
    finally:
        await intake.stop()
