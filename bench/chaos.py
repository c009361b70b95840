"""Chaos: N submissions through the public API while processes are killed at random, K times.

    .venv/bin/python bench/chaos.py [--submissions 30] [--kills 4] [--seed 1] [--clip-seconds 2]

Each run starts the system as separate processes (``chaos_cluster.py``: Tansu, SecantusDB and
``zhengji serve <name>`` for each service), registers N entries of the Yanbian campaign through
intake's HTTP API and uploads a small lavfi clip to each by tus (resuming after a failure, as a
tus client does). The faulted run kills one of ``TARGETS`` (a service, all five, the broker or the
store) with SIGKILL K times at random moments while uploads and checks are under way; each is
started again at once. A calm run of the same N in the same invocation is the baseline.

Reported per run, from intake's store (the status view every service's events feed):
- per-stage counts of the N submissions once each reached an end state (or the drain stalled);
- lost: submissions not at an end state once none has reached one for ``STALL_S`` (a slow
  machine drains slowly; a lost submission is one that no longer moves);
- duplicated: submissions with more than one ``validated`` or ``transcoded`` event (intake's inbox
  keeps one per event id, so two are two different events: an effect done twice);
- recovery after each kill: seconds until every service is ready again and the pipeline has
  brought another submission to its end state (or nothing was left in flight);
- wall time from the first registration to the last end state; faulted/calm ratio.

The Yanbian pipeline ends, without people, at 待推荐单位审核 (awaiting_approval) for a passing
upload: review and publication need reviewers and a chair, so ``published`` is not counted here."""

import argparse
import asyncio
import base64
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chaos_cluster import TARGETS, Cluster

from contracts.calendar import campaign_today
from zhengji import samples

PASSWORD = "chaos-admin-password"
TREE = "code,name,level,parent\n22,吉林省,province,\n2224,延边州,city,22\n222401,延吉市,county,2224\n"
TREE += "222401001,延吉市第一小学,school,222401\n"
END_STAGES = {"awaiting_approval", "failed_validation", "transcode_failed"}
# Short leases and sessions so a killed worker's job and partitions move on in seconds, as the
# tests run it; every other setting is the default (stage deadline 300 s).
SETTINGS = {"ZHENGJI_JOB_LEASE_S": "10", "ZHENGJI_KAFKA_SESSION_TIMEOUT_MS": "6000"}
UPLOADS_AT_ONCE = 2
# The drain ends when nothing has reached an end state for this long (and past the stage deadline
# of 300 s, so a stuck submission has had its re-drive): a loaded machine is slow, not lossy.
STALL_S = 600.0


@dataclass
class Run:
    name: str
    sids: list[str] = field(default_factory=list)
    kills: list[tuple[str, float]] = field(default_factory=list)  # (target, recovery seconds)
    stages: Counter[str] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    redone: list[str] = field(default_factory=list)  # what the client did again after a store kill


async def retried(call: Any, *args: Any, **kwargs: Any) -> httpx.Response:
    """An API call again after a connection failure or a 5xx (a service being restarted)."""
    while True:
        try:
            response: httpx.Response = await call(*args, **kwargs)
            if response.status_code < 500:
                return response
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.5)


async def setup(api: httpx.AsyncClient) -> None:
    login = await retried(api.post, "/api/auth/login", json={"username": "admin", "password": PASSWORD})
    api.headers["Authorization"] = "Bearer " + login.raise_for_status().json()["token"]
    tree = await retried(
        api.post, "/api/units/import", content=TREE.encode(), headers={"content-type": "text/csv"}
    )
    tree.raise_for_status()
    today = campaign_today()
    window = {"starts": str(today - timedelta(days=1)), "ends": str(today + timedelta(days=30))}
    created = await retried(
        api.post, "/api/campaigns", json={"preset": "yanbian-2024", "id": "chaos", "upload_window": window}
    )
    created.raise_for_status()


