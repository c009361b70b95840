"""The public 公示 page of a round, where a logged-in person files an appeal.

``/review/notice/{round_id}`` shows what the JSON notice shows (``public_notice.py``: title,
unit, group, result; authors only where the campaign makes them public), a page of its rows at
a time, its period in the
campaign's calendar, and while the period runs a form for an appeal. Appeals are filed with
intake's accounts, not a reviewer's token: the page asks intake who the visitor is
(``services/common/callers.py``) only to choose between the form and the way to intake's login;
the API decides again on every appeal (login, period, limits)."""

from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from contracts.calendar import zone_label
from services.common.callers import Caller, Callers
from services.common.errors import ServiceError
from services.review.dependencies import Review
from services.review.pages import REFUSED, message, render
from services.review.paging import Paged
from services.review.public_notice import public_notice
from services.review.rounds import NOTICE

router = APIRouter(tags=["review: pages"])


async def visitor(request: Request) -> tuple[Caller | None, str | None]:
    """Who is looking (an intake account or nobody), or why that cannot be told now."""
    callers: Callers = request.app.state.callers
    try:
        return await callers.identify(request), None
    except ServiceError as exc:  # intake unreachable: the notice is still shown
        return None, exc.zh


@router.get("/review/notice/{round_id}", response_class=HTMLResponse, response_model=None, responses=REFUSED)
async def notice_page(svc: Review, request: Request, round_id: str, page: Paged) -> Response:
    try:
        notice, campaign = await public_notice(svc, round_id, page)
    except ServiceError as exc:
        return message("评审结果公示 Public notice", exc.zh, exc.en, exc.status)
    running = notice["state"] == NOTICE and datetime.now(UTC) <= notice["ends_at"]
    caller, unknown = await visitor(request) if running else (None, None)
    here = quote(request.url.path)
    return render(
        "notice.html",
        notice=notice,
        campaign=campaign,
        zone=zone_label(campaign),
        running=running,
        caller=caller,
        caller_unknown=unknown,
        login=f"/login?next={here}",
        account=f"/account?next={here}",
        page=page,
        who=None,
    )
