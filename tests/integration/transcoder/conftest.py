"""Running the transcoder on the real broker and store, with or without the other services.

``start(names)`` runs a subset of the services (intake is always among them, for entries and
the submission's status). Without the validator, ``pass_validation`` publishes the
``validated`` event the validator would: the transcoder is the last line against inputs that
header checks let through, and these tests feed it such inputs directly. ``Gated`` is the
transcoder with its one seam (``ffmpeg``) used to freeze a job mid-encode, so a test can act on
a job that is certainly running."""

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaProducer

from contracts import TOPICS, Attribution, BlobRef, EntryInfo, SubmissionValidated
from services.common.settings import Settings
from services.media.process import Completed, Progress
from services.transcoder.app import TranscoderService
from services.transcoder.pipeline import OnProgress
from tests.conftest import ADMIN_PASSWORD, OPEN_WINDOW, UNIT, admin_login, eventually, import_tree
from zhengji import runtime
from zhengji.samples import yanbian_form
from zhengji.server import running

ROOT = Path(__file__).resolve().parents[3]
Start = Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


class Gated(TranscoderService):
    """Freezes the streaming pass at its first report of progress into the media: its ffmpeg gets
    SIGSTOP (so it is certainly alive, mid-encode, until ``release`` or a kill) and the job waits.
    ``frozen`` holds the pids it stopped; ``interrupted`` counts held passes that were cancelled."""

    instances: ClassVar[list["Gated"]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        self.frozen: list[int] = []
        self.interrupted = 0
        Gated.instances.append(self)

    async def ffmpeg(self, args: list[str], timeout_s: float, on_progress: OnProgress | None) -> Completed:
        holding = "-filter_complex" in args

        async def gate(p: Progress) -> None:
            if on_progress is not None:
                await on_progress(p)
            if holding and p.out_time_s > 0 and not self.release.is_set():
                self.frozen = [pid for pid, cmd in ffmpeg_children().items() if "-filter_complex" in cmd]
                for pid in self.frozen:
                    os.kill(pid, signal.SIGSTOP)
                self.reached.set()
                await self.release.wait()
                for pid in self.frozen:
                    os.kill(pid, signal.SIGCONT)

        try:
            return await super().ffmpeg(args, timeout_s, gate)
        except asyncio.CancelledError:
            self.interrupted += holding
            raise


def ffmpeg_children() -> dict[int, list[str]]:
    """ffmpeg processes this test process started (the services run in it): pid -> arguments."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and argv[0].endswith("ffmpeg"):
            found[int(pid)] = argv
    return found


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def start(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Start:
    monkeypatch.setenv("ZHENGJI_ADMIN_PASSWORD", ADMIN_PASSWORD)
    Gated.instances.clear()

    @contextlib.asynccontextmanager
    async def run(
        names: list[str], transcoder: type[TranscoderService] = TranscoderService, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        monkeypatch.setitem(runtime.SERVICES, "transcoder", transcoder)
        chosen = settings.model_copy(update=overrides)
        async with (
            running(chosen, names),
            httpx.AsyncClient(base_url=chosen.base_url(), timeout=30) as api,
        ):
            await admin_login(api)
            await import_tree(api)
            yield api

    return run


def small_campaign(campaign_id: str, **video: Any) -> str:
    """The Yanbian notice with a small picture (320x180, 1 Mb/s), so encodes take a moment."""
    raw = yaml.safe_load((ROOT / "campaigns" / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    raw["id"] = campaign_id
    spec = raw["materials"][0]["video"]
    spec.update({"width": 320, "height": 180, "bit_rate_kbps": 1000, "duration": {"max_s": 900}, **video})
    return yaml.safe_dump(raw, allow_unicode=True)


async def define(api: httpx.AsyncClient, definition_yaml: str | None = None) -> str:
    body: dict[str, Any] = {"upload_window": OPEN_WINDOW}
    body.update({"definition_yaml": definition_yaml} if definition_yaml else {"preset": "yanbian-2024"})
    r = await api.post("/api/campaigns", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def submit(api: httpx.AsyncClient, cid: str, media: Path, i: int = 1) -> tuple[str, dict[str, Any]]:
    """Register an entry and upload its media; returns the submission id and the upload's answer."""
    form = yanbian_form(i, title=f"转码测试{i}")
    reg = await api.post(
        f"/api/campaigns/{cid}/entries", json={"form": form, "unit": UNIT, "group": "教师组"}
    )
    assert reg.status_code == 201, reg.text
    sid = str(reg.json()["submission_id"])
    up = await api.put(f"/api/submissions/{sid}/media", content=media.read_bytes())
    assert up.status_code == 202, up.text
    return sid, up.json()


def validated(
    cid: str, sid: str, upload: dict[str, Any], duration_s: float, i: int = 1, media_type: str = "video/mp4"
) -> SubmissionValidated:
    """The ``validated`` (passed) event the validator would emit for an upload."""
    return SubmissionValidated(
        submission_id=sid,
        campaign_id=cid,
        correlation_id=f"{sid}:v{upload['version']}",
        producer="test-validator",
        entry=EntryInfo(title=f"转码测试{i}", group="教师组", category="英雄故事", version=upload["version"]),
        attribution=Attribution(unit_code=UNIT["code"], unit_name=UNIT["name"], unit_path=UNIT["path"]),
        media=BlobRef(
            uri=f"blob://sha256/{upload['sha256']}",
            sha256=upload["sha256"],
            size=upload["size"],
            media_type=media_type,
        ),
        passed=True,
        findings=[],
        duration_s=duration_s,
    )


async def pass_validation(
    settings: Settings,
    cid: str,
    sid: str,
    upload: dict[str, Any],
    duration_s: float,
    i: int = 1,
    media_type: str = "video/mp4",
) -> SubmissionValidated:
    """Publish the ``validated`` event for an upload, as the validator would."""
    event = validated(cid, sid, upload, duration_s, i, media_type)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(TOPICS["validated"], event.model_dump_json().encode(), key=sid.encode())
    finally:
        await producer.stop()
    return event


async def ended(api: httpx.AsyncClient, sid: str, timeout_s: float = 120) -> dict[str, Any]:
    """The submission's status once the transcoder's outcome has reached it."""

    async def status() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(f"/api/submissions/{sid}")).json()
        assert body.get("stage") != "failed_validation", body.get("findings")
        seen = any(e["event_type"] == "submission.transcoded" for e in body.get("timeline", []))
        return body if seen else None

    return dict(await eventually(status, timeout_s, f"the transcoded event of {sid}"))


def transcoded(status: dict[str, Any]) -> dict[str, Any]:
    (entry,) = [e for e in status["timeline"] if e["event_type"] == "submission.transcoded"]
    return dict(entry)


def work_dirs(settings: Settings) -> list[Path]:
    return sorted((settings.blobs_path() / "tmp").glob("tx-*"))


def packages(settings: Settings) -> list[Path]:
    root = settings.blobs_path() / "packages"
    return sorted(root.iterdir()) if root.exists() else []
