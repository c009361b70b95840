"""The chair's download of a round's entries as one ZIP with its index sheet (``bundle.py``)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from services.common.callers import role
from services.common.downloads import attachment
from services.common.errors import ServiceError, responses
from services.review.bundle import plan, zipped
from services.review.dependencies import Review, chair

router = APIRouter()
ZIP = "application/zip"
campaign_admin = role("campaign_admin")


async def chair_or_admin(svc: Review, request: Request, round_id: str) -> str:
    """The round's chair (by token), else a campaign admin (by login, asked of intake): who may take
    the whole round away. Refused as the chair would be when neither."""
    try:
        return (await chair(svc, request, round_id)).name
    except ServiceError as refused:
        if refused.status == 404:
            raise
        try:
            return (await campaign_admin(request)).username
        except ServiceError:
            raise refused from None


ChairOrAdmin = Annotated[str, Depends(chair_or_admin)]


@router.get(
    "/api/review/rounds/{round_id}/entries.zip",
    response_class=StreamingResponse,
    responses={
        200: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
        **responses(401, 403, 404, 409, 503),
    },
)
async def entries_zip(svc: Review, _who: ChairOrAdmin, round_id: str) -> StreamingResponse:
    """Every entry of the round (its work and materials) and ``index.xlsx`` naming them: for panels
    that meet offline and for 观摩交流. Streamed; 409 when the round is over the bundle limits."""
    index, entries = await plan(svc, round_id)
    name = f"{round_id.replace(':', '-')}-作品包.zip"
    return StreamingResponse(
        zipped(svc.deps.blobs, index, entries), media_type=ZIP, headers=attachment(name, "entries.zip")
    )
