"""Intake's web pages: server-rendered HTML for entrants, unit admins and campaign admins.

A page renders at once what the server knows (who is logged in, the campaign's form, the
entrant's list); small scripts in ``static/`` then call the JSON API (docs/api-intake.md) for
every action and for live status. Access rules therefore live in one place, the API: a page
only decides whether to show itself or send the visitor to the login page."""

import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from contracts.calendar import to_campaign_time
from contracts.campaign import Campaign, FieldKind
from services.common.assets import RevalidatedStaticFiles
from services.intake.accounts import User
from services.intake.app import IntakeService
from services.intake.auth import can_see, submission_scope
from services.intake.dependencies import Intake, MaybeUser
from services.intake.first_run import checklist
from services.intake.presets import list_presets
from services.intake.status import STAGE_LABELS

HERE = Path(__file__).parent
STATIC_URL = "/static/intake"
ENTERING = ("entrant", "unit_admin", "campaign_admin")
ADMINS = ("unit_admin", "campaign_admin")
MY_ROWS = 200
ROLE_LABELS = {
    "campaign_admin": ("活动管理员", "campaign admin"),
    "unit_admin": ("单位管理员", "unit admin"),
    "reviewer": ("评审专家", "reviewer"),
    "entrant": ("参赛者", "entrant"),
}


class Viewer:
    """The logged-in user as the templates see it."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.display_name = user.display_name or user.username
        self.role_zh, self.role_en = ROLE_LABELS[user.role]
        self.is_entrant = user.role == "entrant"
        self.is_unit_admin = user.role == "unit_admin"
        self.is_campaign_admin = user.role == "campaign_admin"
        self.is_reviewer = user.role == "reviewer"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = _static_url
    env.globals["stage_labels"] = STAGE_LABELS
    env.filters["cn_date"] = _cn_date
    env.filters["cn_time"] = _cn_time
    env.filters["num"] = lambda v: f"{round(float(v), 2):g}"
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


def _static_url(name: str) -> str:
    # The file's mtime in the URL: a changed script reaches every browser without a stale cache.
    path = HERE / "static" / name
    version = int(path.stat().st_mtime) if path.exists() else 0
    return f"{STATIC_URL}/{name}?v={version}"


def _cn_date(value: date | str | None) -> str:
    if value is None:
        return "不限"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def _cn_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_campaign_time(value).strftime("%Y-%m-%d %H:%M")


def _local(target: str) -> str:
    """Where to go after logging in: a path on this site only (no open redirect)."""
    local = target.startswith("/") and target[1:2] not in ("/", "\\")
    return target if local and "\\" not in target and target.isprintable() else "/"


ENV = _environment()
router = APIRouter(tags=["intake: pages"])
router.mount(STATIC_URL, RevalidatedStaticFiles(directory=HERE / "static"), name="intake-static")


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


# What a page answers: the page, the login page for a visitor without a login, or a page that
# says why not. Its scripts then speak the JSON API.
Responses = dict[int | str, dict[str, Any]]
PAGE: Responses = {200: _html("页面 / the page")}
LOGGED_IN_PAGE: Responses = {
    **PAGE,
    303: {"description": "未登录：转到登录页 / not logged in: to the login page"},
    403: _html("无权查看 / not allowed"),
}
CAMPAIGN_PAGE: Responses = {**LOGGED_IN_PAGE, 404: _html("活动不存在 / no such campaign")}


def render(name: str, viewer: Viewer | None, status: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(name).render(user=viewer, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def refuse(viewer: Viewer | None, status: int, zh: str, en: str) -> HTMLResponse:
    return render("message.html", viewer, status=status, title_zh=zh, title_en=en)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(_here(request))}", status_code=303)


PageFn = Callable[[Viewer], Awaitable[Response]]


async def logged_in(request: Request, user: User | None, roles: Iterable[str], page: PageFn) -> Response:
    if user is None:
        return to_login(request)
    if user.must_change_password:  # a temporary password: the account page first, then back here
        return RedirectResponse(f"/account?next={quote(_here(request))}", status_code=303)
    viewer = Viewer(user)
    if user.role not in roles:
        wanted = "或".join(ROLE_LABELS[r][0] for r in roles)
        zh = f"此页面需要{wanted}权限（当前为{viewer.role_zh}）"
        en = f"this page needs the role {' or '.join(roles)} (you are {user.role})"
        return refuse(viewer, 403, zh, en)
    return await page(viewer)


def viewer_of(user: User | None) -> Viewer | None:
    return Viewer(user) if user else None


async def campaign_list(svc: IntakeService) -> list[Campaign]:
    return [
        Campaign.model_validate(doc["spec"])
        async for doc in svc.campaigns.find({}, {"spec": 1}).sort("created_at", -1)
    ]


async def of_campaign(
    request: Request,
    svc: IntakeService,
    user: User | None,
    campaign_id: str,
    roles: Iterable[str],
    template: str,
    **extra: Any,
) -> Response:
    """A logged-in page about one campaign; 404 page when there is no such campaign."""

    async def page(viewer: Viewer) -> Response:
        campaign = await svc.find_campaign(campaign_id)
        if campaign is None:
            return refuse(viewer, 404, f"活动 {campaign_id} 不存在", "no such campaign")
        return render(template, viewer, campaign=campaign, **extra)

    return await logged_in(request, user, roles, page)


@router.get("/", response_class=HTMLResponse, responses=PAGE)
async def home(svc: Intake, user: MaybeUser) -> Response:
    campaigns = await campaign_list(svc)
    # A new installation: the steps to set it up, not only "no campaigns yet" (decision 0036).
    steps = None if campaigns else await checklist(svc, [])
    return render("home.html", viewer_of(user), campaigns=campaigns, checklist=steps)


@router.get("/login", response_class=HTMLResponse, responses=PAGE)
async def login(user: MaybeUser, next: str = "/") -> Response:
    return render("login.html", viewer_of(user), next=_local(next))


@router.get("/account", response_class=HTMLResponse, responses=LOGGED_IN_PAGE)
async def account(request: Request, user: MaybeUser, next: str = "/") -> Response:
    """Changing one's password (required after an admin's reset); an admin also resets others'."""
    if user is None:
        return to_login(request)
    return render("account.html", Viewer(user), next=_local(next))


