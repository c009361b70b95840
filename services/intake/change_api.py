"""Live changes of a running campaign over HTTP, and the admin page that makes and lists them.

``POST /api/campaigns/{id}/changes`` applies one change (``live_changes.py``) and stores, in one
transaction, the new version of the definition, its ``campaign.defined`` event and its audit
record; ``GET`` lists the audit (who, when, what, why), newest first. Campaign admins only."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from services.common.capped_body import capped_body
from services.common.errors import ServiceError, responses
from services.intake.dependencies import CampaignAdmin, CampaignInPath, Intake, MaybeUser
from services.intake.live_changes import CampaignChange, changed, refuse_conflicts
from services.intake.pages import CAMPAIGN_PAGE, of_campaign

MAX_CHANGE_BYTES = 64 * 1024  # a change names a few dates, settings and addresses
router = APIRouter(tags=["intake: live changes"], route_class=capped_body(MAX_CHANGE_BYTES))


class ChangeRecord(BaseModel):
    campaign_id: str
    revision: int
    who: dict[str, str]
    at: datetime
    reason: str
    changes: list[dict[str, Any]]


@router.post(
    "/api/campaigns/{campaign_id}/changes",
    status_code=201,
    response_model=ChangeRecord,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
async def change_live(
    campaign_id: str, body: CampaignChange, svc: Intake, who: CampaignAdmin, current: CampaignInPath
) -> dict[str, Any]:
    """Change a running campaign, with the reason; refused (422) when it contradicts a finalised
    level or a sent publication, and (409) when another change was made from the same version."""
    campaign, diff = changed(current, body)
    refuse_conflicts(current, campaign, await svc.change_log.decided(campaign_id))
    record: dict[str, Any] = {}

    async def audit(session: AsyncClientSession) -> None:
        revision = campaign.live.revision
        record.update(await svc.change_log.record(campaign_id, revision, who, body.reason, diff, session))

    try:
        await svc.define_campaign(campaign, also=audit)
    except DuplicateKeyError as exc:
        raise ServiceError(
            409, "活动刚被他人修改，请刷新后重试", "the campaign changed meanwhile; reload and retry"
        ) from exc
    revision = campaign.live.revision
    svc.log.info("campaign_changed", campaign_id=campaign_id, revision=revision, by=who.username)
    return record


@router.get(
    "/api/campaigns/{campaign_id}/changes",
    response_model=list[ChangeRecord],
    responses=responses(401, 403, 404),
)
async def list_changes(
    campaign_id: str, svc: Intake, _: CampaignAdmin, current: CampaignInPath
) -> list[dict[str, Any]]:
    """The campaign's live changes, newest first: the audit trail of its definition."""
    return await svc.change_log.of_campaign(current.id)


@router.get("/campaigns/{campaign_id}/changes", response_class=HTMLResponse, responses=CAMPAIGN_PAGE)
async def changes_page(request: Request, campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    return await of_campaign(request, svc, user, campaign_id, ("campaign_admin",), "changes.html")
