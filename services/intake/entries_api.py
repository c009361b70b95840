"""Routes for entries: registering, listing, reading, withdrawing, approving and returning."""

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from contracts.campaign import Campaign
from services.intake.accounts import User
from services.intake.approval import approve, return_entry
from services.intake.auth import require_approve, require_see, submission_scope, wrong_role
from services.intake.dashboard import summarise
from services.intake.errors import IntakeError, IntakeRoute
from services.intake.naming import expected_stem
from services.intake.registration import register_entry as register
from services.intake.submission_store import MongoSubmissionStore
from services.intake.transcoding import transcode_progress
from services.intake.tus import PREFIX
from services.intake.views import row_view, submission_view

if TYPE_CHECKING:
    from services.intake.app import IntakeService


class UnitRef(BaseModel):
    """The unit as older clients sent it; only the code is used (the tree has the rest)."""

    code: str
    name: str = ""
    path: list[str] = Field(default_factory=list)


class RegisterEntry(BaseModel):
    form: dict[str, Any]
    group: str | None = None
    unit_code: str | None = None
    unit: UnitRef | None = None


class Approve(BaseModel):
    note: str | None = None


class Return(BaseModel):
    reason: str = ""


def build_entries_router(svc: "IntakeService") -> APIRouter:
    router = APIRouter(tags=["intake: entries"], route_class=IntakeRoute)
    auth = svc.auth

    async def campaign_of(campaign_id: str) -> Campaign:
        campaign = await svc.find_campaign(campaign_id)
        if campaign is None:
            raise IntakeError(404, f"活动 {campaign_id} 不存在", f"no campaign {campaign_id}")
        return campaign

    async def submission_of(submission_id: str) -> dict[str, Any]:
        sub = await svc.submissions.find_one({"_id": submission_id})
        if sub is None:
            raise IntakeError(404, f"作品 {submission_id} 不存在", f"no submission {submission_id}")
        return sub

    @router.post("/api/campaigns/{campaign_id}/entries", status_code=201)
    async def register_entry(
        campaign_id: str, body: RegisterEntry, user: User = Depends(auth.user)
    ) -> dict[str, Any]:
        if user.role == "reviewer":
            raise wrong_role(user, ("entrant", "unit_admin", "campaign_admin"))
        campaign = await campaign_of(campaign_id)
        registered = await register(
            MongoSubmissionStore(svc.db),
            svc.units,
            campaign,
            user,
            submission_id=svc.new_submission_id(),
            form=body.form,
            group=body.group,
            unit_code=body.unit_code or (body.unit.code if body.unit else None),
        )
        return {"submission_id": registered.id, "file_name": expected_stem(campaign, body.form)}

    @router.get("/api/campaigns/{campaign_id}/submissions")
    async def list_submissions(
        campaign_id: str,
        stage: str | None = None,
        unit: str | None = None,
        group: str | None = None,
        category: str | None = None,
        approval: str | None = None,
        user: User = Depends(auth.user),
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"campaign_id": campaign_id, **submission_scope(user)}
        filters = {"stage": stage, "group": group, "form.category": category, "approval.state": approval}
        query.update({k: v for k, v in filters.items() if v is not None})
        if unit is not None:
            query["$and"] = [{"attribution.unit_path": unit}]
        cursor = svc.submissions.find(query).sort("created_at", 1)
        return [row_view(d) async for d in cursor]

    @router.get("/api/campaigns/{campaign_id}/summary")
    async def summary(
        campaign_id: str,
        level: str | None = None,
        user: User = Depends(auth.role("campaign_admin", "unit_admin")),
    ) -> dict[str, Any]:
        campaign = await campaign_of(campaign_id)
        fields = {"stage": 1, "approval": 1, "group": 1, "form.category": 1, "attribution": 1, "series": 1}
        subs = await svc.submissions.find(
            {"campaign_id": campaign_id, **submission_scope(user)}, fields
        ).to_list()
        units = {
            u["_id"]: u
            for u in await svc.units.list(under=user.unit_code if user.role == "unit_admin" else None)
        }
        return summarise(campaign, subs, units, level)

    @router.get("/api/submissions/{submission_id}")
    async def get_submission(
        submission_id: str, request: Request, user: User = Depends(auth.user)
    ) -> dict[str, Any]:
        sub = await submission_of(submission_id)
        require_see(user, sub)
        view = submission_view(sub, await campaign_of(sub["campaign_id"]))
        if view["stage"] == "transcoding":
            view["transcoding"] = await transcode_progress(svc.settings, submission_id, request)
        return view

    @router.delete("/api/submissions/{submission_id}", status_code=204)
    async def withdraw(submission_id: str, user: User = Depends(auth.user)) -> Response:
        sub = await submission_of(submission_id)
        require_see(user, sub)
        gone = await svc.submissions.delete_one({"_id": submission_id, "version": 0})
        if gone.deleted_count != 1:
            raise IntakeError(
                409,
                "作品已上传，不能撤回；如需修改请上传新版本",
                "the entry has uploads and cannot be withdrawn",
            )
        for upload in await svc.uploads.unfinished(submission_id):
            await svc.uploads.terminate(upload)
        return Response(status_code=204)

    @router.get("/api/submissions/{submission_id}/uploads")
    async def uploads(submission_id: str, user: User = Depends(auth.user)) -> list[dict[str, Any]]:
        require_see(user, await submission_of(submission_id))
        return [
            {
                "upload_id": d["_id"],
                "upload_url": f"{PREFIX}/{d['_id']}",
                "material": d["material"],
                "filename": d["filename"],
                "original_filename": d.get("original_filename"),
                "offset": d["offset"],
                "length": d["length"],
                "expires_at": d["expires_at"],
            }
            for d in await svc.uploads.unfinished(submission_id)
        ]

    @router.post("/api/submissions/{submission_id}/approve")
    async def approve_entry(
        submission_id: str, body: Approve, user: User = Depends(auth.user)
    ) -> dict[str, Any]:
        sub = await submission_of(submission_id)
        require_approve(user, sub)
        await approve(svc, sub, user, body.note)
        return submission_view(await submission_of(submission_id), await campaign_of(sub["campaign_id"]))

    @router.post("/api/submissions/{submission_id}/return")
    async def return_to_entrant(
        submission_id: str, body: Return, user: User = Depends(auth.user)
    ) -> dict[str, Any]:
        sub = await submission_of(submission_id)
        require_approve(user, sub)
        await return_entry(svc, sub, user, body.reason)
        return submission_view(await submission_of(submission_id), await campaign_of(sub["campaign_id"]))

    return router