@router.get("/signup", response_class=HTMLResponse, responses=PAGE)
async def signup(user: MaybeUser, next: str = "/") -> Response:
    return render("signup.html", viewer_of(user), next=_local(next))


@router.get(
    "/campaigns/{campaign_id}",
    response_class=HTMLResponse,
    responses={**PAGE, 404: CAMPAIGN_PAGE[404]},
)
async def campaign_page(campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    campaign = await svc.find_campaign(campaign_id)
    if campaign is None:
        return refuse(viewer_of(user), 404, f"活动 {campaign_id} 不存在", "no such campaign")
    return render("campaign.html", viewer_of(user), campaign=campaign)


@router.get("/campaigns/{campaign_id}/enter", response_class=HTMLResponse, responses=CAMPAIGN_PAGE)
async def entry_form(request: Request, campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    return await of_campaign(request, svc, user, campaign_id, ENTERING, "enter.html", kinds=FieldKind)


@router.get("/campaigns/{campaign_id}/unit", response_class=HTMLResponse, responses=CAMPAIGN_PAGE)
async def unit_page(request: Request, campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    return await of_campaign(request, svc, user, campaign_id, ADMINS, "unit.html")


@router.get("/campaigns/{campaign_id}/dashboard", response_class=HTMLResponse, responses=CAMPAIGN_PAGE)
async def dashboard(request: Request, campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    return await of_campaign(request, svc, user, campaign_id, ADMINS, "dashboard.html")


@router.get("/campaigns/{campaign_id}/statistics", response_class=HTMLResponse, responses=CAMPAIGN_PAGE)
async def statistics_page(request: Request, campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    return await of_campaign(request, svc, user, campaign_id, ADMINS, "statistics.html")


@router.get("/my", response_class=HTMLResponse, responses=LOGGED_IN_PAGE)
async def my_entries(request: Request, svc: Intake, user: MaybeUser) -> Response:
    async def page(viewer: Viewer) -> Response:
        fields = {"form.title": 1, "campaign_id": 1, "stage": 1, "version": 1, "created_at": 1}
        found = svc.submissions.find(submission_scope(viewer.user), fields)
        rows = [doc async for doc in found.sort("created_at", -1).limit(MY_ROWS)]
        ids = list({r["campaign_id"] for r in rows})
        titles = {
            doc["_id"]: doc["spec"]["title"]
            async for doc in svc.campaigns.find({"_id": {"$in": ids}}, {"spec.title": 1})
        }
        return render("my.html", viewer, rows=rows, titles=titles)

    return await logged_in(request, user, ENTERING, page)


@router.get(
    "/submissions/{submission_id}",
    response_class=HTMLResponse,
    responses={**LOGGED_IN_PAGE, 404: _html("作品不存在或无权查看 / no such entry, or not yours")},
)
async def submission_page(request: Request, submission_id: str, svc: Intake, user: MaybeUser) -> Response:
    async def page(viewer: Viewer) -> Response:
        sub = await svc.submissions.find_one(
            {"_id": submission_id}, {"campaign_id": 1, "owner": 1, "attribution": 1, "form.title": 1}
        )
        if sub is None or not can_see(viewer.user, sub):
            # One answer for both: a stranger learns nothing about which ids exist.
            return refuse(viewer, 404, "作品不存在或无权查看", "no such entry, or not yours")
        campaign = await svc.find_campaign(sub["campaign_id"])
        chunk_bytes = svc.settings.upload_chunk_bytes
        return render("submission.html", viewer, sub=sub, campaign=campaign, chunk_bytes=chunk_bytes)

    return await logged_in(request, user, ENTERING, page)


@router.get("/unit", response_class=HTMLResponse, responses=LOGGED_IN_PAGE)
async def unit_home(request: Request, svc: Intake, user: MaybeUser) -> Response:
    async def page(viewer: Viewer) -> Response:
        return render("choose.html", viewer, campaigns=await campaign_list(svc), target="unit")

    return await logged_in(request, user, ADMINS, page)


@router.get("/admin", response_class=HTMLResponse, responses=LOGGED_IN_PAGE)
async def admin_home(request: Request, svc: Intake, user: MaybeUser) -> Response:
    async def page(viewer: Viewer) -> Response:
        campaigns = await campaign_list(svc)
        steps = await checklist(svc, [c.id for c in campaigns])
        return render("admin.html", viewer, campaigns=campaigns, presets=list_presets(), checklist=steps)

    return await logged_in(request, user, ("campaign_admin",), page)
