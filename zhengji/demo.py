"""``zhengji demo``: one whole Yanbian campaign on the embedded runtime.

It imports the organisation tree, creates the campaign, makes sample videos (two
that conform and several that each break one rule), registers entrants, uploads
them with the tus resumable protocol, waits for checking and transcoding, has the
prefecture's unit admin approve what passed (after its courseware and stamped
registration form are uploaded too), scores county and prefecture rounds,
publishes to local stand-in platforms, and prints where each sample ended."""

import asyncio
import base64
import contextlib
import os
import secrets
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from contracts.calendar import campaign_today
from zhengji import samples
from zhengji.ports import free_port
from zhengji.server import embedded
from zhengji.standin import STANDINS_ALLOW, StandIn, serving

SETTLED = {
    "failed_validation",
    "transcode_failed",
    "in_review",
    "not_recommended",
    "published",
    "publish_failed",
    "awarded",
    "recommended",
}


@dataclass(frozen=True)
class Sample:
    key: str
    title: str
    school: str
    group: str
    expected: str
    scores: tuple[float, ...] = ()


SAMPLES = [
    Sample("conforming-a", "杨靖宇将军的故事", "延吉市第一小学", "小学组", "published", (92, 90, 94)),
    Sample("conforming-b", "龙井红色遗址寻访", "延吉市第二小学", "小学组", "not_recommended", (81, 84, 79)),
    Sample("frame-rate-30", "老物件里的抗战史", "图们市实验小学", "小学组", "failed_validation"),
    Sample("resolution-720p", "红色歌曲唱响校园", "敦化市第一中学", "中学组", "failed_validation"),
    Sample("too-long", "革命先烈的足迹", "和龙市第一中学", "中学组", "failed_validation"),
    Sample("no-audio", "英雄故事我来讲", "珲春市第二中学", "中学组", "failed_validation"),
    Sample("not-media", "红色文化进课堂", "汪清县第一小学", "教师组", "failed_validation"),
]

# 吉林省 > 延边州 > 县市 > 学校: the organisation tree the demo imports, codes from the root down.
COUNTIES = {
    "延吉市": "222401",
    "图们市": "222402",
    "敦化市": "222403",
    "珲春市": "222404",
    "龙井市": "222405",
    "和龙市": "222406",
    "汪清县": "222424",
}
TUS = {"Tus-Resumable": "1.0.0"}
# Stand-ins for the courseware and the stamped registration form (checked by the unit admin).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def school_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for s in SAMPLES:
        county = next(c for c in COUNTIES if s.school.startswith(c))
        n = sum(code.startswith(COUNTIES[county]) for code in codes.values()) + 1
        codes.setdefault(s.school, f"{COUNTIES[county]}{n:03d}")
    return codes


def tree_csv() -> str:
    rows = ["code,name,level,parent", "22,吉林省,province,", "2224,延边朝鲜族自治州,city,22"]
    rows += [f"{code},{name},county,2224" for name, code in COUNTIES.items()]
    rows += [f"{code},{school},school,{code[:6]}" for school, code in school_codes().items()]
    return "\n".join(rows) + "\n"


async def tus_upload(api: httpx.AsyncClient, data: Path | bytes, **metadata: str) -> httpx.Response:
    """Upload with the tus protocol, 8 MiB per PATCH (a dropped PATCH would resume at HEAD's offset)."""
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())
    created = await api.post(
        "/api/tus/", headers={**TUS, "Upload-Length": str(size), "Upload-Metadata": meta}
    )
    created.raise_for_status()
    url, offset = created.headers["location"], 0
    while offset < size:
        if isinstance(data, bytes):
            chunk = data[offset : offset + (8 << 20)]
        else:
            chunk = await asyncio.to_thread(_read_at, data, offset, 8 << 20)
        headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        done = await api.patch(url, content=chunk, headers=headers)
        done.raise_for_status()
        offset = int(done.headers["upload-offset"])
    return done


