"""The chair's download of a round's entries as one ZIP with its index sheet (``bundle.py``)."""

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from services.common.errors import responses
from services.review.bundle import plan, zipped
from services.review.dependencies import Chair, Review

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
async def entries_zip(svc: Review, _chair: Chair, round_id: str) -> StreamingResponse:
    """Every entry of the round (its work and materials) and ``index.xlsx`` naming them: for panels
    that meet offline and for 观摩交流. Streamed; 409 when the round is over the bundle limits."""
    caption, entries = await plan(svc, round_id)
    name = f"{round_id.replace(':', '-')}-作品包.zip"
    disposition = f"attachment; filename=\"entries.zip\"; filename*=UTF-8''{quote(name)}"
    return StreamingResponse(
        zipped(svc.deps.blobs, caption, entries), media_type=ZIP, headers={"content-disposition": disposition}
    )
