"""The chair's download of a round's entries as one ZIP with its index sheet (``bundle.py``)."""

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.common.downloads import attachment
from services.common.errors import responses
from services.review.bundle import plan, zipped
from services.review.dependencies import ChairOrAdminRound, Review

router = APIRouter()
ZIP = "application/zip"


@router.get(
    "/api/review/rounds/{round_id}/entries.zip",
    response_class=StreamingResponse,
    responses={
        200: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
        **responses(401, 403, 404, 409, 503),
    },
)
async def entries_zip(svc: Review, chaired: ChairOrAdminRound, round_id: str) -> StreamingResponse:
    """Every entry of the round (its work and materials) and ``index.xlsx`` naming them: for panels
    that meet offline and for 观摩交流. Streamed; 409 when the round is over the bundle limits."""
    index, entries = await plan(svc, chaired.round)
    name = f"{round_id.replace(':', '-')}-作品包.zip"
    return StreamingResponse(
        zipped(svc.deps.blobs, index, entries), media_type=ZIP, headers=attachment(name, "entries.zip")
    )
