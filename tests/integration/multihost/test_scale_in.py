"""A scale-in (issue 11): Kubernetes sends SIGTERM to a transcoder process that is mid-encode.
It hands its job back at once (the lease released, not left to expire), another transcoder
process takes the job within seconds, and the entrant never sees a failure.

Plain processes on loopback (namespaces add nothing to a signal); each service still has its own
data dir, and blobs go through the S3 server. The lease is two minutes long, so a takeover within
the test's deadline can only be a hand-back; and a hand-back resets the attempts, so the job the
other process finishes shows one attempt, where a lease that ran out would show two."""

import asyncio
import signal
from pathlib import Path

import httpx

from tests.conftest import UNIT, admin_login, eventually, import_tree
from tests.integration.multihost.cluster import alive, cluster_on
from tests.integration.multihost.hosts import LOOPBACK
from tests.integration.multihost.transcode_jobs import frozen_mid_encode, holder, jobs, transcoded_events
from tests.integration.transcoder.clips import clip
from tests.integration.transcoder.conftest import define, small_campaign
from zhengji.demo import tus_upload
from zhengji.samples import yanbian_form

FAILED = {"failed_validation", "transcode_failed"}


async def test_a_transcoder_stopped_mid_encode_hands_its_job_to_another_within_seconds(
    tmp_path: Path,
) -> None:
    async with cluster_on(LOOPBACK, tmp_path) as cluster:
        cluster.settings["ZHENGJI_JOB_LEASE_S"] = "120"
        intake = cluster.start("intake", LOOPBACK)
        cluster.settings["ZHENGJI_INTAKE_URL"] = intake.url
        others = [cluster.start(s, LOOPBACK) for s in ("validator", "transcoder", "transcoder")]
        try:
            await asyncio.gather(*(s.ready() for s in [intake, *others]))
            async with httpx.AsyncClient(base_url=intake.url, timeout=60) as api:
                await admin_login(api)
                await import_tree(api)
                cid = await define(api, small_campaign("scale-in"))
                reg = await api.post(
                    f"/api/campaigns/{cid}/entries",
                    json={"form": yanbian_form(), "unit": UNIT, "group": "教师组"},
                )
                sid = reg.json()["submission_id"]
                work = await clip(tmp_path / "work.mp4", seconds=20)
                await tus_upload(api, work, submission_id=sid, filename=work.name, filetype="video/mp4")

                seen: list[str] = []  # every stage the entrant's status shows, polled throughout

                async def stage() -> bool:
                    seen.append((await api.get(f"/api/submissions/{sid}")).json()["stage"])
                    return seen[-1] in {"awaiting_approval", *FAILED}

                watching = asyncio.create_task(eventually(stage, 180, "the entrant's final stage"))
                stopped, frozen = await frozen_mid_encode(cluster, sid)
                code = await stopped.stop(signal.SIGTERM)
                assert code in (0, -signal.SIGTERM), f"the transcoder stops on SIGTERM, exit {code}"
                assert not [p for p in frozen if alive(p)], "its ffmpeg is killed"

                async def taken_over() -> bool:
                    (job,) = await jobs(cluster, [sid])
                    return job["state"] in ("running", "done") and holder(cluster, job) is not stopped

                await eventually(taken_over, 30, "another transcoder taking the job")
                await watching
                (job,) = await jobs(cluster, [sid])
                # One attempt: the stop handed the job back (a release resets the count) rather
                # than leaving its lease to run out, which would have made this the second.
                assert (job["state"], job["attempts"]) == ("done", 1)
                assert seen[-1] == "awaiting_approval" and not FAILED & set(seen), seen
                assert await transcoded_events(cluster.infra.servers.kafka_bootstrap, sid) == 1
        except BaseException:
            print(cluster.logs())
            raise
