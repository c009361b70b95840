"""Who is calling a service other than intake: token introspection against intake's accounts.

Accounts live in intake (``services/intake/accounts.py``). Review, publisher and transcoder do
not read intake's store; they ask intake who a caller is, the way OAuth token introspection
(RFC 7662) works: the caller's ``Authorization`` header and session cookie are forwarded to
``GET <intake>/api/auth/me``, and the answer is kept for a short while so a page full of requests
costs one lookup. In the embedded runtime intake answers from the same process; distributed, set
``ZHENGJI_INTAKE_URL`` to intake's address."""

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import Depends, Request

from services.common.errors import ServiceError
from services.common.settings import Settings

CACHE_S = 30.0
SESSION_COOKIE = "zhengji_session"  # intake's web session (services/intake/auth.py)
REVIEW_COOKIE = "zhengji_review"  # a reviewer's token on the reviewer pages (services/review/access.py)


@dataclass(frozen=True)
class Caller:
    id: str
    username: str
    role: str
    unit_code: str | None
    must_change_password: bool = False  # a temporary password: intake lets it do nothing else


def credentials(request: Request, cookie_name: str = SESSION_COOKIE) -> dict[str, str]:
    """The caller's login, as headers to forward to another zhengji service."""
    sent: dict[str, str] = {}
    if auth := request.headers.get("authorization"):
        sent["Authorization"] = auth
    if cookie := request.cookies.get(cookie_name):
        sent["Cookie"] = f"{cookie_name}={cookie}"
    return sent


def _account(body: dict[str, Any]) -> Caller:
    return Caller(
        body["id"],
        body["username"],
        body["role"],
        body.get("unit_code"),
        bool(body.get("must_change_password")),
    )


def _reviewer(body: dict[str, Any]) -> Caller:
    return Caller(f"reviewer:{body['reviewer_id']}", body["name"], "reviewer", None)


class Callers:
    """Intake's accounts (the default), or with ``reviewers`` the experts review invited, known
    as ``reviewer:<id>`` (asked of review's ``/api/review/me``; the notifier tells both)."""

    def __init__(self, settings: Settings, reviewers: bool = False) -> None:
        if reviewers:
            base, path, self.cookie, self.parse = (
                settings.review_url,
                "/api/review/me",
                REVIEW_COOKIE,
                _reviewer,
            )
        else:
            base, path, self.cookie, self.parse = (
                settings.intake_url,
                "/api/auth/me",
                SESSION_COOKIE,
                _account,
            )
        self.base = (base or settings.base_url()).rstrip("/")
        self.url = self.base + path
        self._cache: dict[str, tuple[float, Caller | None]] = {}

    async def identify(self, request: Request) -> Caller | None:
        sent = credentials(request, self.cookie)
        if not sent:
            return None
        key = hashlib.sha256(repr(sorted(sent.items())).encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.get(self.url, headers=sent)
        except httpx.HTTPError as exc:
            raise ServiceError(
                503, "无法核实登录身份（账户服务暂不可用），请稍后重试", f"cannot check the login: {exc!r}"
            ) from exc
        caller = None
        if answer.status_code == 200:
            caller = self.parse(answer.json())
        elif answer.status_code != 401:
            raise ServiceError(
                503, "无法核实登录身份，请稍后重试", f"{self.url} answered {answer.status_code}"
            )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (time.monotonic() + CACHE_S, caller)
        return caller

    async def may_see(self, request: Request, submission_id: str) -> None:
        """Refuse unless the caller may see the submission, as its page decides (intake's
        ``auth.can_see``: its entrant, a unit admin above it, a campaign admin), asked of intake
        with the caller's login. A stranger hears what a missing entry would say."""
        signed_in(await self.identify(request))
        url = f"{self.base}/api/submissions/{quote(submission_id, safe='')}"
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.get(url, headers=credentials(request, self.cookie))
        except httpx.HTTPError as exc:
            raise ServiceError(
                503, "无法核实查看权限（报名服务暂不可用），请稍后重试", f"cannot ask intake: {exc!r}"
            ) from exc
        if answer.status_code in (403, 404):
            raise ServiceError(404, "作品不存在或无权查看", "no such entry, or not yours")
        if answer.status_code != 200:
            raise ServiceError(503, "无法核实查看权限，请稍后重试", f"{url} answered {answer.status_code}")


def must_change_password() -> ServiceError:
    """The refusal of everything but ``me``, logout and the change itself, for an account on a
    temporary password (intake's own routes and every other service's)."""
    return ServiceError(
        403,
        "请先修改密码：当前密码为临时密码（管理员重置或首次启动生成），修改后方可继续",
        "change your password first: it is a temporary one (an admin's reset or the first start's)",
        reason="must_change_password",
    )


def signed_in(caller: Caller | None) -> Caller:
    """The caller, who must be logged in, and not on a temporary password."""
    if caller is None:
        raise ServiceError(401, "请先登录", "log in first")
    if caller.must_change_password:
        raise must_change_password()
    return caller


def role(*roles: str) -> Callable[[Request], Awaitable[Caller]]:
    """A FastAPI dependency: the logged-in caller, who must have one of ``roles`` (none: any). The app's one
    ``Callers`` (and its cache) is on ``app.state.callers`` (``zhengji/runtime.py``)."""

    async def dependency(request: Request) -> Caller:
        callers: Callers = request.app.state.callers
        caller = signed_in(await callers.identify(request))
        if roles and caller.role not in roles:
            raise ServiceError(
                403,
                "无权操作：需要活动管理员权限",
                f"not allowed: needs the role {' or '.join(roles)} (you are {caller.role})",
            )
        return caller

    return dependency


async def _seen_submission(request: Request, submission_id: str) -> str:
    callers: Callers = request.app.state.callers
    await callers.may_see(request, submission_id)
    return submission_id


SeenSubmission = Annotated[str, Depends(_seen_submission)]
"""The path's ``submission_id``, which the caller may see (the check of its page, ``may_see``)."""
CampaignAdmin = Annotated[Caller, Depends(role("campaign_admin"))]
"""The caller, who must be a campaign admin: ``async def route(admin: CampaignAdmin)``."""
LoggedInCaller = Annotated[Caller, Depends(role())]
"""Any logged-in account, whatever its role."""
