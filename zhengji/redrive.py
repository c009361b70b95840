"""``zhengji admin redrive``: run one submission's current version again from a stage, once the
cause of a wrong or lost result is fixed (a rule corrected, a file restored, an encoder fixed).

The stage's input event is emitted again through its producer's outbox, under a new
``event_id``: the producer's relay publishes it (and publishes it again until it is sent), the
consumer's inbox lets it through once, and its job table runs the finished job again
(``JobTable.enqueue_writes(..., again=True)``). Each call is one more run; a lost publish or a
redelivery is not.

- ``validation``: the ``submitted`` event, rebuilt from intake's record of the submission (its
  current form, media and materials), emitted and recorded in the submission's status and
  timeline as intake does on an upload (intake does not read its own topic back).
- ``transcoding``: the ``validated`` event the transcoder's job for the version was made from
  (only a version that passed validation has one)."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import Attribution, BaseEvent, BlobRef, SubmissionSubmitted, SubmissionValidated
from services.common.errors import ServiceError
from services.common.outbox import Outbox
from services.common.store import in_transaction, service_db

if TYPE_CHECKING:
    from zhengji.admin_store import Client

STAGES = ("validation", "transcoding")


def submitted_again(submission: dict[str, Any]) -> SubmissionSubmitted:
    from services.intake.app import IntakeService
    from services.intake.materials import material_refs

    version = int(submission["version"])
    return SubmissionSubmitted(
        submission_id=submission["_id"],
        campaign_id=submission["campaign_id"],
        correlation_id=f"{submission['_id']}:v{version}",
        producer="intake",
        entry=IntakeService.entry_info(submission, version, submission.get("work")),
        attribution=Attribution.model_validate(submission["attribution"]),
        media=BlobRef.model_validate(submission["media"]),
        materials=material_refs(submission),
    )


async def validated_again(client: "Client", prefix: str, submission: dict[str, Any]) -> SubmissionValidated:
    job_id = f"{submission['_id']}:v{submission['version']}"
    job = await service_db(client, prefix, "transcoder")["jobs"].find_one({"_id": job_id})
    if job is None:
        raise ServiceError(
            409,
            f"{job_id} 没有转码任务（未通过校验或尚未校验完）：请从 validation 阶段重跑",
            f"{job_id} has no transcoding job (validation failed or did not finish): redrive from validation",
        )
    event = SubmissionValidated.model_validate_json(job["payload"]["event"])
    return event.model_copy(update={"event_id": uuid4(), "occurred_at": datetime.now(UTC)})


async def redrive(
    client: "Client", prefix: str, submission_id: str, stage: str, stage_deadline_s: float
) -> BaseEvent:
    """Emit the stage's input event again for the submission's current version; the event."""
    intake = service_db(client, prefix, "intake")
    submission = await intake["submissions"].find_one({"_id": submission_id})
    if submission is None:
        raise ServiceError(404, f"作品 {submission_id} 不存在", f"no submission {submission_id}")
    if not submission.get("version") or not submission.get("media"):
        raise ServiceError(409, f"作品 {submission_id} 还没有上传", f"{submission_id} has no upload yet")
    if stage == "validation":
        from services.intake.app import moved_to
        from services.intake.status import timeline_entry

        again = submitted_again(submission)
        # Recorded as intake records an upload, which it does not read back (services/intake/app.py).
        recorded = {"$set": moved_to(again, stage_deadline_s), "$push": {"timeline": timeline_entry(again)}}

        async def work(session: AsyncClientSession) -> None:
            await intake["submissions"].update_one({"_id": submission_id}, recorded, session=session)
            await Outbox(intake).add([again], session)

        await in_transaction(client, work)
        return again
    event = await validated_again(client, prefix, submission)
    await Outbox(service_db(client, prefix, "validator")).add([event], session=None)
    return event
