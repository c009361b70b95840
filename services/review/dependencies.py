"""What review's routes are given (FastAPI dependencies, used as ``Annotated`` types): the
service, the campaign named in the path, and who is calling: a campaign admin (asked of intake,
``services/common/callers.py``), or a reviewer or chair by their access token (``access.py``)."""

from typing import Annotated

from fastapi import Depends, Request

from contracts.campaign import Campaign
from services.common.callers import CampaignAdmin
from services.common.web import campaign_of, service
from services.review.access import Identity
from services.review.app import ReviewService
from services.review.round_chairs import round_chair
from services.review.rounds import context

Review = Annotated[ReviewService, Depends(service(ReviewService))]


async def known_campaign(svc: Review, campaign_id: str) -> Campaign:
    return await campaign_of(svc, campaign_id)


KnownCampaign = Annotated[Campaign, Depends(known_campaign)]


def admin_who(caller: CampaignAdmin) -> dict[str, str]:
    """The campaign admin calling, as the audit log names them."""
    return {"id": caller.id, "name": caller.username, "role": "admin"}


Admin = Annotated[dict[str, str], Depends(admin_who)]


async def reviewer(svc: Review, request: Request) -> Identity:
    return await svc.access.reviewer(request)


Reviewer = Annotated[Identity, Depends(reviewer)]


async def chair(svc: Review, request: Request, round_id: str) -> Identity:
    """Who chairs the round (``round_chairs.py``); the round must exist: 404 before 401."""
    rnd, _, _, _ = await context(svc, round_id)
    return await round_chair(svc.access, request, rnd)


Chair = Annotated[Identity, Depends(chair)]
