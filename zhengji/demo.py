"""``zhengji demo``: one whole Yanbian campaign on the embedded runtime.

It creates the campaign, makes sample videos (two that conform and several
that each break one rule), registers entrants, uploads through the HTTP API,
waits for checking and transcoding, scores county and prefecture rounds,
publishes to local stand-in platforms, and prints where each sample ended."""

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from zhengji import samples
from zhengji.embedded import free_port
from zhengji.server import embedded
from zhengji.standin import StandIn, serving

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

# 吉林省 > 延边州 > 县市 > 学校: codes from the root down.
COUNTIES = {
    "延吉市": "222401",
    "图们市": "222402",
    "敦化市": "222403",
    "珲春市": "222404",
    "龙井市": "222405",
    "和龙市": "222406",
    "汪清县": "222424",
}


def _unit(school: str) -> dict[str, Any]:
    county = next((c for c in COUNTIES if school.startswith(c)), "延吉市")
    code = f"{COUNTIES[county]}{abs(hash(school)) % 1000:03d}"
    return {"code": code, "name": school, "path": ["22", "2224", COUNTIES[county], code]}


async def file_chunks(path: Path, size: int = 1 << 20) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, size):
            yield chunk


async def wait_for(api: httpx.AsyncClient, sid: str, stages: set[str], timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        status: dict[str, Any] = (await api.get(f"/api/submissions/{sid}")).json()
        if status["stage"] in stages:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sid} stuck in {status['stage']}")
        await asyncio.sleep(0.3)


async def run_campaign(
    api: httpx.AsyncClient, media: dict[str, Path], platform: StandIn
) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date()
    created = await api.post(
        "/api/campaigns",
        json={
            "preset": "yanbian-2024",
            "upload_window": {
                "starts": str(today - timedelta(days=1)),
                "ends": str(today + timedelta(days=30)),
            },
            "publication_urls": {
                "yanbian_platform": platform.url("/yanbian"),
                "sizheng_library": platform.url("/sizheng"),
            },
        },
    )
    created.raise_for_status()
    cid = created.json()["id"]
    sids: dict[str, str] = {}
    for i, s in enumerate(SAMPLES):
        form = {
            "name": f"教师{i + 1}",
            "gender": "女",
            "occupation": "教师",
            "phone": f"1390433{i:04d}",
            "school": s.school,
            "title": s.title,
            "category": "英雄故事",
            "summary": "红色资源微视频",
            "recommender": s.school,
        }
        reg = await api.post(
            f"/api/campaigns/{cid}/entries", json={"form": form, "unit": _unit(s.school), "group": s.group}
        )
        reg.raise_for_status()
        sid = reg.json()["submission_id"]
        path = media[s.key]
        up = await api.put(
            f"/api/submissions/{sid}/media",
            content=file_chunks(path),
            headers={"content-type": "video/mp4", "content-length": str(path.stat().st_size)},
        )
        up.raise_for_status()
        sids[s.key] = sid
    for s in SAMPLES:
        await wait_for(api, sids[s.key], {"failed_validation", "in_review", "transcode_failed"}, 240)
    # Open the first round only once review itself lists every entry that passed (its own view,
    # fed by the same events intake's status comes from, but not at the same instant).
    passed = {sids[s.key] for s in SAMPLES if s.scores}

    async def review_ready() -> bool:
        ready = (await api.get(f"/api/review/campaigns/{cid}/ready")).json()
        return {e["submission_id"] for e in ready} >= passed

    deadline = time.monotonic() + 120
    while not await review_ready():
        if time.monotonic() > deadline:
            raise TimeoutError("review never listed every transcoded entry")
        await asyncio.sleep(0.3)
    for level in ("county", "prefecture"):
        rnd = (await api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": level})).json()
        rid = rnd["round_id"]
        for s in SAMPLES:
            for n, score in enumerate(s.scores):
                r = await api.post(
                    f"/api/review/rounds/{rid}/scores",
                    json={"submission_id": sids[s.key], "reviewer": f"专家{n + 1}", "score": score},
                )
                if r.status_code == 404:
                    break  # not in this round (not recommended from the level below)
                r.raise_for_status()
        (await api.post(f"/api/review/rounds/{rid}/finalise")).raise_for_status()
    rows = []
    for s in SAMPLES:
        final = {"published", "publish_failed", "not_recommended", "failed_validation", "transcode_failed"}
        status = await wait_for(api, sids[s.key], final, 120)
        rows.append({"sample": s, "submission_id": sids[s.key], "status": status})
    return rows


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


async def run_demo(data_dir: Path, port: int = 0) -> bool:
    shutil.rmtree(data_dir, ignore_errors=True)
    started = time.perf_counter()
    print("生成样例视频 / making sample videos with ffmpeg lavfi ...", flush=True)
    media = await samples.make_all(data_dir / "samples")
    port = port or free_port()
    print(
        "启动内嵌运行时 / starting the embedded runtime (Tansu + SecantusDB + five services) ...", flush=True
    )
    async with (
        embedded(data_dir / "data", "127.0.0.1", port) as settings,
        serving(StandIn(fail_first=2)) as platform,
        httpx.AsyncClient(base_url=settings.base_url(), timeout=60) as api,
    ):
        print(f"运行活动 / running the Yanbian campaign at {settings.base_url()} ...", flush=True)
        rows = await run_campaign(api, media, platform)
    ok = print_table(rows, platform)
    print(f"用时 / took {time.perf_counter() - started:.0f} s")
    return ok
