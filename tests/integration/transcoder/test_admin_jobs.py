"""An operator's day 2 on the transcoder's queue: a job whose file went missing fails after its
attempts; `zhengji admin jobs list` shows it with its attempts and why; the file is restored and
`zhengji admin jobs retry` runs it to the end. Then `zhengji admin redrive` runs a whole
submission again from transcoding, and from validation, each stage once more."""

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from contracts import TOPICS
from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from services.common.store import connect, service_db
from tests.conftest import eventually
from tests.integration.admin_command import admin_command
from tests.integration.publisher.harness import campaign_with
from tests.integration.transcoder.clips import clip
from tests.integration.transcoder.conftest import Start, define, ended, small_campaign, submit, validated
from zhengji.server import running


async def job_state(settings: Settings, job_id: str) -> str | None:
    client = connect(settings.mongodb_uri)
    try:
        job = await service_db(client, settings.db_prefix, "transcoder")["jobs"].find_one({"_id": job_id})
        return job["state"] if job else None
    finally:
        await client.close()


async def test_a_failed_transcode_is_listed_with_why_and_retried_once_its_file_is_back(
    settings: Settings, tmp_path: Path
) -> None:
    from aiokafka import AIOKafkaProducer

    media = await clip(tmp_path / "clip.mp4")
    data = media.read_bytes()
    upload = {"version": 1, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    async with running(settings, ["transcoder"]):
        small = yaml.safe_load(small_campaign("unused"))["materials"]
        cid = await campaign_with(settings.kafka_bootstrap_servers, [], materials=small)
        event = validated(cid, "SADMINJOB1", upload, duration_s=2.0)  # its file is not in the store
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                TOPICS["validated"], event.model_dump_json().encode(), key=b"SADMINJOB1"
            )
        finally:
            await producer.stop()
        job_id = "SADMINJOB1:v1"

        async def failed() -> bool:
            return await job_state(settings, job_id) == "failed"

        await eventually(failed, 120, "the job to fail after its attempts")
        code, out, err = await admin_command(settings, "jobs", "list", "--queue", "transcode", "--json")
        assert code == 0, err
        (row,) = json.loads(out)
        assert (row["job_id"], row["state"], row["state_zh"], row["attempts"]) == (
            job_id, "failed", "失败（已搁置）", 3
        )  # fmt: skip
        assert "3次意外中止" in row["reason"] and "BlobUnavailable" in row["last_error"]
        code, out, _ = await admin_command(settings, "jobs", "list", "--state", "queued")
        assert code == 0 and job_id not in out

        await FileBlobStore(settings.blobs_path()).put_file(media, "video/mp4")  # the cause, fixed
        code, out, err = await admin_command(settings, "jobs", "retry", "transcode", job_id)
        assert code == 0 and "已重新排队" in out, err

        async def done() -> bool:
            return await job_state(settings, job_id) == "done"

        await eventually(done, 120, "the retried job to finish")
        code, _, err = await admin_command(settings, "jobs", "retry", "transcode", job_id)
        assert code == 1 and "只有失败或已取消的任务可以重试" in err
        code, _, err = await admin_command(settings, "jobs", "retry", "transcode", "nope:v1")
        assert code == 2 and "没有任务" in err


def events_of(status: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in status["timeline"] if e["event_type"] == f"submission.{kind}"]


async def test_a_submission_is_redriven_from_transcoding_then_from_validation(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    media = await clip(tmp_path / "clip.mp4")
    async with start(["intake", "validator", "transcoder"]) as api:
        cid = await define(api, small_campaign("redrive"))
        sid, _ = await submit(api, cid, media)
        first = await ended(api, sid)
        stages = ("submitted", "validated", "transcoded")
        assert [len(events_of(first, k)) for k in stages] == [1, 1, 1]

        async def timeline(*counts: int) -> dict[str, Any] | None:
            """The status once intake has seen this many events of each of ``stages``."""
            body: dict[str, Any] = (await api.get(f"/api/submissions/{sid}")).json()
            return body if tuple(len(events_of(body, k)) for k in stages) == counts else None

        code, out, err = await admin_command(settings, "redrive", sid, "--from", "transcoding")
        assert code == 0 and "已重新发出" in out, err
        # The validated event again (intake shows it too), and the transcoder's second run.
        again = await eventually(lambda: timeline(1, 2, 2), 120, "a second transcode")
        assert all(e["succeeded"] for e in events_of(again, "transcoded"))

        code, out, err = await admin_command(settings, "redrive", sid, "--from", "validation")
        assert code == 0, err
        last = await eventually(lambda: timeline(2, 3, 3), 120, "validation and transcoding again")
        assert last["stage"] == first["stage"]  # the same place in the campaign, reached again

    code, _, err = await admin_command(settings, "redrive", "SNOSUCH", "--from", "validation")
    assert code == 2 and "不存在" in err
    code, _, err = await admin_command(settings, "redrive", sid, "--from", "review")
    assert code == 2 and "validation" in err
