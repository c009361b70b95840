"""Playing a campaign through the whole system as its people would, over the HTTP API: the admin
creates it from a preset, entrants register and upload, unit admins approve, each review level
imports its experts, scores and finalises, and the stand-in platforms receive what qualifies.

Shared by the e2e tests of the five notices; each test states its notice's own expectations."""

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from services.media.process import run
from tests.conftest import OPEN_WINDOW, eventually
from zhengji.standin import StandIn

CSV = "text/csv"


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def clip(out: Path, tone: int, size: str = "1920x1080", seconds: float = 2, rate: int = 25) -> Path:
    """An H.264 High / AAC stereo MP4 (25 fps unless said) with the index at the front: what the
    notices ask."""
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    done = await run(argv, 120)
    assert done.returncode == 0, done.stderr
    return out


async def create_from_preset(api: httpx.AsyncClient, preset: str, urls: Mapping[str, str]) -> str:
    """The preset as it stands, with the upload window open today and the targets' addresses."""
    body = {"preset": preset, "upload_window": OPEN_WINDOW, "publication_urls": dict(urls)}
    made = await api.post("/api/campaigns", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def enter(
    api: httpx.AsyncClient,
    cid: str,
    form: dict[str, Any],
    unit_code: str,
    work: bytes,
    media_type: str = "video/mp4",
    group: str | None = None,
) -> str:
    """Register an entry and upload its work; the submission id."""
    body: dict[str, Any] = {"form": form, "unit_code": unit_code}
    if group:
        body["group"] = group
    reg = await api.post(f"/api/campaigns/{cid}/entries", json=body)
    assert reg.status_code == 201, reg.text
    sid = str(reg.json()["submission_id"])
    up = await api.put(f"/api/submissions/{sid}/media", content=work, headers={"content-type": media_type})
    assert up.status_code == 202, up.text
    return sid


async def stage(api: httpx.AsyncClient, sid: str) -> str:
    return str((await api.get(f"/api/submissions/{sid}")).json()["stage"])


async def approve_when_checked(api: httpx.AsyncClient, cid: str, sids: list[str]) -> None:
    """Each entry passes its checks, its unit approves it (推荐), and review lists them all."""

    async def awaiting(sid: str) -> bool:
        return await stage(api, sid) == "awaiting_approval"

    for sid in sids:
        await eventually(partial(awaiting, sid), 180, f"{sid} checked (and transcoded)")
        approved = await api.post(f"/api/submissions/{sid}/approve", json={})
        assert approved.status_code == 200, approved.text

    async def all_ready() -> bool:
        ready = {e["submission_id"] for e in (await api.get(f"/api/review/campaigns/{cid}/ready")).json()}
        return ready >= set(sids)

    await eventually(all_ready, 120, "every approved entry ready for review")


async def run_level(
    api: httpx.AsyncClient,
    cid: str,
    level: str,
    experts: bytes,
    media_type: str,
    marks: Mapping[str, int],
    choices: Mapping[str, Any] | None = None,
    notice_s: float | None = None,
    before_open: Callable[[Mapping[str, str]], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Import the level's experts (``before_open`` is given their tokens by name, for what
    experts do before their round opens), open its round (automatic assignment), score every assigned
    entry blind by the rubric (``marks`` per entry), make the chair's ``choices`` if the outcome
    rule leaves any to the panel, then show the proposal and freeze it (after a 公示 the chair
    ends ``notice_s`` seconds from now, for a level that has one)."""
    imported = await api.post(
        f"/api/review/campaigns/{cid}/levels/{level}/experts",
        content=experts,
        headers={"content-type": media_type},
    )
    assert imported.status_code == 201, imported.text
    tokens = {e["name"]: e["token"] for e in imported.json()["experts"]}
    chair = next(bearer(e["token"]) for e in imported.json()["experts"] if e["role"] == "chair")
    if before_open:
        await before_open(tokens)
    opened = await api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": level})
    assert opened.status_code == 201, opened.text
    assert opened.json()["assignment"]["complete"], opened.json()["assignment"]
    rid = opened.json()["round_id"]
    if opened.json()["warnings"]:  # the notice's review window has passed: the chair allows it, audited
        reason = {"reason": "重放往年通知，评审时间已过 / replaying a past notice"}
        late = await api.post(f"/api/review/rounds/{rid}/late-scoring", json=reason, headers=chair)
        assert late.status_code == 201, late.text
    rubric = [c["key"] for c in (await api.get(f"/api/review/campaigns/{cid}/plan")).json()["rubric"]]
    seen: dict[str, dict[str, Any]] = {}  # submission id -> the entry as a reviewer was shown it
    shares: dict[str, int] = {}  # expert's name -> how many entries they were given
    for name, token in tokens.items():
        mine = (await api.get("/api/review/me/assignments", headers=bearer(token))).json()
        shares[name] = len(mine)
        for item in mine:
            assert "attribution" not in item and "unit_name" not in item["entry"]  # blind
            sid = item["entry"]["submission_id"]
            seen[sid] = item["entry"]
            sheet = dict.fromkeys(rubric, str(marks[sid]))
            r = await api.put(
                f"/api/review/rounds/{rid}/entries/{sid}/sheet", json={"sheet": sheet}, headers=bearer(token)
            )
            assert r.status_code == 200 and r.json()["status"] == "complete", r.text
    if choices:
        chosen = await api.put(f"/api/review/rounds/{rid}/choices", json=dict(choices), headers=chair)
        assert chosen.status_code == 200, chosen.text
    answer = await api.get(f"/api/review/rounds/{rid}/proposal", headers=chair)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["ready"], shown
    freeze = {"proposal_id": shown["proposal_id"]}
    if notice_s is not None:
        ends = (datetime.now(UTC) + timedelta(seconds=notice_s)).isoformat()
        started = await api.post(
            f"/api/review/rounds/{rid}/notice", json={**freeze, "ends_at": ends}, headers=chair
        )
        assert started.status_code == 200, started.text
    final_answer: list[httpx.Response] = []

    async def frozen() -> bool:  # once the 公示 is over
        final_answer[:] = [await api.post(f"/api/review/rounds/{rid}/finalise", json=freeze, headers=chair)]
        return final_answer[0].status_code != 409 or notice_s is None

    await eventually(frozen, 60 + (notice_s or 0), f"the {level} round finalised")
    final = final_answer[0]
    assert final.status_code == 200, final.text
    said = {"round_id": rid, "chair": chair, "warnings": shown["warnings"], "seen": seen, "shares": shares}
    return {**said, **final.json()}


def outcomes(level: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """submission id -> (outcome, award tier) of a finalised level."""
    return {sid: (d["outcome"], d["tier"]) for sid, d in level["decisions"].items()}


async def delivered(platform: StandIn, count: int) -> None:
    """Wait until the stand-in platforms hold ``count`` works."""

    async def enough() -> bool:
        return len(platform.received) >= count

    await eventually(enough, 120, f"{count} deliveries at the stand-in platforms")


def titles_by_channel(platform: StandIn) -> dict[str, set[str]]:
    """Which titles each platform (the stand-in's path) received."""
    out: dict[str, set[str]] = {}
    for item in platform.received:
        out.setdefault(item["channel"], set()).add(item["body"]["metadata"]["title"])
    return out
