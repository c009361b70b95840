"""Long jobs on the real broker and store: progress, cancelling, a worker stopped mid-encode,
attempts exhausted, short jobs first. Each job ends in exactly one ``transcoded`` event."""

import asyncio
from pathlib import Path
from typing import Any

import httpx

from contracts import TOPICS
from services.common.job_runner import run_workers
from services.common.jobs import JobTable
from services.common.settings import Settings
from services.common.store import Doc, connect
from services.transcoder.app import TranscoderService
from services.transcoder.failures import CANCELLED_REASON
from tests.conftest import eventually
from tests.integration.transcoder.clips import clip, long_clip
from tests.integration.transcoder.conftest import (
    Gated,
    Start,
    define,
    ended,
    ffmpeg_children,
    is_alive,
    pass_validation,
    small_campaign,
    submit,
    transcoded,
    validated,
    work_dirs,
)
from zhengji import runtime

SERVICES = ["intake", "transcoder"]


async def job_row(settings: Settings, sid: str) -> Doc | None:
    client = connect(settings.mongodb_uri)
    try:
        return await client[f"{settings.db_prefix}_transcoder"]["jobs"].find_one(
            {"payload.submission_id": sid}
        )
    finally:
        await client.close()


async def events_emitted(settings: Settings, sid: str) -> int:
    """``transcoded`` events in the transcoder's outbox for a submission (every replica shares it)."""
    client = connect(settings.mongodb_uri)
    try:
        outbox = client[f"{settings.db_prefix}_transcoder"]["outbox"]
        return await outbox.count_documents({"key": sid, "topic": TOPICS["transcoded"]})
    finally:
        await client.close()


async def job_state(api: httpx.AsyncClient, sid: str, state: str) -> dict[str, Any] | None:
    r = await api.get(f"/api/transcoder/jobs/{sid}")
    body: dict[str, Any] = r.json()
    return body if r.status_code == 200 and body["state"] == state else None


