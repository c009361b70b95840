"""The validator service alone on the real broker and store: the decode pass runs as a job.

Events go in with a plain Kafka producer (as intake would send them) and the
validator's own collections are read back: the report, the job, the outbox."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from pymongo.asynchronous.database import AsyncDatabase

from contracts import CampaignDefined, SubmissionSubmitted, SubmissionValidated, topic_for
from contracts.blobs import BlobRef
from contracts.campaign import Campaign
from contracts.events import Attribution, BaseEvent, EntryInfo
from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from services.common.store import connect
from services.intake.presets import load_preset
from services.validator.selfcheck import check_headers, self_check
from tests.conftest import eventually
from tests.integration.validator import defects
from tests.integration.validator.test_presets_media import as_yanbian_export
from tests.unit.validator import handmade
from zhengji.server import running

YANBIAN = load_preset("yanbian-2024")


async def publish(settings: Settings, *events: BaseEvent) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for e in events:
            await producer.send_and_wait(
                topic_for(e.event_type), e.model_dump_json().encode(), key=e.partition_key().encode()
            )
    finally:
        await producer.stop()


@asynccontextmanager
async def validator_alone(
    settings: Settings, campaign: Campaign, *events: BaseEvent
) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """The validator running alone with ``campaign`` defined and ``events`` sent; yields its database."""
    client = connect(settings.mongodb_uri)
    try:
        async with running(settings, ["validator"]):
            defined = CampaignDefined(campaign_id=campaign.id, producer="intake", spec=campaign)
            await publish(settings, defined)
            await publish(settings, *events)
            yield client[f"{settings.db_prefix}_validator"]
    finally:
        await client.close()


def submitted(
    sid: str,
    media: BlobRef,
    materials: dict[str, BlobRef] | None = None,
    campaign: Campaign = YANBIAN,
    entry: EntryInfo | None = None,
) -> SubmissionSubmitted:
    return SubmissionSubmitted(
        materials=materials or {},
        submission_id=sid,
        campaign_id=campaign.id,
        correlation_id=f"{sid}:v1",
        producer="intake",
        entry=entry or EntryInfo(title="红色记忆"),
        attribution=Attribution(unit_code="222401001", unit_name="延吉市第一小学"),
        media=media,
    )


async def test_quality_pass_runs_as_a_job_and_the_report_carries_it(
    settings: Settings, tmp_path: Path
) -> None:
    blobs = FileBlobStore(settings.blobs_path())
    good_headers = as_yanbian_export(defects.short_audio(tmp_path / "short.mp4", size="1920x1080", seconds=4))
    small = defects.conforming(tmp_path / "small.mp4")
    needs_decode = submitted("s-decode", await blobs.put_file(good_headers, "video/mp4"))
    courseware = tmp_path / "课件.pdf"
    courseware.write_bytes(handmade.pdf(3))
    form = tmp_path / "报名表.docx"
    form.write_bytes(handmade.office("docx"))
    headers_fail = submitted(
        "s-headers",
        await blobs.put_file(small, "video/mp4"),
        {
            "courseware": await blobs.put_file(courseware, "application/pdf"),
            "registration_form": await blobs.put_file(form, "application/pdf"),
        },
    )
    async with validator_alone(settings, YANBIAN, needs_decode, headers_fail) as db:

        async def report(rid: str) -> dict[str, Any] | None:
            return await db["reports"].find_one({"_id": rid})

        decoded = await eventually(lambda: report("s-decode:v1"), 120, "the decoded file's report")
        checked = await eventually(lambda: report("s-headers:v1"), 60, "the header-only report")
        out = await eventually(
            lambda: db["outbox"].find_one({"causation": str(needs_decode.event_id)}),
            30,
            "validated event",
        )
        job = await db["jobs"].find_one({"_id": "s-decode:v1"})
        other_job = await db["jobs"].find_one({"_id": "s-headers:v1"})
    assert job is not None and job["state"] == "done" and other_job is None
    assert decoded["passed"] is False and decoded["quality"]["video_frames"] == 100
    assert checked["quality"] is None  # failed at the headers: never decoded
    # The entry's other files are checked by their bytes: the courseware PDF is fine, the form is a DOCX.
    others = [
        (f["rule_id"], f["measured"]) for f in checked["findings"] if f["rule_id"].startswith("document.")
    ]
    assert others == [("document.format", "DOCX")]
    event = SubmissionValidated.model_validate_json(out["payload"])
    local = await self_check(good_headers, YANBIAN, None)  # what a school sees with `zhengji validate`
    assert [f.rule_id for f in event.findings] == [f.rule_id for f in local.findings]
    assert "av.sync" in [f.rule_id for f in event.findings] and not event.passed


async def test_a_job_whose_every_attempt_died_ends_with_a_warning(settings: Settings, tmp_path: Path) -> None:
    blobs = FileBlobStore(settings.blobs_path())
    path = as_yanbian_export(defects.conforming(tmp_path / "ok.mp4", size="1920x1080", seconds=2))
    event = submitted("s-dead", await blobs.put_file(path, "video/mp4"))
    stage = await check_headers(blobs.path(event.media.sha256), YANBIAN, None)
    assert stage.wants_quality
    now = datetime.now(UTC)
    client = connect(settings.mongodb_uri)
    db = client[f"{settings.db_prefix}_validator"]
    try:
        # As a worker killed mid-decode, three times over, leaves it: running, lease long gone.
        await db["jobs"].insert_one(
            {
                "_id": "s-dead:v1",
                "state": "running",
                "payload": {"event": event.model_dump_json(), "stage": stage.model_dump_json(), "others": []},
                "cost": 2.0,
                "attempts": 3,
                "created_at": now - timedelta(minutes=10),
                "worker": "a-worker-that-died",
                "lease_until": now - timedelta(minutes=1),
            }
        )
        async with running(settings, ["validator"]):
            report = await eventually(
                lambda: db["reports"].find_one({"_id": "s-dead:v1"}), 60, "the abandoned job's report"
            )
            job = await db["jobs"].find_one({"_id": "s-dead:v1"})
            sent = await db["outbox"].count_documents({"causation": str(event.event_id)})
    finally:
        await client.close()
    warning = [f for f in report["findings"] if f["rule_id"] == "quality.incomplete"]
    assert [(f["severity"], f["measured"]) for f in warning] == [("warning", "3次尝试均未完成")]
    assert report["passed"] is True  # the headers passed; the entrant is not failed for our crash
    assert job is not None and job["state"] == "failed" and sent == 1
