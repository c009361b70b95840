"""Review's web pages: the reviewer's assignments and scoring form, the chair's round page.

Server-rendered (Jinja2) with a little JavaScript for autosave and the chair's actions, which call
the same JSON API as any client. A reviewer signs in by opening ``/review/login?token=...`` (the
link the organisers send with the token); the token then lives in an HttpOnly cookie. Reviewer
pages are built from the same blind views as the API, so they can name no entrant, school or unit."""

import mimetypes
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from contracts.calendar import to_campaign_time
from services.common.errors import ServiceError
from services.common.web import page_responses
from services.review.access import COOKIE, Identity, presented_token
from services.review.app import ReviewService
from services.review.dependencies import Review
from services.review.notice import appeals_of
from services.review.paging import MAX_LIMIT, Page, Paged
from services.review.round_chairs import round_chair
from services.review.round_store import round_id_of
from services.review.rounds import context
from services.review.scoring_window import scoring_refusal
from services.review.sheets import my_assignments, open_entry
from services.review.tables import progress, score_table

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_FILES = {p.name for p in STATIC.iterdir() if p.is_file()}
STATUS_ZH = {"empty": "未评", "draft": "草稿", "complete": "已完成"}
env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
env.globals["static"] = lambda name: f"/review/static/{name}"
env.globals["status_zh"] = STATUS_ZH
# An instant as the campaign's notice would write it (its own calendar, not the server's UTC).
env.filters["campaign_time"] = lambda moment, campaign: to_campaign_time(moment, campaign).strftime(
    "%Y-%m-%d %H:%M"
)


def render(name: str, status: int = 200, **context_: Any) -> HTMLResponse:
    return HTMLResponse(env.get_template(name).render(**context_), status_code=status)


def message(title: str, zh: str, en: str, status: int) -> HTMLResponse:
    return render("message.html", status, title=title, message_zh=zh, message_en=en, who=None)


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


# A page answers with a page, a page that says why not, or the way to the login page.
Responses = dict[int | str, dict[str, Any]]
TO_LOGIN: Responses = {303: {"description": "未登录：转到登录页 / not signed in: to the login page"}}
REFUSED: Responses = {403: _html("无权查看 / not allowed"), 404: _html("不存在 / not found")}
STATIC_TYPES = sorted({mimetypes.guess_type(name)[0] or "application/octet-stream" for name in STATIC_FILES})

router = APIRouter(tags=["review: pages"])


async def signed_in(svc: Review, request: Request) -> Identity | None:
    return await svc.access.identify(presented_token(request))


SignedIn = Annotated[Identity | None, Depends(signed_in)]


@router.get(
    "/review/static/{name}",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {"schema": {"type": "string"}} for t in STATIC_TYPES}},
        **page_responses(404),
    },
)
async def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise ServiceError(404, "文件不存在", "no such file")
    return FileResponse(STATIC / name)


@router.get(
    "/review/login",
    response_class=HTMLResponse,
    response_model=None,
    responses={
        303: {"description": "已登录：转到评审页 / signed in: to the reviewer's or chair's page"},
        401: _html("令牌无效 / the token is not valid"),
    },
)
async def login(svc: Review, token: str = "") -> Response:
    who = await svc.access.identify(token) if token else None
    if who is None:
        return render("login.html", 401 if token else 200, failed=bool(token), who=None)
    to = "/review/" if who.role != "chair" else f"/review/chair/rounds/{await chaired_round(svc, who)}"
    return signed_in_at(svc, to, token, who)


async def chaired_round(svc: ReviewService, who: Identity) -> str:
    """The round a 组长 signs in to: with a 评审范围, their unit's round where the level has one
    (decision 0031), else the level's campaign-wide round."""
    if who.scope:
        own = round_id_of(who.campaign_id, who.level, who.scope)
        if await svc.rounds.find_one({"_id": own}, {"_id": 1}) is not None:
            return own
    return round_id_of(who.campaign_id, who.level)