async def test_progress_shows_and_a_queued_or_running_job_can_be_cancelled(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    one_minute = await long_clip(tmp_path / "long.mp4", minutes=1)
    short = await clip(tmp_path / "short.mp4")
    async with start(SERVICES, transcoder=Gated, transcoder_concurrency=1) as api:
        worker = Gated.instances[-1]
        cid = await define(api, small_campaign("tx-cancel"))
        running, upload = await submit(api, cid, one_minute, 1)
        await pass_validation(settings, cid, running, upload, 60.0, 1)
        await asyncio.wait_for(worker.reached.wait(), 60)  # the streaming pass is under way
        queued, upload2 = await submit(api, cid, short, 2)
        await pass_validation(settings, cid, queued, upload2, 2.0, 2)

        # Progress from ffmpeg's -progress, stored with each lease renewal, served by the API.
        async def progress_shown() -> dict[str, Any] | None:
            job = await job_state(api, running, "running")
            return job if job and job["phase"] == "streaming" and job["speed"] else None

        job = await eventually(progress_shown, 30, "progress of the running job")
        assert 0 < job["percent"] < 100 and job["eta_s"] > 0 and job["attempts"] == 1

        # The same progress on the submission's status (what the entrant's page shows).
        async def on_status() -> dict[str, Any] | None:
            status = (await api.get(f"/api/submissions/{running}")).json()
            shown = status.get("transcoding") if status["stage"] == "transcoding" else None
            return shown if shown and shown["percent"] > 0 else None

        shown = await eventually(on_status, 30, "progress on the submission's status")
        assert shown["state"] == "running" and shown["phase"] == "streaming" and shown["eta_s"] > 0
        assert job["plan"]["remux"] is True  # a 1 Mb/s campaign: the upload's streams are copied
        # One job at a time (transcoder_concurrency=1): the second waits in the queue.
        assert await eventually(lambda: job_state(api, queued, "queued"), 30, "the second job queued")

        cancelled = await api.post(f"/api/transcoder/jobs/{queued}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
        assert len(worker.frozen) == 1 and is_alive(worker.frozen[0])  # the streaming pass, mid-encode
        assert (await api.post(f"/api/transcoder/jobs/{running}/cancel")).status_code == 200
        again = await api.post(f"/api/transcoder/jobs/{running}/cancel")
        assert again.status_code == 409 and "已结束" in again.json()["detail"]["message_zh"]

        for sid in (running, queued):
            status = await ended(api, sid)
            assert status["stage"] == "transcode_failed"
            assert transcoded(status)["reason"] == CANCELLED_REASON
        await eventually(lambda: asyncio.sleep(0, worker.interrupted == 1), 30, "the held ffmpeg killed")
        assert not is_alive(worker.frozen[0]) and ffmpeg_children() == {}
        assert work_dirs(settings) == []
        assert [await events_emitted(settings, s) for s in (running, queued)] == [1, 1]

        worker.release.set()  # healthy: the next job runs to the end
        third, upload3 = await submit(api, cid, short, 3)
        await pass_validation(settings, cid, third, upload3, 2.0, 3)
        assert transcoded(await ended(api, third))["succeeded"] is True


async def test_a_worker_stopped_mid_encode_hands_its_job_back_and_another_worker_does_it_once(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    one_minute = await long_clip(tmp_path / "long.mp4", minutes=1)
    async with start(SERVICES, transcoder=Gated) as api:
        dying = Gated.instances[-1]
        cid = await define(api, small_campaign("tx-kill"))
        sid, upload = await submit(api, cid, one_minute)
        await pass_validation(settings, cid, sid, upload, 60.0)
        await asyncio.wait_for(dying.reached.wait(), 60)  # the first worker is encoding

        assert is_alive(dying.frozen[0])
        await dying.stop()  # stopped mid-encode: its ffmpeg is killed, the job goes back to the queue
        assert dying.interrupted == 1 and not is_alive(dying.frozen[0]) and work_dirs(settings) == []
        row = await job_row(settings, sid)
        assert row is not None
        # Given back, not left to time out; a clean hand-back is not a crash, so no attempt is counted.
        assert (row["state"], row["worker"], row["attempts"]) == ("queued", dying.runner.worker, 0)

        # Another worker on the same job table (and store, and broker) takes it over.
        other = TranscoderService(dying.deps)
        await other.start()
        try:
            status = await ended(api, sid)
        finally:
            await other.stop()
        assert transcoded(status)["succeeded"] is True  # exactly one transcoded event in the timeline
        row = await job_row(settings, sid)
        assert row is not None and (row["state"], row["attempts"], row["worker"]) == (
            "done",
            1,
            other.runner.worker,
        )
        assert await events_emitted(settings, sid) == 1


async def test_a_job_whose_every_attempt_died_ends_failed_with_a_reason(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    media = await clip(tmp_path / "clip.mp4")
    async with start(["intake"]) as api:
        cid = await define(api, small_campaign("tx-abandoned"))
        sid, upload = await submit(api, cid, media)
        # Three workers claimed it and died (a file that crashes the transcoder, say), each after
        # its lease ran out; a short lease makes that quick.
        client = connect(settings.mongodb_uri)
        try:
            table = JobTable(client[f"{settings.db_prefix}_transcoder"], "jobs", lease_s=0.05)
            event = validated(cid, sid, upload, 2.0)
            payload = {"event": event.model_dump_json(), "submission_id": sid, "version": 1, "spec": None}
            async with client.start_session() as session:
                await table.enqueue(f"{sid}:v1", payload, 2.0, session)
            for worker in ("dead-1", "dead-2", "dead-3"):

                async def claimed(worker: str = worker) -> Doc | None:
                    return await table.claim(worker)  # once the previous claim's lease has run out

                await eventually(claimed, 10, f"a claim by {worker}")
        finally:
            await client.close()

        transcoder = runtime.Runtime(settings, ["transcoder"])
        await transcoder.start()
        try:
            status = await ended(api, sid)
        finally:
            await transcoder.stop()
    assert status["stage"] == "transcode_failed"
    reason = transcoded(status)["reason"]
    assert reason.startswith("转码进程3次意外中止") and "stopped unexpectedly 3 times" in reason
    row = await job_row(settings, sid)
    assert row is not None and (row["state"], row["attempts"]) == ("failed", 3)
    assert await events_emitted(settings, sid) == 1


async def test_short_jobs_are_taken_before_long_ones(settings: Settings) -> None:
    client = connect(settings.mongodb_uri)
    table = JobTable(client["jobs_order"], "jobs", lease_s=60)
    taken: list[str] = []

    async def run(job: Doc) -> None:
        taken.append(job["_id"])

    try:
        await table.create_indexes()
        async with client.start_session() as session:
            # queued in this order, as uploads of an 8-minute, a 5-minute and a 1-minute work arrive
            for job_id, seconds in (("eight-minutes", 480.0), ("five-minutes", 300.0), ("one-minute", 60.0)):
                await table.enqueue(job_id, {}, seconds, session)
        worker = asyncio.create_task(run_workers(table, "w", 1, run, poll_s=0.1))
        await eventually(lambda: asyncio.sleep(0, len(taken) == 3), 30, "all three taken")
        worker.cancel()
        assert taken == ["one-minute", "five-minutes", "eight-minutes"]
    finally:
        await client.close()
