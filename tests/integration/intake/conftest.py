"""Intake on its own (restartable), a tiny campaign that small test videos pass, and tus helpers."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tusclient import client as tus

from services.common.settings import Settings
from services.intake.presets import PRESET_DIR
from services.media.process import run
from tests.conftest import OPEN_WINDOW, admin_login, eventually, import_tree
from zhengji.samples import yanbian_form
from zhengji.server import running


class Intake:
    """The intake service alone, on the test's broker and store; it can be stopped and started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stack: contextlib.AsyncExitStack | None = None

    @property
    def url(self) -> str:
        return self.settings.base_url()

    async def start(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        await self._stack.enter_async_context(running(self.settings, ["intake"]))

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None


@pytest.fixture
async def intake(settings: Settings) -> AsyncIterator[Intake]:
    service = Intake(settings.model_copy(update={"tus_sweep_s": 0.3}))
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def admin(intake: Intake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as api:
        await admin_login(api)
        await import_tree(api)
        yield api


def tiny_campaign_yaml(campaign_id: str = "tiny", **changes: Any) -> str:
    """Yanbian as it is, except a video rule small test clips meet (mp4, at most 10 s)."""
    spec = yaml.safe_load((PRESET_DIR / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    spec["id"] = campaign_id
    spec["upload_window"] = OPEN_WINDOW
    spec["materials"][0]["video"] = {
        "containers": ["mp4"],
        "duration": {"max_s": 10},
        "max_size_bytes": 50_000_000,
    }
    spec.update(changes)
    return str(yaml.safe_dump(spec, allow_unicode=True))


async def create_tiny(api: httpx.AsyncClient, campaign_id: str = "tiny", **changes: Any) -> str:
    r = await api.post("/api/campaigns", json={"definition_yaml": tiny_campaign_yaml(campaign_id, **changes)})
    assert r.status_code == 201, r.text
    return campaign_id


async def register(
    api: httpx.AsyncClient, campaign_id: str, i: int = 1, unit_code: str = "222401001", **form: Any
) -> str:
    body = {"form": yanbian_form(i, **form), "unit_code": unit_code, "group": "小学组"}
    r = await api.post(f"/api/campaigns/{campaign_id}/entries", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["submission_id"])


async def tiny_video(
    out: Path, seconds: float = 2, tone: int = 440, rate: int = 25, size: str = "320x240"
) -> Path:
    """A small clip with picture and sound; ``tone`` changes the bytes, not the kind."""
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    done = await run(argv, 120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return out


def tus_client(api: httpx.AsyncClient) -> tus.TusClient:
    return tus.TusClient(
        str(api.base_url.join("/api/tus/")), headers={"Authorization": api.headers["Authorization"]}
    )


async def tus_upload(
    api: httpx.AsyncClient, path: Path, metadata: dict[str, str], chunk_size: int = 1 << 20
) -> str:
    """Upload a whole file with tuspy (the official client, blocking: run in a thread); its URL."""
    uploader = tus_client(api).uploader(file_path=str(path), chunk_size=chunk_size, metadata=metadata)
    await asyncio.to_thread(uploader.upload)
    assert uploader.url is not None
    return str(uploader.url)


def fake_pdf(path: Path, text: str = "registration form") -> Path:
    path.write_bytes(b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n")
    return path


async def stage_is(api: httpx.AsyncClient, sid: str, stage: str, timeout_s: float = 120) -> dict[str, Any]:
    """The entry as intake shows it once it has reached ``stage``."""

    async def probe() -> dict[str, Any] | None:
        sub: dict[str, Any] = (await api.get(f"/api/submissions/{sid}")).json()
        return sub if sub["stage"] == stage else None

    return dict(await eventually(probe, timeout_s, f"{sid} reaching {stage}"))