def _metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def registered(api: httpx.AsyncClient, title: str) -> str:
    """The entry titled ``title``: a registration whose answer was lost (the service or the store
    killed after it committed) is refused when asked again (one entry per person), as a teacher
    would see; the entry is in the list, as it is on the teacher's page."""
    rows = (await retried(api.get, "/api/campaigns/chaos/submissions")).raise_for_status().json()
    return str(next(row["submission_id"] for row in rows if row["title"] == title))


async def submit(api: httpx.AsyncClient, i: int, clip: bytes, run: "Run") -> str:
    """Register entry ``i`` and upload ``clip`` to it by tus, resuming where the server stopped.

    As a tus client does, an upload the server no longer knows (404: its creation was answered,
    then the store was killed before the write reached its disk) is created again; an entry the
    server no longer knows is registered again. Each is counted (``run.redone``)."""
    form = samples.yanbian_form(i)
    reg = await retried(
        api.post,
        "/api/campaigns/chaos/entries",
        json={"form": form, "unit_code": "222401001", "group": "小学组"},
    )
    if reg.status_code == 409:  # asked again after a lost answer: the first one was kept
        sid = await registered(api, form["title"])
        run.redone.append(f"entry {i}: registration answered 409, kept as {sid}")
    else:
        sid = str(reg.raise_for_status().json()["submission_id"])
    tus = {"Tus-Resumable": "1.0.0"}
    meta = _metadata(submission_id=sid, filename=f"{i}.mp4")
    url = ""
    while True:
        if not url:
            created = await retried(
                api.post,
                "/api/tus/",
                headers={**tus, "Upload-Length": str(len(clip)), "Upload-Metadata": meta},
            )
            if created.status_code in (404, 409, 422):  # the entry itself was lost with the store
                run.redone.append(f"entry {i}: {created.status_code}")
                return await submit(api, i, clip, run)
            url = created.raise_for_status().headers["location"]
        head = await retried(api.head, url, headers=tus)
        if head.status_code == 404:
            run.redone.append(f"upload of entry {i}")
            url = ""
            continue
        offset = int(head.raise_for_status().headers["upload-offset"])
        if offset >= len(clip):
            return sid
        headers = {**tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        try:
            await api.patch(url, content=clip[offset:], headers=headers)
        except httpx.TransportError:
            await asyncio.sleep(0.5)


class Progress:
    """The stages of the run's submissions, read from intake's store (retried through a store kill)."""

    def __init__(self, mongodb_uri: str) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongodb_uri, serverSelectionTimeoutMS=2000
        )
        self.submissions = self.client["zhengji_intake"]["submissions"]

    async def docs(self, sids: list[str]) -> list[dict[str, Any]]:
        while True:
            try:
                return await self.submissions.find(
                    {"_id": {"$in": sids}}, {"stage": 1, "timeline.event_type": 1}
                ).to_list()
            except Exception:  # the store is being restarted
                await asyncio.sleep(0.5)

    async def ended(self, sids: list[str]) -> int:
        return sum(1 for d in await self.docs(sids) if d.get("stage") in END_STAGES)


async def recovery(cluster: Cluster, progress: Progress, run: Run, killed_at: float) -> float:
    """Seconds from the kill until all services are ready and the pipeline has moved again."""
    before = await progress.ended(run.sids)
    while True:
        ready = await cluster.ready()
        ended = await progress.ended(run.sids)
        if ready and (ended > before or ended == len(run.sids)):
            return time.monotonic() - killed_at
        await asyncio.sleep(0.5)


async def drained(progress: Progress, sids: list[str]) -> None:
    """Until every submission is at an end state, or none has reached one for ``STALL_S``."""
    last, moved_at = -1, time.monotonic()
    while time.monotonic() - moved_at < STALL_S:
        ended = await progress.ended(sids)
        if ended == len(sids):
            return
        if ended > last:
            last, moved_at = ended, time.monotonic()
        await asyncio.sleep(1)


