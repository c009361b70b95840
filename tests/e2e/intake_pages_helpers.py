"""What the intake page tests set up: the app with the pages, a campaign, units, people, media.

Everything runs for real (broker, store, ffmpeg); people and campaigns are created through the
JSON API as an administrator would, so the browser only does what the test is about."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml
from playwright.async_api import Page
from pydantic import SecretStr

from services.common.settings import Settings
from services.media.process import run
from tests.browser import screenshot
from tests.e2e.yanbian_site import small_yanbian_spec
from zhengji.runtime import SERVICES, Runtime
from zhengji.samples import yanbian_form

ADMIN_PASSWORD = "admin-pass-2024"
PASSWORD = "teacher-pass-1"
# Small tus PATCHes so a 1-2 MB test clip is several requests and can be cut between two.
CHUNK_BYTES = 256 * 1024
UNITS_CSV = """代码,名称,级别,上级代码
22,吉林省,省,
2224,延边朝鲜族自治州,州,22
222401,延吉市,县,2224
222401001,延吉市第一小学,学校,222401
222401002,延吉市第二小学,学校,222401
222402,图们市,县,2224
222402001,图们市第一中学,学校,222402
"""


@contextlib.asynccontextmanager
async def serving_with_pages(settings: Settings, names: list[str] | None = None) -> AsyncIterator[None]:
    """The services (all unless named), with intake's pages, on settings' port."""
    runtime = Runtime(settings, names or list(SERVICES))
    config = uvicorn.Config(
        runtime.web_app(),
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("web server stopped during start-up")
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def login(api: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The headers that carry one person's bearer token."""
    answer = await api.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def open_window() -> dict[str, str]:
    today = date.today()
    return {"starts": str(today - timedelta(days=2)), "ends": str(today + timedelta(days=30))}


def small_spec_yaml(campaign_id: str) -> str:
    """Yanbian's notice with a 320x180 picture and no bit-rate rule: a 2 s clip passes and
    transcodes in seconds, so a test reaches unit approval quickly. The other materials stay."""
    spec = small_yanbian_spec(campaign_id)
    spec["title"] = "页面测试：小尺寸微视频征集"
    spec["upload_window"] = open_window()
    return yaml.safe_dump(spec, allow_unicode=True)


async def prepare(api: httpx.AsyncClient) -> None:
    """Units, the Yanbian campaign (window open now), the small-spec one, and a county admin."""
    admin = await login(api, "admin", ADMIN_PASSWORD)
    csv = {**admin, "Content-Type": "text/csv"}
    imported = await api.post("/api/units/import", content=UNITS_CSV.encode(), headers=csv)
    assert imported.status_code == 200, imported.text
    yanbian = {"preset": "yanbian-2024", "upload_window": open_window()}
    made = await api.post("/api/campaigns", json=yanbian, headers=admin)
    assert made.status_code == 201, made.text
    small = await api.post(
        "/api/campaigns", json={"definition_yaml": small_spec_yaml("pages-small")}, headers=admin
    )
    assert small.status_code == 201, small.text
    county = {
        "username": "yanji-admin",
        "password": PASSWORD,
        "display_name": "延吉市教育局",
        "role": "unit_admin",
        "unit_code": "222401",
    }
    assert (await api.post("/api/users", json=county, headers=admin)).status_code == 201


async def entrant(
    api: httpx.AsyncClient, username: str, name: str, unit_code: str = "222401001"
) -> dict[str, str]:
    """A new entrant of ``unit_code``; the headers that carry its login."""
    body = {"username": username, "password": PASSWORD, "display_name": name, "unit_code": unit_code}
    answer = await api.post("/api/auth/signup", json=body)
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def tiny_clip(out: Path, seconds: float = 2, size: str = "320x180", kbps: int = 600) -> Path:
    """An H.264/AAC MP4 from lavfi; kbps sets its size (a test of cut uploads needs several chunks)."""
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
        "-b:v", f"{kbps}k", "-minrate", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k",
        "-x264-params", "nal-hrd=cbr",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    done = await run(argv, 120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-400:]
    return out


async def log_in_page(
    page: Page, base: str, username: str, password: str, next_path: str = "/", shot: str | None = None
) -> None:
    await page.goto(f"{base}/login?next={next_path}")
    await page.fill("#username", username)
    await page.fill("#password", password)
    if shot:
        await screenshot(page, shot)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_url(f"{base}{next_path}")


async def entry_page(
    site: httpx.AsyncClient, page: Page, base: str, username: str, name: str, i: int, shot: str
) -> tuple[str, dict[str, str]]:
    """A new entrant with a Yanbian entry (教师组), logged in on its page: the entry's id and the
    headers that carry the entrant's login."""
    teacher = await entrant(site, username, name)
    body = {"form": yanbian_form(i), "group": "教师组"}
    made = await site.post("/api/campaigns/yanbian-2024/entries", json=body, headers=teacher)
    assert made.status_code == 201, made.text
    sid = str(made.json()["submission_id"])
    await log_in_page(page, base, username, PASSWORD, f"/submissions/{sid}", shot=shot)
    return sid, teacher


def site_settings(settings: Settings) -> Settings:
    """The site's: the admin's password known to the tests, small upload chunks."""
    return settings.model_copy(
        update={"admin_password": SecretStr(ADMIN_PASSWORD), "upload_chunk_bytes": CHUNK_BYTES}
    )


@pytest.fixture
async def site(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The whole system with its pages, prepared (units, campaigns, a county admin); the API client."""
    async with (
        serving_with_pages(site_settings(settings)),
        httpx.AsyncClient(base_url=settings.base_url(), timeout=30) as api,
    ):
        await prepare(api)
        yield api
