"""Services on separate hosts (issue 11): each service a ``zhengji serve`` process in a network
namespace of its own, with its own address and data dir; the broker, the store and the object
store on the infra host. They share nothing but the network: blobs go through the bucket.

One campaign is driven through the site's HTTP API alone: entries registered, works uploaded
with tus, checked, transcoded, approved, reviewed at two levels, published to a stand-in
platform. Meanwhile the transcoders go from one to three while uploads arrive (with three jobs
held mid-encode at once, they are on the three hosts), one transcoder host is cut off from the
network mid-job (another finishes the job, and the ``transcoded`` topic holds exactly one event
for that submission), and the admin cancels a job running on some host through the transcoder's
API at another. Every end state is reached:
published, not recommended (at either level), failed validation, transcode failed."""

import asyncio
import contextlib
import os
import signal
from collections import Counter
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.conftest import admin_login, eventually, import_tree
from tests.e2e.campaign_play import clip, run_level
from tests.e2e.yanbian_site import (
    COUNTY_EXPERTS,
    SCHOOLS,
    UNITS,
    prefecture_experts_xlsx,
    small_yanbian,
)
from tests.integration.multihost.cluster import Cluster, Ingress, children, cluster_on
from tests.integration.multihost.hosts import Host, Lan
from tests.integration.multihost.transcode_jobs import frozen_mid_encode, holder, jobs, transcoded_events
from zhengji.demo import tus_upload
from zhengji.samples import yanbian_form
from zhengji.standin import StandIn, serving