def _read_at(path: Path, offset: int, size: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(size)


async def prefecture_admin(api: httpx.AsyncClient, username: str, display_name: str) -> str:
    """A unit admin of the prefecture (延边州, over every sample's school), made by the campaign
    admin's ``api``; their password."""
    password = secrets.token_urlsafe(12)
    user = {"username": username, "password": password, "display_name": display_name}
    made = await api.post("/api/users", json={**user, "role": "unit_admin", "unit_code": "2224"})
    made.raise_for_status()
    return password


@contextlib.asynccontextmanager
async def approver(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The prefecture's unit admin (延边州), who approves (推荐) the entries of every school below."""
    password = await prefecture_admin(api, "yanbian-admin", "延边州电教馆")
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as client:
        login = await client.post("/api/auth/login", json={"username": "yanbian-admin", "password": password})
        login.raise_for_status()
        client.headers["Authorization"] = "Bearer " + login.json()["token"]
        yield client


async def wait_for(api: httpx.AsyncClient, sid: str, stages: set[str], timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status: dict[str, Any] = (await api.get(f"/api/submissions/{sid}")).json()
        if status["stage"] in stages:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sid} stuck in {status['stage']}")
        await asyncio.sleep(0.3)


# The expert pool each level imports (评审专家库): none of them works at a sample's school.
EXPERTS_CSV = """姓名,单位编码,单位名称,职称,专长,角色
金老师,222400001,延边州电化教育馆,正高级教师,革命遗址、英雄故事,组长
朴老师,222401900,延吉市教师进修学校,高级教师,历史文物,评审
李老师,222403900,敦化市教师进修学校,高级教师,英雄故事,评审
崔老师,222404900,珲春市教师进修学校,一级教师,革命遗址,评审
"""


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def review_levels(api: httpx.AsyncClient, cid: str, samples_by_id: dict[str, Sample]) -> None:
    """Each level: import its experts (their tokens come back once), open the round (automatic
    assignment), let every assigned expert score by the rubric, and the chair finalise."""
    rubric = [c["key"] for c in (await api.get(f"/api/review/campaigns/{cid}/plan")).json()["rubric"]]
    for level in ("county", "prefecture"):
        imported = await api.post(
            f"/api/review/campaigns/{cid}/levels/{level}/experts",
            content=EXPERTS_CSV.encode(),
            headers={"content-type": "text/csv"},
        )
        imported.raise_for_status()
        experts = imported.json()["experts"]
        chair = next(e["token"] for e in experts if e["role"] == "chair")
        opened = await api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": level})
        opened.raise_for_status()
        rid = opened.json()["round_id"]
        if opened.json()["warnings"]:  # the 2024 notice's review window has passed: the chair allows it
            reason = {"reason": "演示重放2024年通知 / the demo replays the 2024 notice"}
            late = await api.post(
                f"/api/review/rounds/{rid}/late-scoring", json=reason, headers=_bearer(chair)
            )
            late.raise_for_status()
        given: dict[str, int] = {}
        for expert in experts:
            mine = (await api.get("/api/review/me/assignments", headers=_bearer(expert["token"]))).json()
            for item in mine:
                sid = item["entry"]["submission_id"]
                n = given[sid] = given.get(sid, 0) + 1
                score = samples_by_id[sid].scores[n - 1]
                r = await api.put(
                    f"/api/review/rounds/{rid}/entries/{sid}/sheet",
                    json={"sheet": dict.fromkeys(rubric, str(score)), "comment": "演示评分"},
                    headers=_bearer(expert["token"]),
                )
                r.raise_for_status()
        shown = (await api.get(f"/api/review/rounds/{rid}/proposal", headers=_bearer(chair))).json()
        final = await api.post(
            f"/api/review/rounds/{rid}/finalise",
            json={"proposal_id": shown.get("proposal_id")},
            headers=_bearer(chair),
        )
        final.raise_for_status()


# The Yanbian notice's two showcase targets, both played by the local stand-in platform.
TARGET_PATHS = {"yanbian_platform": "/yanbian", "sizheng_library": "/sizheng"}


async def run_campaign(
    api: httpx.AsyncClient, media: dict[str, Path], platform: StandIn
) -> list[dict[str, Any]]:
    """The campaign, driven by ``api``: a client logged in as the campaign admin."""
    tree = await api.post(
        "/api/units/import", content=tree_csv().encode(), headers={"content-type": "text/csv"}
    )
    tree.raise_for_status()
    codes = school_codes()
    today = campaign_today()
    created = await api.post(
        "/api/campaigns",
        json={
            "preset": "yanbian-2024",
            "upload_window": {
                "starts": str(today - timedelta(days=1)),
                "ends": str(today + timedelta(days=30)),
            },
            "publication_urls": {key: platform.url(path) for key, path in TARGET_PATHS.items()},
        },
    )
    created.raise_for_status()
    cid = created.json()["id"]
    sids: dict[str, str] = {}
    for i, s in enumerate(SAMPLES):
        form = samples.yanbian_form(i + 1, school=s.school, title=s.title, recommender=s.school)
        reg = await api.post(
            f"/api/campaigns/{cid}/entries",
            json={"form": form, "unit_code": codes[s.school], "group": s.group},
        )
        reg.raise_for_status()
        sid = reg.json()["submission_id"]
        path = media[s.key]
        await tus_upload(api, path, submission_id=sid, filename=path.name, filetype="video/mp4")
        sids[s.key] = sid
    waiting = {"failed_validation", "awaiting_approval", "transcode_failed"}
    async with approver(api) as unit_admin:
        for s in SAMPLES:
            if (await wait_for(api, sids[s.key], waiting, 240))["stage"] != "awaiting_approval":
                continue
            for key in ("courseware", "registration_form"):
                await tus_upload(api, PDF, submission_id=sids[s.key], material=key, filename=f"{key}.pdf")
            (await unit_admin.post(f"/api/submissions/{sids[s.key]}/approve", json={})).raise_for_status()
    # Open the first round only once review itself lists every entry that passed (its own view,
    # fed by the same events intake's status comes from, but not at the same instant).
    passed = {sids[s.key] for s in SAMPLES if s.scores}  # and approved by their unit

    async def review_ready() -> bool:
        ready = (await api.get(f"/api/review/campaigns/{cid}/ready")).json()
        return {e["submission_id"] for e in ready} >= passed

    deadline = time.monotonic() + 120
    while not await review_ready():
        if time.monotonic() > deadline:
            raise TimeoutError("review never listed every transcoded entry")
        await asyncio.sleep(0.3)
    await review_levels(api, cid, {sids[s.key]: s for s in SAMPLES if s.scores})
    rows = []
    for s in SAMPLES:
        final = {"published", "publish_failed", "not_recommended", "failed_validation", "transcode_failed"}
        status = await wait_for(api, sids[s.key], final, 120)
        if status["stage"] == "published":
            status = await published_everywhere(api, sids[s.key], set(TARGET_PATHS), 60)
        rows.append({"sample": s, "submission_id": sids[s.key], "status": status})
    return rows


async def published_everywhere(
    api: httpx.AsyncClient, sid: str, targets: set[str], timeout_s: float
) -> dict[str, Any]:
    """The stage says published after the first platform; wait for the others (or the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        status: dict[str, Any] = (await api.get(f"/api/submissions/{sid}")).json()
        done = {e.get("target") for e in status["timeline"] if e["event_type"] == "submission.published"}
        if done >= targets or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.3)


def _reason(status: dict[str, Any]) -> tuple[str, str]:
    errors = [f for f in status.get("findings") or [] if f["severity"] == "error"]
    if errors:
        return errors[0]["message_zh"], errors[0]["message_en"]
    reviews = [e for e in status["timeline"] if e["event_type"] == "submission.reviewed"]
    if reviews:
        last = reviews[-1]
        tier = f"（{last['award_tier']}）" if last.get("award_tier") else ""
        return (
            f"评审（{last['level']}）：{last['label_zh']}{tier}，得分{last['score']}",
            f"{last['level']} review: {last['label_en']}, score {last['score']}",
        )
    return status["stage_label_zh"], status["stage_label_en"]


def print_table(rows: list[dict[str, Any]], platform: StandIn) -> bool:
    ok = True
    print("\n征集演示结果 / zhengji demo: where each submission ended\n")
    print(f"{'样例 sample':<18} {'结果 stage':<22} {'符合预期 as expected':<10}  原因 / why")
    print("-" * 110)
    for row in rows:
        s, status = row["sample"], row["status"]
        match = status["stage"] == s.expected
        ok &= match
        zh, en = _reason(status)
        label = f"{status['stage_label_zh']} {status['stage']}"
        print(f"{s.key:<18} {label:<22} {'✓' if match else '✗ expected ' + s.expected:<10}  {zh}")
        print(f"{'':<18} {'':<22} {'':<10}  {en}")
    print("-" * 110)
    print(
        f"展示平台收到 / stand-in platforms received {len(platform.received)} work(s) after "
        f"{platform.requests} request(s) (the first {platform.fail_first} answered 503, then retried):"
    )
    for item in platform.received:
        meta = item["body"]["metadata"]
        print(
            f"  {item['channel']}: {meta.get('title')} — {meta.get('unit_name')} — {meta.get('award_tier')}"
        )
    print(
        "\n" + ("全部符合预期 / every sample ended where expected" if ok else "有样例不符合预期 / MISMATCH")
    )
    return ok


async def run_demo(data_dir: Path, port: int = 0, serve: bool = False) -> bool:
    """The whole campaign and its table; with ``serve``, then a login per role and the campaign
    kept running until SIGINT or SIGTERM (``demo_serve.py``)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    started = time.perf_counter()
    print("生成样例视频 / making sample videos with ffmpeg lavfi ...", flush=True)
    media = await samples.make_all(data_dir / "samples")
    port = port or free_port()
    print(
        "启动内嵌运行时 / starting the embedded runtime (Tansu + SecantusDB + five services) ...", flush=True
    )
    # The first admin's password (intake reads it at start); a fresh one per run unless given.
    password = os.environ.setdefault("ZHENGJI_ADMIN_PASSWORD", secrets.token_urlsafe(12))
    async with (
        # The stand-in platform is on loopback: the one non-public address the demo lets it call.
        embedded(data_dir / "data", "127.0.0.1", port, outbound_allow=STANDINS_ALLOW) as settings,
        serving(StandIn(fail_first=2)) as platform,
        httpx.AsyncClient(base_url=settings.base_url(), timeout=60) as api,
    ):
        print(f"运行活动 / running the Yanbian campaign at {settings.base_url()} ...", flush=True)
        login = await api.post("/api/auth/login", json={"username": "admin", "password": password})
        login.raise_for_status()
        api.headers["Authorization"] = "Bearer " + login.json()["token"]
        rows = await run_campaign(api, media, platform)
        if serve:
            from zhengji.demo_serve import logins, print_logins, until_stopped

            ok = print_table(rows, platform)
            print_logins(settings.base_url(), await logins(api, password, media["conforming-a"]))
            await until_stopped()
            print("演示已停止 / the demo stopped", flush=True)
            return ok
    ok = print_table(rows, platform)
    print(f"用时 / took {time.perf_counter() - started:.0f} s")
    return ok