async def chaos(cluster: Cluster, progress: Progress, run: Run, kills: int, rng: random.Random) -> None:
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(2, 10))
        target = rng.choice(TARGETS)
        killed_at = time.monotonic()
        await cluster.kill(target)
        run.kills.append((target, await recovery(cluster, progress, run, killed_at)))
        recovered = run.kills[-1][1]
        print(f"  kill {len(run.kills)}/{kills}: {target:<10} recovered in {recovered:.1f} s", flush=True)


async def one_run(name: str, root: Path, n: int, kills: int, clip: bytes, rng: random.Random) -> Run:
    run = Run(name)
    cluster = Cluster(root, PASSWORD, SETTINGS)
    progress = Progress(cluster.servers.mongodb_uri)  # connects when first used
    try:
        await cluster.start()
        async with httpx.AsyncClient(base_url=cluster.url("intake"), timeout=60) as api:
            await setup(api)
            started = time.monotonic()
            faults = asyncio.create_task(chaos(cluster, progress, run, kills, rng))
            queue = list(range(1, n + 1))

            async def uploader() -> None:
                while queue:
                    run.sids.append(await submit(api, queue.pop(0), clip, run))

            await asyncio.gather(*(uploader() for _ in range(UPLOADS_AT_ONCE)))
            await faults  # all K kills happen, however quick the uploads were
            await drained(progress, run.sids)
            run.wall_s = time.monotonic() - started
        for doc in await progress.docs(run.sids):
            run.stages[doc.get("stage", "?")] += 1
            kinds = Counter(e["event_type"] for e in doc.get("timeline", []))
            if kinds["submission.validated"] > 1 or kinds["submission.transcoded"] > 1:
                run.duplicated.append(doc["_id"])
        found = {d["_id"] for d in await progress.docs(run.sids) if d.get("stage") in END_STAGES}
        run.lost = [sid for sid in run.sids if sid not in found]
    finally:
        await progress.client.close()
        cluster.stop()
    return run


def report(run: Run) -> None:
    print(f"{run.name}: {len(run.sids)} submissions in {run.wall_s:.1f} s")
    print(f"  stages: {dict(run.stages)}")
    print(f"  lost: {len(run.lost)} {run.lost[:5]}  duplicated: {len(run.duplicated)} {run.duplicated[:5]}")
    if run.redone:
        print(f"  done again by the client (after a kill): {len(run.redone)} {run.redone[:5]}")
    if run.kills:
        times = sorted(t for _, t in run.kills)
        print(f"  kills: {Counter(target for target, _ in run.kills)}")
        print(f"  recovery: median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s")


async def main_async(
    n: int, kills: int, seed: int, clip_seconds: float, tmp: Path, calm_wall_s: float | None
) -> None:
    # SIGTERM (a CI timeout, ``kill``) cancels the run like Ctrl-C, so the run's ``finally`` stops
    # the cluster's processes instead of leaving them serving on their ports.
    me = asyncio.current_task()
    assert me is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, me.cancel)
    clip = (await samples.conforming(tmp / "clip.mp4", seconds=clip_seconds)).read_bytes()
    print(f"chaos: {n} submissions of a {clip_seconds:g} s clip ({len(clip) / 1e6:.1f} MB), {kills} kills")
    if calm_wall_s is None:
        calm = await one_run("calm", tmp / "calm", n, 0, clip, random.Random(seed))
        report(calm)
        calm_wall_s = calm.wall_s
    else:
        print(f"calm: not run here; {calm_wall_s:.1f} s given (--calm-wall-s, an earlier run's)")
    faulted = await one_run("faulted", tmp / "faulted", n, kills, clip, random.Random(seed))
    report(faulted)
    print(f"faulted/calm wall time: {faulted.wall_s / calm_wall_s:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clip-seconds", type=float, default=2.0)
    parser.add_argument("--keep", action="store_true", help="keep the data and logs (printed path)")
    parser.add_argument(
        "--calm-wall-s", type=float, help="skip the calm run: compare with this wall time of an earlier one"
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zhengji-chaos-"))
    try:
        asyncio.run(
            main_async(args.submissions, args.kills, args.seed, args.clip_seconds, tmp, args.calm_wall_s)
        )
    finally:
        if args.keep:
            print(f"data and logs: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