def signed_in_at(svc: ReviewService, to: str, token: str, who: Identity) -> RedirectResponse:
    """Off to ``to`` (an address without the token), carrying the token in a cookie from now on;
    it lasts as long as the token, which every request checks again (expiry, revocation)."""
    answer = RedirectResponse(to, status_code=303)
    answer.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=svc.settings.cookie_secure,
        max_age=max(1, int((who.expires_at - datetime.now(UTC)).total_seconds())),
        path="/",
    )
    return answer


async def from_link(svc: ReviewService, request: Request) -> Response | None:
    """A reviewer page opened by a link with ``?token=``: sign in and go to the same page without
    the token (it leaves the address bar, the history and any Referer); None for a page without."""
    token = request.query_params.get("token")
    if token is None:
        return None
    who = await svc.access.identify(token)
    if who is None:
        return render("login.html", 401, failed=True, who=None)
    rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
    return signed_in_at(svc, request.url.path + (f"?{rest}" if rest else ""), token, who)


@router.get("/review/logout", response_class=RedirectResponse, status_code=303)
async def logout() -> RedirectResponse:
    answer = RedirectResponse("/review/login", status_code=303)
    answer.delete_cookie(COOKIE)
    return answer


@router.get("/review/", response_class=HTMLResponse, response_model=None, responses=TO_LOGIN)
async def mine(svc: Review, who: SignedIn, request: Request) -> Response:
    if link := await from_link(svc, request):
        return link
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    items = await my_assignments(svc, who, Page(0, MAX_LIMIT))  # a reviewer's load, not the round
    done = sum(i["sheet"]["status"] == "complete" for i in items)
    return render("my.html", who=who, items=items, done=done)


@router.get(
    "/review/rounds/{round_id}/entries/{submission_id}",
    response_class=HTMLResponse,
    response_model=None,
    responses={**TO_LOGIN, **REFUSED},
)
async def score_page(
    svc: Review, who: SignedIn, request: Request, round_id: str, submission_id: str
) -> Response:
    if link := await from_link(svc, request):
        return link
    if who is None:
        return RedirectResponse("/review/login", status_code=303)
    try:
        view = await open_entry(svc, who, round_id, submission_id)
    except ServiceError as exc:  # a page answers with a page, not the API's JSON
        return message("无法评审 Cannot review", exc.zh, exc.en, exc.status)
    return render("score.html", who=who, **view)


@router.get(
    "/review/chair/rounds/{round_id}",
    response_class=HTMLResponse,
    response_model=None,
    responses={**TO_LOGIN, **REFUSED},
)
async def chair_page(svc: Review, request: Request, round_id: str, page: Paged) -> Response:
    if link := await from_link(svc, request):
        return link
    try:
        rnd, campaign, _, level = await context(svc, round_id)
    except ServiceError as exc:
        return message("评审轮次 Round", exc.zh, exc.en, exc.status)
    try:  # the level's 组长 by token, or the round's unit admins by their intake login (decision 0031)
        who = await round_chair(svc.access, request, rnd)
    except ServiceError as exc:
        if exc.status == 401:
            return RedirectResponse("/review/login", status_code=303)
        return message("仅限组长 Chair only", exc.zh, exc.en, exc.status)
    table = await score_table(svc, rnd, campaign, page)
    reviewers = (await progress(svc, rnd, Page(0, MAX_LIMIT)))["reviewers"]
    names = {r["reviewer_id"]: r["name"] for r in reviewers}
    # A template's keyword arguments: like other keyword calls (measured_rules.finding) in shape only.
    return render(
        "chair.html",
        who=who,
        round=rnd,
        campaign=campaign,
        level=level,
        table=table,
        page=page,
        reviewers=reviewers,
        names=names,
        report=rnd.get("assignment_report") or {},
        appeals=await appeals_of(svc, rnd),
        late_refusal=scoring_refusal(campaign, rnd),
    )
