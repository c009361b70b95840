"""What review's routes are given (FastAPI dependencies, used as ``Annotated`` types): the
service, the campaign named in the path, and who is calling: a campaign admin (asked of intake,
``services/common/callers.py``), a reviewer by their access token (``access.py``), or a round's
chair with the round itself (``round_chairs.py``), read once for the whole request."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from contracts.campaign import Campaign
from services.common.callers import CampaignAdmin, role
from services.common.errors import ServiceError
from services.common.web import campaign_of, service
from services.review.access import Identity
from services.review.app import ReviewService
from services.review.round_chairs import account_chair, round_chair
from services.review.rounds import RoundContext, context

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


@dataclass(frozen=True)
class Chaired:
    """A round and who chairs it: the round is read once, by the check, and handed to the route."""

    who: Identity
    round: RoundContext


async def chaired(svc: Review, request: Request, round_id: str) -> Chaired:
    """Who chairs the round (``round_chairs.py``); the round must exist: 404 before 401."""
    at = await context(svc, round_id)
    return Chaired(await round_chair(svc.access, request, at.rnd), at)


campaign_admin = role("campaign_admin")


async def chaired_or_admin(svc: Review, request: Request, round_id: str) -> Chaired:
    """The round's chair, else a campaign admin by login even beside another token (who may take
    the whole round away); refused as the chair would be when neither."""
    at = await context(svc, round_id)
    try:
        return Chaired(await round_chair(svc.access, request, at.rnd), at)
    except ServiceError as refused:
        try:
            admin = await campaign_admin(request)
        except ServiceError:
            raise refused from None
        return Chaired(account_chair(admin, at.rnd), at)


ChairRound = Annotated[Chaired, Depends(chaired)]
ChairOrAdminRound = Annotated[Chaired, Depends(chaired_or_admin)]
