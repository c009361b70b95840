"""Routes for entries: registering, listing, reading, withdrawing, approving and returning."""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pymongo.errors import DuplicateKeyError

from services.common.errors import ServiceError, responses
from services.intake.api_models import (
    Approve,
    EntryRegistered,
    RegisterEntry,
    Return,
    SubmissionRow,
    SubmissionView,
    Summary,
    UnfinishedUpload,
)
from services.intake.app import IntakeService
from services.intake.approval import approve, return_entry
from services.intake.auth import submission_scope, wrong_role
from services.intake.dependencies import (
    Admin,
    ApprovableSubmission,
    CampaignInPath,
    CurrentUser,
    Intake,
    VisibleSubmission,
)
from services.intake.naming import expected_stem
from services.intake.registration import register_entry as register
from services.intake.statistics import unit_summary
from services.intake.submission_store import MongoSubmissionStore
from services.intake.transcoding import transcode_progress
from services.intake.tus_protocol import PREFIX
from services.intake.views import row_view, submission_view

router = APIRouter(tags=["intake: entries"])
Filter = Annotated[str | None, Query()]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="Any unique string the client makes for this registration. Sent again (an "
        "answer lost to a dropped connection), it answers with the entry already registered "
        "instead of registering a second one or refusing the person's limit.",
    ),
]


def keyed_submission_id(campaign_id: str, user_id: str, key: str) -> str:
    """The entry id a registration with ``key`` gets: the same for the same caller and campaign
    (a retry finds its entry), different for anyone else (a key never reaches another's entry)."""
    digest = hashlib.sha256(f"{campaign_id}\0{user_id}\0{key}".encode()).hexdigest()
    return "S" + digest[:16].upper()


# A unit's decision on an entry answers with the entry as it now is.
DECISION: dict[str, Any] = {
    "response_model": SubmissionView,
    "responses": responses(400, 401, 403, 404, 409, 422),
}


async def fresh_view(svc: IntakeService, submission_id: str) -> SubmissionView:
    sub = await svc.submissions.find_one({"_id": submission_id})
    assert sub is not None
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    return SubmissionView.model_validate(submission_view(sub, campaign))


@router.post(
    "/api/campaigns/{campaign_id}/entries",
    status_code=201,
    response_model=EntryRegistered,
    responses=responses(400, 401, 403, 404, 409, 422),
)
async def register_entry(
    campaign_id: str,
    body: RegisterEntry,
    svc: Intake,
    user: CurrentUser,
    campaign: CampaignInPath,
    key: IdempotencyKey = None,
) -> EntryRegistered:
    if user.role == "reviewer":
        raise wrong_role(user, ("entrant", "unit_admin", "campaign_admin"))
    sid = keyed_submission_id(campaign_id, user.id, key) if key else svc.new_submission_id()
    try:
        await register(
            MongoSubmissionStore(svc.db),
            svc.units,
            campaign,
            user,
            submission_id=sid,
            form=body.form,
            group=body.group,
            unit_code=body.unit_code or (body.unit.code if body.unit else None),
        )
    except (DuplicateKeyError, ServiceError):
        # Sent again (or twice at once): refused by its own entry's _id or by the person's limit
        # that entry fills. Only then is the entry read: a first registration costs no extra read.
        done = await svc.submissions.find_one({"_id": sid}, {"form": 1}) if key else None
        if done is None:
            raise
        return EntryRegistered(submission_id=sid, file_name=expected_stem(campaign, done["form"]))
    return EntryRegistered(submission_id=sid, file_name=expected_stem(campaign, body.form))


@router.get(
    "/api/campaigns/{campaign_id}/submissions",
    response_model=list[SubmissionRow],
    responses=responses(401, 422),
)
async def list_submissions(
    campaign_id: str,
    svc: Intake,
    user: CurrentUser,
    stage: Filter = None,
    unit: Annotated[str | None, Query(description="Entries of this unit and the units below it")] = None,
    group: Filter = None,
    category: Filter = None,
    approval: Filter = None,
) -> list[SubmissionRow]:
    query: dict[str, Any] = {"campaign_id": campaign_id, **submission_scope(user)}
    filters = {"stage": stage, "group": group, "form.category": category, "approval.state": approval}
    query.update({k: v for k, v in filters.items() if v is not None})
    if unit is not None:
        query["$and"] = [{"attribution.unit_path": unit}]
    cursor = svc.submissions.find(query).sort("created_at", 1)
    return [SubmissionRow.model_validate(row_view(d)) async for d in cursor]


@router.get(
    "/api/campaigns/{campaign_id}/summary",
    response_model=Summary,
    responses=responses(401, 403, 404, 422),
)
async def summary(
    campaign_id: str,
    svc: Intake,
    user: Admin,
    campaign: CampaignInPath,
    level: Annotated[str | None, Query(description="Roll units up to this level, e.g. county")] = None,
) -> Summary:
    return Summary.model_validate(await unit_summary(svc, campaign, user, level))


@router.get(
    "/api/submissions/{submission_id}",
    response_model=SubmissionView,
    responses=responses(401, 403, 404),
)
async def get_submission(
    submission_id: str, request: Request, svc: Intake, sub: VisibleSubmission
) -> SubmissionView:
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    view = SubmissionView.model_validate(submission_view(sub, campaign))
    if view.stage == "transcoding":
        view.transcoding = await transcode_progress(svc.settings, submission_id, request)
    return view


@router.delete(
    "/api/submissions/{submission_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 409),
)
async def withdraw(submission_id: str, svc: Intake, _: VisibleSubmission) -> Response:
    gone = await svc.submissions.delete_one({"_id": submission_id, "version": 0})
    if gone.deleted_count != 1:
        raise ServiceError(
            409, "作品已上传，不能撤回；如需修改请上传新版本", "the entry has uploads and cannot be withdrawn"
        )
    for upload in await svc.uploads.unfinished(submission_id):
        await svc.uploads.terminate(upload)
    return Response(status_code=204)


@router.get(
    "/api/submissions/{submission_id}/uploads",
    response_model=list[UnfinishedUpload],
    responses=responses(401, 403, 404),
)
async def uploads(submission_id: str, svc: Intake, _: VisibleSubmission) -> list[UnfinishedUpload]:
    return [
        UnfinishedUpload.model_validate({**d, "upload_id": d["_id"], "upload_url": f"{PREFIX}/{d['_id']}"})
        for d in await svc.uploads.unfinished(submission_id)
    ]


# Approving and returning: two decisions of the same shape, each its own operation.
@router.post("/api/submissions/{submission_id}/approve", **DECISION)
async def approve_entry(
    submission_id: str, body: Approve, svc: Intake, user: CurrentUser, sub: ApprovableSubmission
) -> SubmissionView:
    await approve(svc, sub, user, body.note)
    return await fresh_view(svc, submission_id)


@router.post("/api/submissions/{submission_id}/return", **DECISION)
async def return_to_entrant(
    submission_id: str, body: Return, svc: Intake, user: CurrentUser, sub: ApprovableSubmission
) -> SubmissionView:
    await return_entry(svc, sub, user, body.reason)
    return await fresh_view(svc, submission_id)