PORT = 8000  # as on a real cluster: every service on the same port of its own address
# (school, group, mark every reviewer gives). Yanji's 小学组 sends its top 3 up from the county;
# the prefecture awards half of each group (95 and 90), the rest end not recommended.
FIRST = [("222401001", "小学组", 95), ("222402001", "小学组", 70), ("222401005", "中学组", 88)]
WHILE_SCALING = [
    ("222401002", "小学组", 90),
    ("222401003", "小学组", 85),
    ("222401004", "小学组", 80),
    ("222402002", "小学组", 60),
    ("222401001", "小学组", 75),
    ("222401002", "小学组", 65),
]
CUT_OFF = ("222401003", "小学组", 55)
CANCELLED = ("222401004", "小学组", 50)
LONG_S = 20  # a work long enough to be caught mid-encode
ONE_JOB_EACH = {"ZHENGJI_TRANSCODER_CONCURRENCY": "1"}  # whatever the machine's cores
FINAL = {"failed_validation", "transcode_failed", "not_recommended", "published", "publish_failed"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Site:
    """The campaign admin at the site's address, and the cluster behind it."""

    def __init__(
        self, api: httpx.AsyncClient, ingress: Ingress, cid: str, cluster: Cluster, tmp: Path
    ) -> None:
        self.api, self.ingress, self.cid, self.cluster, self.tmp = api, ingress, cid, cluster, tmp
        self.marks: dict[str, int] = {}
        self.count = 0

    async def enter(self, school: str, group: str, mark: int, seconds: float = 3) -> str:
        """Register an entry and upload its work with tus; the submission id."""
        self.count += 1
        i = self.count
        name = SCHOOLS[school]
        form = yanbian_form(i, title=f"多机作品{i}", school=name, recommender=name)
        body = {"form": form, "unit_code": school, "group": group}
        reg = await self.api.post(f"/api/campaigns/{self.cid}/entries", json=body)
        assert reg.status_code == 201, reg.text
        sid = str(reg.json()["submission_id"])
        work = await clip(self.tmp / f"{i}.mp4", 300 + 20 * i, size="320x180", seconds=seconds)
        await tus_upload(self.api, work, submission_id=sid, filename=work.name, filetype="video/mp4")
        self.marks[sid] = mark
        return sid

    async def enter_all(self, entries: list[tuple[str, str, int]]) -> list[str]:
        """Entries uploaded side by side, so their jobs queue up."""
        return list(await asyncio.gather(*(self.enter(*e) for e in entries)))

    async def stage(self, sid: str) -> str:
        return str((await self.api.get(f"/api/submissions/{sid}")).json()["stage"])

    async def reach(self, sids: list[str], stages: set[str], timeout_s: float = 120) -> None:
        async def there(sid: str) -> bool:
            return await self.stage(sid) in stages

        for sid in sids:
            await eventually(partial(there, sid), timeout_s, f"{sid} in {stages}")


async def test_a_campaign_runs_on_hosts_that_share_nothing_but_the_network(
    network: tuple[Lan, Host], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lan, infra = network
    names = ["intake", "validator", "review", "publisher", "tx1", "tx2", "tx3"]
    hosts = {name: lan.host(name) for name in names}
    at = {name: f"http://{host.address}:{PORT}" for name, host in hosts.items()}
    routes = {"/api/review": at["review"], "/api/transcoder": at["tx1"], "/api/publisher": at["publisher"]}
    async with cluster_on(infra, tmp_path) as cluster, serving(StandIn(host=infra.address)) as platform:
        cluster.settings |= {
            "ZHENGJI_INTAKE_URL": at["intake"],
            "ZHENGJI_TRANSCODER_URL": at["tx1"],
            "ZHENGJI_PUBLIC_BASE_URL": at["intake"],
            "ZHENGJI_OUTBOUND_ALLOW": infra.address,  # the stand-in platform
        }
        first = [cluster.start(n, hosts[n], PORT) for n in names[:4]]
        first.append(cluster.start("transcoder", hosts["tx1"], PORT, **ONE_JOB_EACH))
        try:
            await asyncio.gather(*(s.ready() for s in first))
            ingress = Ingress(at["intake"], routes)
            async with httpx.AsyncClient(base_url=at["intake"], transport=ingress, timeout=60) as api:
                await admin_login(api)
                await import_tree(api, UNITS)
                definition = small_yanbian("multihost", platform)
                made = await api.post("/api/campaigns", json={"definition_yaml": definition})
                assert made.status_code == 201, made.text
                site = Site(api, ingress, "multihost", cluster, tmp_path)
                with capsys.disabled():
                    await play(site, lan, hosts, platform)
        except BaseException:
            print(cluster.logs())
            raise


async def play(site: Site, lan: Lan, hosts: dict[str, Host], platform: StandIn) -> None:
    # A file that is no video: the validator's verdict, on the upload read from the bucket.
    body = {"form": yanbian_form(99), "unit_code": "222401004", "group": "小学组"}
    not_video = (await site.api.post(f"/api/campaigns/{site.cid}/entries", json=body)).json()["submission_id"]
    await tus_upload(site.api, b"not a video", submission_id=not_video, filename="x.mp4")

    passed = await scale_out(site, hosts)
    passed.append(await cut_off(site, lan))
    cancelled = await site.enter(*CANCELLED, seconds=LONG_S)
    runs_it, frozen = await frozen_mid_encode(site.cluster, cancelled)
    # Cancelled through one transcoder's API; the worker that runs it, on its own host (maybe
    # another), stops at its next lease renewal.
    assert (await site.api.post(f"/api/transcoder/jobs/{cancelled}/cancel")).status_code == 200

    for sid in passed:
        approved = await site.api.post(f"/api/submissions/{sid}/approve", json={})
        assert approved.status_code == 200, approved.text

    async def all_ready() -> bool:
        ready = (await site.api.get(f"/api/review/campaigns/{site.cid}/ready")).json()
        return {e["submission_id"] for e in ready} >= set(passed)

    await eventually(all_ready, 60, "every approved entry ready for review")
    await run_level(site.api, site.cid, "county", COUNTY_EXPERTS.encode(), "text/csv", site.marks)
    await run_level(site.api, site.cid, "prefecture", prefecture_experts_xlsx(), XLSX, site.marks)

    everyone = [*passed, not_video, cancelled]
    await site.reach(everyone, FINAL)
    stages = {site.marks.get(sid, 0): await site.stage(sid) for sid in everyone}
    print(f"end states by mark: {dict(sorted(stages.items()))}")
    ends = {95: "published", 90: "published", 50: "transcode_failed", 0: "failed_validation"}
    assert stages == dict.fromkeys(site.marks.values(), "not_recommended") | ends
    received = Counter(w["body"]["metadata"]["title"] for w in platform.received)
    assert received == {"多机作品1": 2, "多机作品4": 2}  # the awarded two, on both platforms

    async def killed() -> bool:  # the cancelled job's ffmpeg, on its own host
        return not set(frozen) & set(children(runs_it.proc.pid, "ffmpeg"))

    await eventually(killed, 30, "the cancelled job's ffmpeg killed")


async def scale_out(site: Site, hosts: dict[str, Host]) -> list[str]:
    """One transcoder, then three while uploads arrive; work that piles up goes to every host.

    Each host runs one job at a time. A job held mid-encode (its ffmpeg frozen) keeps its host
    busy, so the next upload's job must be taken by a host still free, whichever host's consumer
    heard of it: three held at once are on three hosts. (Uploads that trickle in one at a time
    may all land on one host: that is not a fault, and asserting otherwise was a flaky test.)"""
    first = await site.enter_all(FIRST)
    await site.reach(first, {"awaiting_approval"})
    more = [site.cluster.start("transcoder", hosts[n], PORT, **ONE_JOB_EACH) for n in ("tx2", "tx3")]
    while_starting = await site.enter_all(WHILE_SCALING[:2])
    await asyncio.gather(*(t.ready() for t in more))
    held: list[str] = []
    holders: list[str] = []
    frozen: list[int] = []
    try:
        for entry in WHILE_SCALING[2:5]:
            sid = await site.enter(*entry, seconds=LONG_S)
            runs_it, pids = await frozen_mid_encode(site.cluster, sid)
            held.append(sid)
            holders.append(runs_it.host.name)
            frozen.extend(pids)
        assert sorted(holders) == ["tx1", "tx2", "tx3"], holders
    finally:  # a failure above must not leave encoders stopped for the rest of the run
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    scaled = [*while_starting, *held, await site.enter(*WHILE_SCALING[5])]
    await site.reach(scaled, {"awaiting_approval"})
    by_host = Counter(holder(site.cluster, j).host.name for j in await jobs(site.cluster, scaled))
    print(f"\ntranscode jobs by host since scaling: {dict(sorted(by_host.items()))}")
    return [*first, *scaled]


async def cut_off(site: Site, lan: Lan) -> str:
    """A transcoder host cut off mid-job: its lease runs out, another host does the job, once."""
    sid = await site.enter(*CUT_OFF, seconds=LONG_S)
    cut, frozen = await frozen_mid_encode(site.cluster, sid)
    lan.cut(cut.host)
    # The ingress stops sending the transcoder's API there, as a Service drops an unready pod.
    live = next(s for s in site.cluster.served if s.service == "transcoder" and s is not cut)
    site.ingress.routes["/api/transcoder"] = live.url
    await site.reach([sid], {"awaiting_approval"})
    (job,) = await jobs(site.cluster, [sid])
    assert job["state"] == "done" and holder(site.cluster, job) is not cut
    assert await transcoded_events(site.cluster.infra.servers.kafka_bootstrap, sid) == 1
    await cut.stop(signal.SIGKILL)  # the host is gone for good
    for pid in frozen:
        os.kill(pid, signal.SIGKILL)
    return sid
